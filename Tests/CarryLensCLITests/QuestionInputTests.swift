import CarryLensTestSupport
import Foundation
import XCTest

/// Questions on the command line and in `logits` input: CRLF, strict operands, long lines.
final class QuestionInputTests: XCTestCase {
    private let model3 = Fixtures.modelURL(digits: 3).path

    func testCRLFQuestionFileGivesTheSameLogitsAsLF() throws {
        let lf = try CLIRunner.succeed(["logits", model3, "--input", "-"], standardInput: "1+2\n445+555\n\n7+8\n")
        let crlf = try CLIRunner.succeed(["logits", model3, "--input", "-"], standardInput: "1+2\r\n445+555\r\n\r\n7+8\r\n")
        XCTAssertEqual(crlf.stdout, lf.stdout)
        XCTAssertEqual(crlf.stdout.split(separator: "\n").count, 3)

        let root = try Fixtures.temporaryDirectory("crlf")
        defer { try? FileManager.default.removeItem(at: root) }
        let file = root.appendingPathComponent("questions.txt")
        try Data("1+2\r\n445+555\r\n7+8".utf8).write(to: file)
        XCTAssertEqual(try CLIRunner.succeed(["logits", model3, "--input", file.path]).stdout, lf.stdout)
    }

    func testSignsAndExtraDigitsAreRefused() throws {
        try CLIRunner.fail(["run", model3, "--", "-0+1"], mentioning: "malformed question '-0+1'")
        try CLIRunner.fail(["run", model3, "999+-0"], mentioning: "malformed question '999+-0'")
        try CLIRunner.fail(["run", model3, "0001+2"], mentioning: "written with at most 3 digits")
        try CLIRunner.fail(["logits", model3, "--input", "-"], mentioning: "-:2: malformed question '+5+3'", standardInput: "1+2\r\n+5+3\r\n")
        XCTAssertEqual(try CLIRunner.succeed(["run", model3, "007+008", "--json"]).stdout.contains("\"question\" : \"007+008\""), true)
    }

    func testALongLineIsRefusedQuicklyWithoutEchoingIt() throws {
        let line = String(repeating: "1", count: 10 * 1024 * 1024)
        let start = Date()
        let output = try CLIRunner.fail(["logits", model3, "--input", "-"], mentioning: "-:2: question of 10485760 bytes is longer than the limit of 256 bytes",
                                        standardInput: "1+2\n" + line + "\n")
        XCTAssertLessThan(Date().timeIntervalSince(start), 5)
        XCTAssertLessThan(output.stderr.utf8.count, 200, "the line must not be echoed")
    }
}
