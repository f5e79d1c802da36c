import Foundation
import XCTest

/// Runs the built `carrylens` executable for end-to-end tests.
///
/// The binary is looked up next to the test bundle (`.build/<configuration>/carrylens`;
/// the test script builds the `carrylens` product before `swift test`), or taken
/// from the `CARRYLENS_BINARY` environment variable.
enum CLIRunner {
    /// What one run of the executable produced.
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The `carrylens` executable, or nil if it has not been built.
    static let executableURL: URL? = {
        if let path = ProcessInfo.processInfo.environment["CARRYLENS_BINARY"] {
            return URL(fileURLWithPath: path)
        }
        let bundle = Bundle.main.bundleURL
        var candidates = [bundle.appendingPathComponent("carrylens"),
                          bundle.deletingLastPathComponent().appendingPathComponent("carrylens")]
        for test in Bundle.allBundles where test.bundlePath.hasSuffix(".xctest") {
            candidates.append(test.bundleURL.deletingLastPathComponent().appendingPathComponent("carrylens"))
        }
        if let argument = CommandLine.arguments.first {
            candidates.append(URL(fileURLWithPath: argument).deletingLastPathComponent().appendingPathComponent("carrylens"))
        }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }()

    /// Thrown (and so reported as a test failure, not a skip) when the executable is absent.
    struct MissingExecutable: Error, CustomStringConvertible {
        var searched: String
        var description: String {
            "carrylens is not built next to the test bundle (\(searched)); run `swift build -c release -Xswiftc -enable-testing --product carrylens` first or set CARRYLENS_BINARY"
        }
    }

    /// The executable, or an error explaining how to build it.
    static func executable(file: StaticString = #filePath, line: UInt = #line) throws -> URL {
        guard let url = executableURL else {
            throw MissingExecutable(searched: Bundle.main.bundleURL.path)
        }
        return url
    }

    /// Runs `carrylens arguments…`, optionally feeding `standardInput`, and waits for it.
    /// Output goes through temporary files, so large outputs cannot deadlock a pipe.
    static func run(_ arguments: [String], standardInput: String? = nil,
                    file: StaticString = #filePath, line: UInt = #line) throws -> Output {
        let executable = try executable(file: file, line: line)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("carrylens-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let outURL = directory.appendingPathComponent("stdout")
        let errURL = directory.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let outHandle = try FileHandle(forWritingTo: outURL)
        let errHandle = try FileHandle(forWritingTo: errURL)
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.standardOutput = outHandle
        process.standardError = errHandle
        if let standardInput {
            let inURL = directory.appendingPathComponent("stdin")
            try Data(standardInput.utf8).write(to: inURL)
            process.standardInput = try FileHandle(forReadingFrom: inURL)
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        try process.run()
        process.waitUntilExit()
        try outHandle.close()
        try errHandle.close()
        return Output(status: process.terminationStatus,
                      stdout: String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
                      stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
    }

    /// Runs and asserts a zero exit status, returning the output.
    @discardableResult
    static func succeed(_ arguments: [String], standardInput: String? = nil,
                        file: StaticString = #filePath, line: UInt = #line) throws -> Output {
        let output = try run(arguments, standardInput: standardInput, file: file, line: line)
        XCTAssertEqual(output.status, 0, "carrylens \(arguments.joined(separator: " ")) failed: \(output.stderr)", file: file, line: line)
        return output
    }

    /// Runs and asserts a non-zero exit status, empty stdout and a stderr containing `message`.
    @discardableResult
    static func fail(_ arguments: [String], mentioning message: String, standardInput: String? = nil,
                     file: StaticString = #filePath, line: UInt = #line) throws -> Output {
        let output = try run(arguments, standardInput: standardInput, file: file, line: line)
        XCTAssertNotEqual(output.status, 0, "carrylens \(arguments.joined(separator: " ")) should fail", file: file, line: line)
        XCTAssertEqual(output.stdout, "", "no output expected on stdout when failing", file: file, line: line)
        XCTAssertTrue(output.stderr.contains(message), "stderr should mention '\(message)': \(output.stderr)", file: file, line: line)
        return output
    }
}
