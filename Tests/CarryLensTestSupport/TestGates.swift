import Foundation
import XCTest

/// Gates of the test suite, read from the environment.
public enum TestGates {
    /// `CI=true`: a tool a test needs (the built `carrylens`, the `z3` binary) must be there;
    /// its absence fails the test instead of skipping it.
    public static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    /// `CARRYLENS_LONG_TESTS=1`: the long verification runs (minutes each) are included.
    public static var longTestsEnabled: Bool { ProcessInfo.processInfo.environment["CARRYLENS_LONG_TESTS"] == "1" }

    /// The error to throw when a needed tool is missing: a failure under CI, a skip elsewhere.
    public static func missingTool(_ message: String) -> Error {
        isCI ? MissingTool(message: message) : XCTSkip(message)
    }

    /// Skips the calling test unless long tests are enabled (`CARRYLENS_LONG_TESTS=1 scripts/test`).
    public static func requireLongTests(_ what: String) throws {
        try XCTSkipUnless(longTestsEnabled, "\(what): a long test, run with CARRYLENS_LONG_TESTS=1 scripts/test")
    }
}

/// A tool a test needs is missing (under `CI=true`).
public struct MissingTool: Error, CustomStringConvertible {
    /// What is missing and how to get it.
    public let message: String
    public var description: String { message }
}
