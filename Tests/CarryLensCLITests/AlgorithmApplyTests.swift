import CarryLensTestSupport
import Foundation
import XCTest

/// `carrylens algorithm apply`, end to end.
final class AlgorithmApplyTests: XCTestCase {
    /// A0…A(n-1) copy the first operand's digit (D(k)); the top digit is 0. Answers by hand below.
    let copyFirst = """
    {"format": "carrylens.per-digit-algorithm.v1", "name": "copy-first",
     "default": {"formula": {"feature": "D", "offset": 0}},
     "overrides": [{"from_top": 0, "rule": {"formula": {"const": 0}}}]}
    """

    func testApplyPrintsAnswersAsJSONLines() throws {
        let directory = try Fixtures.temporaryDirectory("apply")
        let algorithm = directory.appendingPathComponent("copy.json")
        try copyFirst.write(to: algorithm, atomically: true, encoding: .utf8)
        let questions = directory.appendingPathComponent("q.txt")
        try "123+456\n\n7+8\n".write(to: questions, atomically: true, encoding: .utf8)
        let output = try CLIRunner.succeed(["algorithm", "apply", algorithm.path, "--input", questions.path])
        XCTAssertEqual(output.stdout, "{\"a\": 123, \"b\": 456, \"answer\": \"0123\"}\n{\"a\": 7, \"b\": 8, \"answer\": \"0007\"}\n")
        // Standard input, and --digits.
        let piped = try CLIRunner.succeed(["algorithm", "apply", algorithm.path, "--input", "-", "--digits", "5"], standardInput: "12+3\n")
        XCTAssertEqual(piped.stdout, "{\"a\": 12, \"b\": 3, \"answer\": \"000012\"}\n")
    }

    func testApplyRejectsBadInput() throws {
        let directory = try Fixtures.temporaryDirectory("apply-bad")
        let algorithm = directory.appendingPathComponent("copy.json")
        try copyFirst.write(to: algorithm, atomically: true, encoding: .utf8)
        let questions = directory.appendingPathComponent("q.txt")
        try "1+2\n3-4\n".write(to: questions, atomically: true, encoding: .utf8)
        let bad = try CLIRunner.run(["algorithm", "apply", algorithm.path, "--input", questions.path])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertEqual(bad.stdout, "")
        XCTAssertTrue(bad.stderr.contains("q.txt:2: "), bad.stderr)
        let broken = directory.appendingPathComponent("broken.json")
        try "{\"format\": \"other\"}".write(to: broken, atomically: true, encoding: .utf8)
        let refused = try CLIRunner.run(["algorithm", "apply", broken.path, "--input", questions.path])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("cannot load algorithm file"), refused.stderr)
        let missing = try CLIRunner.run(["algorithm", "apply", directory.appendingPathComponent("none.json").path, "--input", questions.path])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("cannot read algorithm file") && missing.stderr.contains("No such file"), missing.stderr)
    }
}
