import AdditionTask
import Foundation
import XCTest

/// One strict reader for every question: `run`'s argument, `logits` files and standard input.
final class QuestionParsingTests: XCTestCase {
    private let task = try! AdditionTask(digitCount: 3)

    private func error(_ text: String) -> AdditionTaskError? {
        do { _ = try task.parseQuestion(text); return nil } catch { return error as? AdditionTaskError }
    }

    func testOperandsAreDigitsOnlyWithoutSign() {
        for text in ["-0+1", "999+-0", "+5+3", "1++2", "1+2+3", "1.0+2", "1e2+3", "0x1+2", "1 2+3", "+", "1+", "+1", "", "١+٢"] {
            guard case .malformedQuestion? = error(text) else { return XCTFail("'\(text)' accepted or wrong error: \(String(describing: error(text)))") }
        }
    }

    func testAtMostNDigitsCountingLeadingZeros() throws {
        XCTAssertEqual(try task.parseQuestion("007+8"), Question(a: 7, b: 8, task: task))
        XCTAssertEqual(try task.parseQuestion("999+000"), Question(a: 999, b: 0, task: task))
        XCTAssertEqual(error("0007+8"), .operandOutOfRange("0007+8", digitCount: 3))
        XCTAssertEqual(error("1+0000"), .operandOutOfRange("1+0000", digitCount: 3))
        XCTAssertEqual(error("1000+1"), .operandOutOfRange("1000+1", digitCount: 3))
        XCTAssertEqual(error("0007+8")?.description,
                       "question '0007+8': operands must be between 0 and 999 for 3-digit addition, written with at most 3 digits")
    }

    func testSpacesAroundOperandsAndCarriageReturnsAreAllowed() throws {
        XCTAssertEqual(try task.parseQuestion(" 12 + 34 \r"), Question(a: 12, b: 34, task: task))
        XCTAssertEqual(try task.parseQuestion("\t1+2"), Question(a: 1, b: 2, task: task))
    }

    func testLongQuestionIsRefusedByItsLengthWithoutEcho() {
        let text = String(repeating: "1", count: 10_000_000) + "+1"
        let start = Date()
        let refused = error(text)
        XCTAssertLessThan(Date().timeIntervalSince(start), 0.5)
        XCTAssertEqual(refused, .questionTooLong(length: 10_000_002, limit: 256))
        XCTAssertEqual(refused?.description, "question of 10000002 bytes is longer than the limit of 256 bytes")
    }

    func testFileLinesEndInLFOrCRLF() throws {
        let expected = [Question(a: 1, b: 2, task: task), Question(a: 445, b: 555, task: task), Question(a: 7, b: 8, task: task)]
        for text in ["1+2\n445+555\n7+8\n", "1+2\r\n445+555\r\n\r\n7+8\r\n", "1+2\r\n445+555\n  \n7+8", "\n1+2\n445+555\n7+8"] {
            XCTAssertEqual(try task.parseQuestionLines(Data(text.utf8), source: "q.txt"), expected, text.debugDescription)
        }
        XCTAssertEqual(try task.parseQuestionLines(Data(), source: "q.txt"), [])
    }

    func testBadLineIsNamedByFileAndLine() {
        XCTAssertThrowsError(try task.parseQuestionLines(Data("1+2\r\n-0+1\r\n".utf8), source: "q.txt")) {
            XCTAssertEqual(($0 as? QuestionLineError)?.description,
                           "q.txt:2: malformed question '-0+1': expected 'a+b' with operands of decimal digits (no sign)")
        }
        // A bare carriage return does not end a line.
        XCTAssertThrowsError(try task.parseQuestionLines(Data("1+2\r3+4\n".utf8), source: "q.txt")) {
            XCTAssertEqual(($0 as? QuestionLineError)?.line, 1)
        }
    }

    func testLongLineIsRefusedQuicklyWithAShortMessage() {
        let data = Data(("1+2\n" + String(repeating: "9", count: 10 * 1024 * 1024) + "\n").utf8)
        let start = Date()
        XCTAssertThrowsError(try task.parseQuestionLines(data, source: "big.txt")) {
            XCTAssertEqual(($0 as? QuestionLineError)?.description, "big.txt:2: question of 10485760 bytes is longer than the limit of 256 bytes")
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 1.0)
    }

    func testOperandParserIsTheSameForResultFiles() {
        XCTAssertEqual(task.parseOperand(utf8: "042".utf8), 42)
        XCTAssertNil(task.parseOperand(utf8: "-0".utf8))
        XCTAssertNil(task.parseOperand(utf8: "+42".utf8))
        XCTAssertNil(task.parseOperand(utf8: "1000".utf8))
        XCTAssertNil(task.parseOperand(utf8: "".utf8))
    }
}
