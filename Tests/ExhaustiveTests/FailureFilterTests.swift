import AdditionTask
import CarryLensTestSupport
import Foundation
import XCTest
@testable import Exhaustive

final class FailureFilterTests: XCTestCase {
    private func record(pattern: String, wrong: [Int]) -> FailureRecord {
        FailureRecord(index: 0, a: 0, b: 0, modelAnswer: "0000", trueAnswer: "0000",
                      wrongDigits: wrong.map { AnswerDigit(place: $0) }, pattern: pattern, cascadeLengths: wrong.map { _ in 0 })
    }

    func testDigitAndPatternFilters() throws {
        let failure = record(pattern: "99C", wrong: [3, 1])
        XCTAssertTrue(try FailureFilter(digitCount: 3).matches(failure))
        XCTAssertTrue(try FailureFilter(digit: 3, digitCount: 3).matches(failure))
        XCTAssertTrue(try FailureFilter(digit: 1, digitCount: 3).matches(failure))
        XCTAssertFalse(try FailureFilter(digit: 2, digitCount: 3).matches(failure))
        XCTAssertTrue(try FailureFilter(pattern: "99C", digitCount: 3).matches(failure))
        XCTAssertTrue(try FailureFilter(pattern: "9?C", digitCount: 3).matches(failure))
        XCTAssertTrue(try FailureFilter(pattern: "???", digitCount: 3).matches(failure))
        XCTAssertFalse(try FailureFilter(pattern: "?9_", digitCount: 3).matches(failure))
        XCTAssertTrue(try FailureFilter(digit: 3, pattern: "?9C", digitCount: 3).matches(failure))
        XCTAssertFalse(try FailureFilter(digit: 0, pattern: "?9C", digitCount: 3).matches(failure))
        XCTAssertThrowsError(try FailureFilter(pattern: "99", digitCount: 3))
        XCTAssertThrowsError(try FailureFilter(pattern: "99X", digitCount: 3))
        XCTAssertThrowsError(try FailureFilter(digit: 4, digitCount: 3))
        XCTAssertThrowsError(try FailureFilter(digit: -1, digitCount: 3))
    }

    func testCSVRoundTripAndJSONLines() throws {
        let task = try Toy.task(3)
        let root = try Fixtures.temporaryDirectory("exhaustive-filter")
        defer { try? FileManager.default.removeItem(at: root) }
        _ = try Toy.runShard(n: 3, directory: root, chunkSize: 5000)
        let result = try EnumerationResult.load(from: root)
        let failures = try result.failures()
        XCTAssertEqual(failures.count, result.summary.failures)
        XCTAssertEqual(failures.map(\.index), failures.map(\.index).sorted())
        for failure in failures.prefix(50) {
            XCTAssertEqual(try FailureRecord(csvRow: Substring(failure.csvRow(digitCount: 3)), task: task), failure)
            let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(failure.jsonLine(digitCount: 3).utf8)) as? [String: Any])
            XCTAssertEqual(json["index"] as? Int, failure.index)
            XCTAssertEqual(json["wrong_digits"] as? [String], failure.wrongDigits.map(\.description))
        }
        let filter = try FailureFilter(digit: 3, pattern: "9?C", digitCount: 3)
        XCTAssertEqual(failures.filter(filter.matches).count, failures.count)
        XCTAssertEqual(failures.filter(try FailureFilter(digit: 0, digitCount: 3).matches).count, 0)
    }
}
