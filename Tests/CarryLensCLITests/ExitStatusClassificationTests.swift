import Exhaustive
import Foundation
import XCTest
@testable import carrylens

/// The mapping from errors to exit statuses, for kinds the end-to-end tests cannot
/// provoke (an internal error, a full disk).
final class ExitStatusClassificationTests: XCTestCase {
    private struct Unexpected: Error {}

    func testUnknownErrorsAreInternal() {
        let error = CLIError(classifying: Unexpected())
        XCTAssertEqual(error.status, .internalError)
        XCTAssertEqual(error.status.rawValue, 70)
        XCTAssertTrue(error.description.hasPrefix("internal error: "), error.description)
    }

    func testFoundationFileErrorsAreIOWithTheOSReasonAndPath() {
        let full = CocoaError(.fileWriteOutOfSpace, userInfo: [NSFilePathErrorKey: "/out/report.html"])
        let error = CLIError(classifying: full)
        XCTAssertEqual(error.status, .ioError)
        XCTAssertEqual(error.description, "/out/report.html: No space left on device")
    }

    func testExhaustiveErrorsByKind() {
        XCTAssertEqual(CLIError(ExhaustiveError.mergeGap(after: 10, nextStart: 20)).status.rawValue, 1)
        XCTAssertEqual(CLIError(ExhaustiveError.malformedResult(file: "s/summary.json", reason: "x")).status.rawValue, 1)
        XCTAssertEqual(CLIError(ExhaustiveError.notAResultDirectory("d")).status.rawValue, 2)
        XCTAssertEqual(CLIError(ExhaustiveError.existingResult(directory: "d")).status.rawValue, 64)
        XCTAssertEqual(CLIError(ExhaustiveError.io("cannot write d: No space left on device")).status.rawValue, 74)
        XCTAssertEqual(CLIError(ExhaustiveError.evaluatorMismatch(expected: 1, got: 2, range: "[0, 1)")).status.rawValue, 70)
    }

    func testStatusesAreDistinct() {
        XCTAssertEqual(Set(ExitStatus.allCases.map(\.rawValue)), [0, 1, 2, 64, 70, 74])
    }
}
