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

/// `failures` reads every result directory the tool writes: a verify output directory
/// (exhaustive or sampled) and the sample inside one.
final class FailuresOfEveryResultTests: XCTestCase {
    func testFailuresReadVerifyAndSampleDirectories() throws {
        let three = Fixtures.repositoryRoot.appendingPathComponent("proofs/add3_l1_h3_s129000").path
        let rows = try CLIRunner.succeed(["failures", three]).stdout.split(separator: "\n")
        XCTAssertEqual(rows.count, 2, "header and the network's one failure")
        XCTAssertTrue(rows.last?.hasPrefix("459,451,") ?? false, "\(rows)")
        let five = Fixtures.repositoryRoot.appendingPathComponent("proofs/add5_l1_h3_s129000").path
        let sampled = try CLIRunner.succeed(["failures", five]).stdout
        // The committed n = 5 sample: 1,459 wrong of 200,000 (README), one row each.
        XCTAssertEqual(sampled.split(separator: "\n").count, 1 + 1_459)
        XCTAssertEqual(try CLIRunner.succeed(["failures", five + "/sample"]).stdout, sampled)
        let a4 = try CLIRunner.succeed(["failures", five, "--digit", "4", "--format", "jsonl", "--limit", "3"]).stdout
        XCTAssertEqual(a4.split(separator: "\n").count, 3)
        // The JSON convention: numbers as numbers, answers as zero-padded strings.
        for line in a4.split(separator: "\n") {
            let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let a = try XCTUnwrap(object["a"] as? Int), b = try XCTUnwrap(object["b"] as? Int)
            XCTAssertEqual(object["index"] as? Int, a * 100_000 + b)
            XCTAssertEqual(object["true_answer"] as? String, String(repeating: "0", count: 6 - String(a + b).count) + String(a + b))
            XCTAssertEqual((object["model_answer"] as? String)?.count, 6)
            XCTAssertTrue((object["wrong_digits"] as? [String])?.contains("A4") ?? false, String(line))
        }
    }
}
