import AdditionTask
import Foundation
import XCTest
@testable import Proofs

/// The union count from per-digit difference sets, against plain loops.
final class CubeUnionTests: XCTestCase {
    /// Every constraint kind, for random cubes.
    private let constraints: [ColumnConstraint] = [.free, .pairClass(.makesCarry), .pairClass(.sumNine), .pairClass(.belowNine),
                                                   .pairSum(0), .pairSum(9), .pairSum(10), .pairSum(18), .digitPair(4, 5), .digitPair(9, 9), .digitPair(0, 0)]

    func testUnionSizeEqualsCountingEveryDigitPairTuple() {
        var generator = SeededGenerator(seed: 7)
        for trial in 0..<40 {
            let columns = 1 + trial % 3
            let cubes = (0..<(1 + trial % 9)).map { _ in
                ColumnCube(columns: (0..<columns).map { _ in constraints[Int(generator.next() % UInt64(constraints.count))] })
            }
            var union = CubeUnion(columnCount: columns)
            for cube in cubes { union.insert(cube) }
            // Plain loop: every tuple of digit pairs, in the union when some cube allows every column.
            var expected = 0
            var tuple = [Int](repeating: 0, count: columns)
            outer: while true {
                if cubes.contains(where: { cube in (0..<columns).allSatisfy { cube.columns[$0].allows(first: tuple[$0] / 10, second: tuple[$0] % 10) } }) {
                    expected += 1
                }
                var column = 0
                while true {
                    tuple[column] += 1
                    if tuple[column] < 100 { break }
                    tuple[column] = 0
                    column += 1
                    if column == columns { break outer }
                }
            }
            XCTAssertEqual(union.questionCount, UInt128(expected), "\(cubes)")
        }
    }

    /// When Z3 may not characterize the union (too few cubes allowed) the total still comes,
    /// from the per-digit sets, and equals the plain loop; the report says how it was obtained.
    func testTotalFromPerDigitSetsWhenTheUnionIsNotCharacterized() throws {
        var checked = 0
        for algorithm in [PerDigitAlgorithm.paper, sevenIsZeroAlgorithm, wrongNoCarryAlgorithm, try paperAsPairSumTable()] {
            let full = try AdditionProver.prove(algorithm, digitCount: 3).report
            let largestDigit = full.digits.map { $0.cubes?.count ?? 0 }.max() ?? 0
            // Only algorithms whose union needs more cubes than any one digit can be cut this way.
            guard (full.differenceSet?.count ?? 0) > largestDigit else { continue }
            let cut = try AdditionProver.prove(algorithm, digitCount: 3, options: ProofOptions(maximumCubes: largestDigit)).report
            XCTAssertNil(cut.differenceSet)
            XCTAssertNotNil(cut.counterexamplesMethod)
            let expected = try bruteForceDirect(algorithm, digitCount: 3)
            XCTAssertEqual(cut.counterexamples, String(expected.total), algorithm.name)
            XCTAssertEqual(full.counterexamples, String(expected.total), algorithm.name)
            XCTAssertNil(full.counterexamplesMethod)
            checked += 1
        }
        XCTAssertGreaterThan(checked, 0, "no algorithm here has a union with more cubes than its digits")
    }

    /// A budget that has run out leaves digits unknown, never proved, and says why.
    func testUsedUpBudgetIsUnknownWithReason() throws {
        let report = try AdditionProver.prove(.paper, digitCount: 6, options: ProofOptions(budgetSeconds: 0.001)).report
        XCTAssertNotEqual(report.verdict, .proved)
        XCTAssertTrue(report.digits.contains { $0.verdict == .unknown && ($0.unknownReason ?? "").contains("time budget") }
                      || (report.differenceSetUnknownReason ?? "").contains("time budget"),
                      "\(report.digits.map(\.unknownReason)) \(String(describing: report.differenceSetUnknownReason))")
    }
}
