import AdditionTask
import CarryLensTestSupport
import Foundation
import XCTest
@testable import Exhaustive

/// A long row or line in a result file is never echoed whole in an error.
final class LongInputTests: XCTestCase {
    private func csv(_ rows: [String]) throws -> URL {
        let directory = try Fixtures.temporaryDirectory("long-rows")
        let url = directory.appendingPathComponent("failures.csv")
        try Data(([FailureRecord.csvHeader] + rows).joined(separator: "\n").utf8).write(to: url)
        return url
    }

    private func message(readingCSV url: URL) throws -> String {
        let task = try AdditionTask(digitCount: 3)
        do {
            _ = try FailureRecord.readCSV(at: url, task: task)
        } catch let error as ExhaustiveError {
            return error.description
        }
        XCTFail("the file was accepted")
        return ""
    }

    func testALongMalformedRowIsQuotedAsAShortExcerpt() throws {
        let row = "459,451," + String(repeating: "9", count: 2_000)
        let text = try message(readingCSV: try csv([row]))
        XCTAssertTrue(text.contains("row '459,451,999"), text)
        XCTAssertTrue(text.contains("…' (2008 bytes): expected 7 fields"), text)
        XCTAssertLessThan(text.utf8.count, 200, text)
    }

    func testALongFieldIsQuotedAsAShortExcerpt() throws {
        let row = "459,451,0800,0910,A" + String(repeating: "x", count: 5_000) + ",_C_,1"
        let text = try message(readingCSV: try csv([row]))
        XCTAssertTrue(text.contains("wrong digit 'Axxxx"), text)
        XCTAssertLessThan(text.utf8.count, 300, text)
    }

    func testALineOverTheLimitIsRefusedWithoutBeingEchoed() throws {
        for length in [LineReader.maximumLineBytes + 1, 10 << 20] {
            // With and without a newline after it.
            for tail in ["", "\n459,451,0800,0910,A2,_C_,1\n"] {
                let url = try csv([String(repeating: "7", count: length) + tail])
                let start = Date()
                let text = try message(readingCSV: url)
                XCTAssertTrue(text.hasSuffix("is malformed: a line is longer than the limit of 65536 bytes"), text)
                XCTAssertFalse(text.contains("7777"), "the line must not be echoed")
                XCTAssertLessThan(Date().timeIntervalSince(start), 2)
            }
        }
    }

    func testLongShardAndPatternArgumentsAreExcerpted() {
        let long = String(repeating: "1", count: 100_000)
        for error in [ExhaustiveError.malformedShard(long), .malformedPatternFilter(long, digitCount: 3)] {
            XCTAssertLessThan(error.description.utf8.count, 200, error.description)
            XCTAssertTrue(error.description.contains("…' (100000 bytes)"), error.description)
        }
        XCTAssertEqual(ExhaustiveError.malformedShard("3/x").description, "malformed shard '3/x': expected I/N with integers 0 ≤ I < N, e.g. 3/16")
    }
}
