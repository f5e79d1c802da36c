import AdditionTask
import Foundation
import Proofs
import XCTest
@testable import Interpretation

/// The boundary scores of the one-column cells: the questions they are fitted on, their fit,
/// their formula, and the exact count of an algorithm using one.
final class BoundaryLeafTests: XCTestCase {
    /// Cell `9C` of A3 (n = 4): carry except where S(1) = 10 and D(1) ≤ 4, which the gate and a
    /// one-table score express; written by hand so the expected carries are known.
    func gatedExample() throws -> GatedLeaf {
        // Score over D(k-2), S(k-3): +1 when D(1) ≥ 5, −1 otherwise (every S(0)).
        let rows = (0...9).flatMap { d in (0...18).map { TruthTableRow(match: [d, $0], output: d >= 5 ? 1 : -1) } }
        let inside = ScoreLeaf(tables: [try TruthTable(inputs: [ColumnFeature(.firstDigit, offset: -2), ColumnFeature(.pairSum, offset: -3)], rows: rows, defaultOutput: 0)])
        return GatedLeaf(stopOffset: -2, boundary: 10, inside: inside, outside: .constant(1))
    }

    /// The gate sends only questions with S(k-2) = 10 to the score; the formula (what Z3 and the
    /// exact counter read) gives the same carry as the direct evaluation on every digit pair of
    /// columns 1 and 0 (column 2 of pair sum 9).
    func testGatedLeafFormulaAgreesWithItsCarry() throws {
        let gated = try gatedExample()
        let leaf = CarryLeaf.gated(gated)
        XCTAssertEqual(leaf.parameters, gated.inside.parameters + 2)
        XCTAssertEqual(gated.description, "at S(k-2) = 10: score D(k-2), S(k-3) > 0 (190 non-zero score entries); otherwise carry")
        var carries = 0
        for pair1 in 0..<100 {
            for pair0 in 0..<100 {
                let columns = OperandColumns(first: [pair0 / 10, pair1 / 10, 4, 0], second: [pair0 % 10, pair1 % 10, 5, 0])
                let carry = leaf.carry(place: 3, columns: columns)
                let s1 = pair1 / 10 + pair1 % 10
                XCTAssertEqual(carry, s1 == 10 && pair1 / 10 <= 4 ? 0 : 1)
                XCTAssertEqual(leaf.formula.evaluate(place: 3, columns: columns), carry)
                carries += carry
            }
        }
        // 10^4 combinations; not carried: S(1) = 10 with D(1) ∈ 1…4 (4 pairs) × 100 pairs of column 0.
        XCTAssertEqual(carries, 10_000 - 400)
    }

    /// A carry algorithm for n = 3 whose A2 reads two columns and uses the gated leaf in its `9C`
    /// cell (column 0 is the stop column, S(k-3) is 0 below it): the exact counter's count of wrong
    /// A2 digits equals a plain loop over the digit pairs of columns 1 and 0 (the carry into column
    /// 2 does not read column 2, so each case stands for its 100 pairs): only `9C` questions with
    /// S(0) = 10 and D(0) ≤ 4 are wrong, 100 × 10 × 4 = 4,000.
    func testExactCounterCountsAnAlgorithmWithAGatedLeaf() throws {
        let gated = try gatedExample()
        let rule = CarryRule(place: 2, depth: 2, leaves: [LookaheadCell(run: 1, stop: .carry): .gated(gated)])
        let algorithm = PerDigitAlgorithm.carryAlgorithm(name: "gated", digitCount: 3, rules: [rule])
        var wrong = 0
        for pair1 in 0..<100 {
            for pair0 in 0..<100 {
                let first = [pair0 / 10, pair1 / 10, 0], second = [pair0 % 10, pair1 % 10, 0]
                let sums = zip(first, second).map { $0 + $1 }
                let carryInto2 = sums[1] >= 10 || (sums[1] == 9 && sums[0] >= 10) ? 1 : 0
                if rule.carry(columns: OperandColumns(first: first, second: second), pairSums: sums) != carryInto2 { wrong += 100 }
            }
        }
        XCTAssertEqual(wrong, 4_000)
        XCTAssertEqual(ExactDifferenceCounter(algorithm, digitCount: 3).count(place: 2).questions, UInt128(wrong))
        XCTAssertEqual(ExactDifferenceCounter(algorithm, digitCount: 3).count(place: 1).questions, 0, "A1 is true addition's")
    }

    /// A margin that depends on D(k-2) and S(k-3) additively at the boundary (S(k-2) = 8 in `9_`
    /// of A3, n = 4) is recovered by the first term set's one-hot fit: its carry matches the
    /// margin's sign on fresh questions, and its tables read the stated features.
    func testOneHotFitRecoversABoundaryMargin() throws {
        var generator = SeededGenerator(seed: 5)
        func margin(_ columns: OperandColumns) -> Double {
            let (a0, b0) = columns.digits(0)
            return (columns.first[1] >= 6 ? 2 : -2) + Double(a0 + b0 - 9) + 0.5
        }
        func draw() -> OperandColumns {
            var first = (0..<4).map { _ in generator.below(10) }, second = (0..<4).map { _ in generator.below(10) }
            second[2] = 9 - first[2]
            first[1] = generator.below(9)
            second[1] = 8 - first[1]
            return OperandColumns(first: first, second: second)
        }
        let terms = BoundaryLeafFit.termSets(place: 3, run: 1, digitCount: 4)
        XCTAssertEqual(terms.map { $0.map { $0.map(\.description) } },
                       [[["D(k-2)", "S(k-3)"], ["D(k-1)"], ["D(k)", "D'(k)"]],
                        [["D(k-2)", "S(k-3)"], ["D(k-1)"], ["D(k)", "D'(k)"], ["D(k-1)", "S(k-3)"]]],
                       "S(k-4) is below column 0 for A3, so the second set has no D(k-2), S(k-4) table")
        let samples = (0..<3_000).map { _ -> (columns: OperandColumns, target: Double) in
            let columns = draw()
            return (columns, margin(columns))
        }
        let leaf = try XCTUnwrap(ScoreLeafFit.fit(samples, place: 3, terms: terms[0]))
        XCTAssertEqual(leaf.tables.map { $0.inputs.map(\.description) }, [["D(k-2)", "S(k-3)"], ["D(k-1)"], ["D(k)", "D'(k)"]])
        var wrong = 0
        for _ in 0..<2_000 {
            let columns = draw()
            if leaf.carry(place: 3, columns: columns) != (margin(columns) > 0 ? 1 : 0) { wrong += 1 }
            XCTAssertEqual(leaf.formula.evaluate(place: 3, columns: columns), leaf.carry(place: 3, columns: columns))
        }
        XCTAssertLessThan(wrong, 20, "the margin is a sum of the first table's terms; only rounding near 0 can flip a carry")
        XCTAssertNil(ScoreLeafFit.fit(Array(samples.prefix(500)), place: 3, terms: terms[0]), "301 weights need at least 602 questions")
    }

    /// The constructed boundary questions: column k-1 of pair sum 9, column k-2 of the boundary
    /// sum with every digit pair of that sum drawn, and the sets of n = 5 are the one-column
    /// cells of A2…A5, sums 10 then 8.
    func testBoundaryQuestionsHaveTheirSums() throws {
        let task = try AdditionTask(digitCount: 5)
        XCTAssertEqual(CarrySearch.boundaryKeys(digitCount: 5).map { "A\($0.place) r\($0.run) \($0.boundary)" },
                       ["A2 r1 10", "A2 r1 8", "A3 r1 10", "A3 r1 8", "A4 r1 10", "A4 r1 8", "A5 r1 10", "A5 r1 8"])
        for boundary in [10, 8] {
            var generator = SeededGenerator(seed: 3)
            let indices = CarrySearch.constructBoundary(task: task, place: 4, run: 1, boundary: boundary, count: 2_000, generator: &generator)
            var stopDigits = Set<Int>()
            for index in indices {
                let question = task.question(atIndex: index)
                XCTAssertEqual(question.firstDigit(3) + question.secondDigit(3), 9)
                XCTAssertEqual(question.firstDigit(2) + question.secondDigit(2), boundary)
                stopDigits.insert(question.firstDigit(2))
            }
            XCTAssertEqual(stopDigits, Set(boundary == 10 ? 1...9 : 0...8))
        }
    }
}
