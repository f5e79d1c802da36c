import CarryLensTestSupport
import Foundation
import XCTest

/// Exit statuses (docs/cli.md): 0 success, 1 a result check failed, 2 bad input,
/// 64 usage error, 70 internal error, 74 the OS refused a file operation. Every command
/// gives the same status for the same kind of problem.
final class ExitStatusTests: XCTestCase {
    private let model3 = Fixtures.modelURL(digits: 3).path

    private func status(_ arguments: [String], standardInput: String? = nil) throws -> CLIRunner.Output {
        try CLIRunner.run(arguments, standardInput: standardInput)
    }

    func testSuccessIsZero() throws {
        XCTAssertEqual(try status(["info", model3]).status, 0)
        XCTAssertEqual(try status(["run", model3, "459+451"]).status, 0, "a wrong answer of the network is a finding, not an error")
    }

    func testHelpIsPrintedWithStatusZeroForEveryCommand() throws {
        for command in ["", "info", "convert", "run", "logits", "enumerate", "merge", "failures", "prove", "explain", "verify", "report"] {
            let arguments = command.isEmpty ? ["--help"] : [command, "--help"]
            let output = try status(arguments)
            XCTAssertEqual(output.status, 0, "\(arguments): \(output.stderr)")
            XCTAssertTrue(output.stdout.contains("USAGE:"), "\(arguments): \(output.stdout)")
            XCTAssertFalse(output.stderr.contains("internal error"), "\(arguments): \(output.stderr)")
        }
        let version = try status(["--version"])
        XCTAssertEqual(version.status, 0, version.stderr)
        XCTAssertTrue(version.stdout.hasPrefix("carrylens "), version.stdout)
        let help = try status(["help", "enumerate"])
        XCTAssertEqual(help.status, 0, help.stderr)
        XCTAssertTrue(help.stdout.contains("USAGE: carrylens enumerate"), help.stdout)
    }

    func testUsageErrorsAre64() throws {
        for arguments in [["info"], ["info", model3, "--no-such-option"], ["run", model3, "1+2", "--precision", "fp16"],
                          ["enumerate", model3, "--threads", "0"], ["enumerate", model3, "--shard", "3/2"], ["no-such-command"],
                          ["prove", "--digits", "2", "--max-exact-cubes", "0"]] {
            let output = try status(arguments)
            XCTAssertEqual(output.status, 64, "\(arguments): \(output.stderr)")
        }
    }

    func testAMissingModelIsBadInputForEveryModelCommand() throws {
        let missing = "/nonexistent/model.safetensors"
        for arguments in [["info", missing], ["run", missing, "1+2"], ["logits", missing, "--input", "-"],
                          ["enumerate", missing, "--out", "/nonexistent/out"], ["explain", missing, "--out", "/nonexistent/out"],
                          ["verify", missing, "--out", "/nonexistent/out"]] {
            let output = try status(arguments, standardInput: "")
            XCTAssertEqual(output.status, 2, "\(arguments): \(output.stderr)")
            XCTAssertTrue(output.stderr.hasPrefix("Error: "), output.stderr)
            XCTAssertTrue(output.stderr.contains(missing), output.stderr)
        }
    }

    func testAMalformedModelIsBadInputForEveryModelCommand() throws {
        let bad = Fixtures.repositoryRoot.appendingPathComponent("fixtures/bad/duplicate-config-key.safetensors").path
        for arguments in [["info", bad], ["run", bad, "1+2"], ["logits", bad, "--input", "-"], ["explain", bad, "--out", "/nonexistent/out"],
                          ["verify", bad, "--out", "/nonexistent/out"]] {
            let output = try status(arguments, standardInput: "")
            XCTAssertEqual(output.status, 2, "\(arguments): \(output.stderr)")
            XCTAssertTrue(output.stderr.contains(#"duplicate key "eps""#), output.stderr)
        }
    }

    func testBadQuestionsAndInputFilesAreBadInput() throws {
        for question in ["-0+1", "999+-0", "0001+2", "12+"] {
            XCTAssertEqual(try status(["run", model3, "--", question]).status, 2, question)
        }
        XCTAssertEqual(try status(["logits", model3, "--input", "-"], standardInput: "1+2\nx\n").status, 2)
        XCTAssertEqual(try status(["logits", model3, "--input", "/nonexistent/questions.txt"]).status, 2)
        XCTAssertEqual(try status(["prove", "--algorithm", "/nonexistent/algorithm.json", "--digits", "2"]).status, 2)
        XCTAssertEqual(try status(["failures", "/nonexistent/result"]).status, 2)
    }

    func testAResultThatFailsItsChecksIsOne() throws {
        let root = try Fixtures.temporaryDirectory("exit-status")
        defer { try? FileManager.default.removeItem(at: root) }
        let out = root.appendingPathComponent("result")
        let run = try status(["enumerate", model3, "--toy-evaluator", "--shard", "0/100", "--out", out.path, "--threads", "1"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let summary = out.appendingPathComponent("summary.json")
        // `count` written as a string: a decoding error, which must be named by file and field.
        let text = try String(contentsOf: summary, encoding: .utf8)
        let edited = text.replacingOccurrences(of: #""count"\s*:\s*([0-9]+)"#, with: #""count": "$1""#, options: .regularExpression)
        XCTAssertNotEqual(edited, text)
        try Data(edited.utf8).write(to: summary)
        let output = try status(["failures", out.path])
        XCTAssertEqual(output.status, 1, output.stderr)
        XCTAssertTrue(output.stderr.contains("summary.json"), output.stderr)
        XCTAssertTrue(output.stderr.contains("field 'count'"), output.stderr)
        XCTAssertFalse(output.stderr.contains("DecodingError") || output.stderr.contains("CodingKeys"), output.stderr)
    }

    func testTheOSReasonAndStatus74WhenOutputCannotBeWritten() throws {
        let root = try Fixtures.temporaryDirectory("exit-status")
        defer { try? FileManager.default.removeItem(at: root) }
        let file = root.appendingPathComponent("a-file")
        try Data("x".utf8).write(to: file)
        let output = try status(["enumerate", model3, "--toy-evaluator", "--shard", "0/100", "--out", file.appendingPathComponent("out").path])
        XCTAssertEqual(output.status, 74, output.stderr)
        XCTAssertTrue(output.stderr.contains("Not a directory"), output.stderr)
        XCTAssertFalse(output.stderr.contains("NSCocoaErrorDomain"), output.stderr)
    }
}
