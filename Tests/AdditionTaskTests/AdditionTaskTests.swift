import XCTest
@testable import AdditionTask

final class AdditionTaskTests: XCTestCase {
    func testLayoutForFiveDigits() throws {
        let task = try AdditionTask(digitCount: 5)
        XCTAssertEqual(task.contextLength, 18)
        XCTAssertEqual(task.inputLength, 17)
        XCTAssertEqual(task.questionCount, 10_000_000_000)
        XCTAssertEqual(task.equalsPosition, 11)
        XCTAssertEqual(task.predictingPosition(of: AnswerDigit(place: 5)), 11)
        XCTAssertEqual(task.predictingPosition(of: AnswerDigit(place: 0)), 16)
        XCTAssertEqual(task.answerDigit(predictedAt: 13), AnswerDigit(place: 3))
        XCTAssertNil(task.answerDigit(predictedAt: 10))
        XCTAssertEqual(task.answerDigits.map(\.description), ["A5", "A4", "A3", "A2", "A1", "A0"])
        XCTAssertEqual(task.firstOperandPosition(column: 0), 4)
        XCTAssertEqual(task.secondOperandPosition(column: 4), 6)
        XCTAssertTrue(task.operandColumn(at: 9)! == (1, 1))
    }

    func testQuestionTokensAndAnswer() throws {
        let task = try AdditionTask(digitCount: 5)
        let question = try task.parseQuestion("33357+82243")
        XCTAssertEqual(question.questionTokens, [3, 3, 3, 5, 7, 10, 8, 2, 2, 4, 3, 11])
        XCTAssertEqual(question.answerText, "115600")
        XCTAssertEqual(question.teacherForcedTokens, [3, 3, 3, 5, 7, 10, 8, 2, 2, 4, 3, 11, 1, 1, 5, 6, 0])
        XCTAssertEqual(question.index, 33357 * 100_000 + 82243)
        XCTAssertEqual(task.question(atIndex: question.index), question)
        XCTAssertEqual(question.description, "33357+82243")
    }

    func testParseRejectsBadQuestions() throws {
        let task = try AdditionTask(digitCount: 3)
        XCTAssertThrowsError(try task.parseQuestion("12+")) { XCTAssertEqual($0 as? AdditionTaskError, .malformedQuestion("12+")) }
        XCTAssertThrowsError(try task.parseQuestion("1000+1")) { XCTAssertEqual($0 as? AdditionTaskError, .operandOutOfRange("1000+1", digitCount: 3)) }
        XCTAssertThrowsError(try task.parseQuestion("-1+1"))
        XCTAssertThrowsError(try AdditionTask(digitCount: 0))
        XCTAssertThrowsError(try AdditionTask(digitCount: 10))
        XCTAssertNoThrow(try AdditionTask(digitCount: 9))
    }

    func testCarryChainAndCascade() throws {
        let task = try AdditionTask(digitCount: 5)
        // 00445 + 00555 = 01000: the carry made at column 0 passes the sum-9 columns 1 and 2.
        let question = try task.parseQuestion("00445+00555")
        XCTAssertEqual(question.answerText, "001000")
        XCTAssertEqual(question.pattern.description, "__99C")
        XCTAssertEqual(question.carries.carryInto, [false, true, true, true, false, false])
        XCTAssertEqual(question.carries.cascadeLength(into: 3), 2)
        XCTAssertEqual(question.carries.cascadeLength(into: 2), 1)
        XCTAssertEqual(question.carries.cascadeLength(into: 1), 0)
        XCTAssertEqual(question.carries.cascadeLength(into: 4), 0)
    }

    func testPatternClassesAndCounts() throws {
        XCTAssertEqual(PairSumClass.makesCarry.digitPairCount, 45)
        XCTAssertEqual(PairSumClass.sumNine.digitPairCount, 10)
        XCTAssertEqual(PairSumClass.belowNine.digitPairCount, 45)
        XCTAssertEqual((0...18).map(digitPairs(withSum:)).reduce(0, +), 100)
        let pattern = try CarryPattern("C9_")
        XCTAssertEqual(pattern.column(0), .belowNine)
        XCTAssertEqual(pattern.column(2), .makesCarry)
        XCTAssertEqual(pattern.questionCount, 45 * 10 * 45)
        XCTAssertThrowsError(try CarryPattern("C8_"))
        // Pattern counts agree with brute force over all 2-digit questions.
        let task = try AdditionTask(digitCount: 2)
        var counts: [String: Int] = [:]
        for index in 0..<task.questionCount { counts[task.question(atIndex: index).pattern.description, default: 0] += 1 }
        for (text, count) in counts { XCTAssertEqual(try CarryPattern(text).questionCount, count, text) }
        XCTAssertEqual(counts.count, 9)
    }

    func testTrueAnswerDigitsMatchCarryChain() throws {
        let task = try AdditionTask(digitCount: 3)
        for index in stride(from: 0, to: task.questionCount, by: 7) {
            let question = task.question(atIndex: index)
            let chain = question.carries
            var digits: [Int] = []
            for k in 0..<3 { digits.append((chain.pairSums[k] + (chain.carryInto[k] ? 1 : 0)) % 10) }
            digits.append(chain.carryInto[3] ? 1 : 0)
            XCTAssertEqual(Array(digits.reversed()), question.answerDigits)
        }
    }
}
