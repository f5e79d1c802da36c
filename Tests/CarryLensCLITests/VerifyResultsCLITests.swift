import CarryLensTestSupport
import Foundation
import XCTest

/// `verify --results` refuses results it must not build a report from, before any stage runs:
/// results of another model file (SHA-256), of another n, and edited or truncated ones (the
/// integrity checks `merge` applies). Each refusal names what it found, exits non-zero and
/// writes no report.
final class VerifyResultsCLITests: XCTestCase {
    private let committed = SharedVerification.committedEnumeration

    /// A copy of the committed n = 3 enumeration, which a test may damage.
    private func copyOfCommitted(_ label: String) throws -> URL {
        let copy = try Fixtures.temporaryDirectory(label).appendingPathComponent("enumeration")
        try FileManager.default.copyItem(at: committed, to: copy)
        return copy
    }

    private func assertRefused(model: URL, results: URL, mentioning message: String, status: Int32,
                               file: StaticString = #filePath, line: UInt = #line) throws {
        let out = try Fixtures.temporaryDirectory("verify-results-refused")
        let output = try CLIRunner.fail(["verify", model.path, "--results", results.path, "--out", out.path],
                                        mentioning: message, file: file, line: line)
        XCTAssertEqual(output.status, status, output.stderr, file: file, line: line)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.appendingPathComponent("report.md").path), file: file, line: line)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.appendingPathComponent("enumeration").path), file: file, line: line)
    }

    func testRefusesResultsOfAnotherModelFile() throws {
        // The n = 3 fixture with the last bit of its last weight flipped: same shape, another SHA-256.
        var bytes = try Data(contentsOf: Fixtures.modelURL(digits: 3))
        bytes[bytes.count - 1] ^= 1
        let other = try Fixtures.temporaryDirectory("verify-results-model").appendingPathComponent("add3_l1_h3_s129000.safetensors")
        try bytes.write(to: other)
        try assertRefused(model: other, results: committed, mentioning: "holds results of the model add3_l1_h3_s129000.safetensors (sha256 a51973c2", status: 1)
    }

    func testRefusesResultsOfAnotherN() throws {
        try assertRefused(model: Fixtures.modelURL(digits: 5), results: committed, mentioning: "holds results of 3-digit addition; the model adds 5-digit numbers", status: 1)
    }

    func testRefusesEditedSummaryAndTruncatedFailures() throws {
        let edited = try copyOfCommitted("verify-results-edited")
        let summaryURL = edited.appendingPathComponent("summary.json")
        let summary = try String(contentsOf: summaryURL, encoding: .utf8)
        XCTAssertTrue(summary.contains("\"per_digit_failures\" : [\n    0,\n    0,\n    1,"))
        try summary.replacingOccurrences(of: "\"per_digit_failures\" : [\n    0,\n    0,\n    1,", with: "\"per_digit_failures\" : [\n    0,\n    1,\n    0,")
            .write(to: summaryURL, atomically: true, encoding: .utf8)
        try assertRefused(model: Fixtures.modelURL(digits: 3), results: edited, mentioning: "per_digit_failures", status: 1)

        let truncated = try copyOfCommitted("verify-results-truncated")
        let failuresURL = truncated.appendingPathComponent("failures.bin")
        let failures = try Data(contentsOf: failuresURL)
        try failures.prefix(failures.count - 5).write(to: failuresURL)
        try assertRefused(model: Fixtures.modelURL(digits: 3), results: truncated, mentioning: "failures.bin", status: 1)
    }

    func testRefusesADirectoryWithoutResultsAndAnUnfinishedRun() throws {
        let directory = try Fixtures.temporaryDirectory("verify-results-none")
        try assertRefused(model: Fixtures.modelURL(digits: 3), results: directory, mentioning: "is not a CarryLens result directory", status: 2)
        try Data("{}".utf8).write(to: directory.appendingPathComponent("checkpoint.json"))
        try assertRefused(model: Fixtures.modelURL(digits: 3), results: directory, mentioning: "holds an incomplete result", status: 2)
    }

    /// `failures` on a verify directory built from partial results names where the failures are.
    func testFailuresRefusesAPartialVerifyDirectory() throws {
        let directory = try Fixtures.temporaryDirectory("verify-results-partial")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("measured/range-0-1000"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("sample"), withIntermediateDirectories: true)
        try Data("{}".utf8).write(to: directory.appendingPathComponent("sample/summary.json"))
        let output = try CLIRunner.fail(["failures", directory.path], mentioning: "holds partial results (verify --results)")
        XCTAssertEqual(output.status, 2)
    }
}
