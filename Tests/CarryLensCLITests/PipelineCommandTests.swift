import CarryLensTestSupport
import Foundation
import XCTest

/// Argument and input errors of the pipeline commands: a clear message on stderr,
/// nothing on stdout, a non-zero exit, and no result written.
final class PipelineCommandTests: XCTestCase {
    func testVerifyRejectsBadArguments() throws {
        let out = try Fixtures.temporaryDirectory("verify-bad")
        try CLIRunner.fail(["verify", "/nonexistent/model.safetensors", "--out", out.path], mentioning: "no such model file")
        try CLIRunner.fail(["verify", Fixtures.modelURL(digits: 3).path, "--threads", "0", "--out", out.path], mentioning: "--threads")
        try CLIRunner.fail(["verify", Fixtures.modelURL(digits: 3).path, "--sample", "0", "--out", out.path], mentioning: "--sample")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.appendingPathComponent("report.html").path))
    }

    func testReportRefusesADirectoryWithoutResults() throws {
        let empty = try Fixtures.temporaryDirectory("report-empty")
        try CLIRunner.fail(["report", empty.path], mentioning: "missing result file")
        XCTAssertFalse(FileManager.default.fileExists(atPath: empty.appendingPathComponent("report.md").path))
    }

    func testReportRefusesMalformedResults() throws {
        let directory = try Fixtures.temporaryDirectory("report-malformed")
        try Data("{ not json".utf8).write(to: directory.appendingPathComponent("model.json"))
        try CLIRunner.fail(["report", directory.path], mentioning: "malformed result file")
    }

    func testExplainRejectsBadArguments() throws {
        try CLIRunner.fail(["explain", "/nonexistent/model.safetensors"], mentioning: "no such model file")
        let truncated = try Fixtures.temporaryDirectory("explain-truncated").appendingPathComponent("cut.safetensors")
        let bytes = try Data(contentsOf: Fixtures.modelURL(digits: 3))
        try bytes.prefix(bytes.count / 2).write(to: truncated)
        try CLIRunner.fail(["explain", truncated.path], mentioning: "truncated")
    }
}
