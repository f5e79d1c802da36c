import AdditionTask
import XCTest
@testable import Exhaustive

final class ShardTests: XCTestCase {
    func testParsing() throws {
        XCTAssertEqual(try Shard(parsing: "3/16"), try Shard(index: 3, of: 16))
        XCTAssertEqual(try Shard(parsing: "0/1"), Shard.whole)
        for bad in ["3/2", "0/0", "2/2", "-1/3", "a/b", "1", "1/2/3", "", "/4", "1/", "1.5/4"] {
            XCTAssertThrowsError(try Shard(parsing: bad), bad)
        }
    }

    /// T = 10^18 (n = 9): boundaries are exact ⌊i·T/N⌋ and the shards tile [0, T).
    func testShardArithmeticAtTenToTheEighteenIsExact() throws {
        let task = try AdditionTask(digitCount: 9)
        let total = task.questionCount
        XCTAssertEqual(total, 1_000_000_000_000_000_000)
        for count in [1, 2, 3, 7, 16, 1000, 999_983, 1 << 20] {
            var expectedStart = 0
            let samples = count <= 1000 ? Array(0..<count) : [0, 1, 2, count / 3, count / 2, count - 2, count - 1]
            for i in samples {
                let range = try Shard(index: i, of: count).range(for: task)
                let exactLower = UInt128(total) * UInt128(i) / UInt128(count)
                let exactUpper = UInt128(total) * UInt128(i + 1) / UInt128(count)
                XCTAssertEqual(UInt128(range.lowerBound), exactLower, "\(i)/\(count)")
                XCTAssertEqual(UInt128(range.upperBound), exactUpper, "\(i)/\(count)")
                if count <= 1000 {
                    XCTAssertEqual(range.lowerBound, expectedStart, "gap or overlap before \(i)/\(count)")
                    expectedStart = range.upperBound
                }
            }
            if count <= 1000 { XCTAssertEqual(expectedStart, total, "shards of \(count) do not end at T") }
            XCTAssertEqual(try Shard(index: count - 1, of: count).range(for: task).upperBound, total)
        }
    }

    func testShardsCoverSmallTasksExactly() throws {
        for n in 1...3 {
            let task = try AdditionTask(digitCount: n)
            for count in [1, 3, 7, 99, task.questionCount + 5] {
                var covered = 0
                for i in 0..<count {
                    let range = try Shard(index: i, of: count).range(for: task)
                    XCTAssertEqual(range.lowerBound, covered)
                    covered = range.upperBound
                }
                XCTAssertEqual(covered, task.questionCount)
            }
        }
    }
}
