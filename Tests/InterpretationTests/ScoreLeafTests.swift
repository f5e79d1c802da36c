import AdditionTask
import Foundation
import Proofs
import XCTest
@testable import Interpretation

/// The score leaf of the carry search: its solver, its fit and its formula.
final class ScoreLeafTests: XCTestCase {
    /// A 3×3 system solved by hand: [[4, 2, 0], [2, 3, 1], [0, 1, 2]] x = [2, 5, 3] has x = (-1/3, 5/3, 2/3)
    /// (4·(-1/3) + 2·5/3 = 2; 2·(-1/3) + 3·5/3 + 2/3 = 5; 5/3 + 2·2/3 = 3).
    func testCholeskySolvesAKnownSystem() throws {
        let x = try XCTUnwrap(ScoreLeafFit.solveSymmetric([4, 2, 0, 2, 3, 1, 0, 1, 2], [2, 5, 3], size: 3))
        XCTAssertEqual(x[0], -1.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(x[1], 5.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(x[2], 2.0 / 3, accuracy: 1e-12)
        XCTAssertNil(ScoreLeafFit.solveSymmetric([1, 2, 2, 1], [0, 0], size: 2), "not positive definite")
    }

    /// Cell `99_` of A3 (n = 4): columns 2 and 1 of pair sum 9, column 0 below 9. A carry rule
    /// the leaf's form can express exactly (carry when D(1) ≥ 5 and S(0) ≥ 4) is recovered from
    /// 4 000 labelled samples, and the leaf's formula (what Z3 reads) gives the same carry.
    func testFitRecoversAThresholdRuleAndFormulaAgrees() throws {
        var generator = SeededGenerator(seed: 7)
        var samples: [(columns: OperandColumns, target: Double)] = []
        func rule(_ columns: OperandColumns) -> Int {
            let (a0, b0) = columns.digits(0)
            return columns.first[1] >= 5 && a0 + b0 >= 4 ? 1 : 0
        }
        func draw() -> OperandColumns {
            var first = (0..<4).map { _ in generator.below(10) }, second = (0..<4).map { _ in generator.below(10) }
            for column in 1...2 { second[column] = 9 - first[column] }
            while first[0] + second[0] > 8 { first[0] = generator.below(10); second[0] = generator.below(10) }
            return OperandColumns(first: first, second: second)
        }
        for _ in 0..<4_000 {
            let columns = draw()
            samples.append((columns, ScoreLeafFit.target(carry: rule(columns), margin: nil)))
        }
        let leaf = try XCTUnwrap(ScoreLeafFit.fit(samples, place: 3, run: 2, digitCount: 4))
        XCTAssertEqual(leaf.tables.map { $0.inputs.map(\.description) },
                       [["D(k)", "D'(k)"], ["D(k-2)", "S(k-3)"], ["D(k-2)", "S(k-4)"]])
        var wrong = 0, formulaDiffers = 0
        for _ in 0..<2_000 {
            let columns = draw()
            let carry = leaf.carry(place: 3, columns: columns)
            if carry != rule(columns) { wrong += 1 }
            if leaf.formula.evaluate(place: 3, columns: columns) != carry { formulaDiffers += 1 }
        }
        XCTAssertEqual(formulaDiffers, 0)
        XCTAssertLessThan(wrong, 100, "a linear score with per-digit slopes separates this rule up to a few boundary cases")
    }

    /// Too few samples for the 131 weights (fewer than 2 per weight): no leaf.
    func testFitNeedsEnoughSamples() {
        let samples = (0..<261).map { _ in (columns: OperandColumns(first: [1, 4, 4, 0], second: [2, 5, 5, 0]), target: 1.0) }
        XCTAssertNil(ScoreLeafFit.fit(samples, place: 3, run: 2, digitCount: 4))
    }

    /// The fitting target: the margin clipped to ±10 logits, or ±1 for the carry when no margin is known.
    func testTargetClipsMarginsAndFallsBackToTheCarry() {
        XCTAssertEqual(ScoreLeafFit.target(carry: 1, margin: nil), 1)
        XCTAssertEqual(ScoreLeafFit.target(carry: 0, margin: nil), -1)
        XCTAssertEqual(ScoreLeafFit.target(carry: 1, margin: 2.5), 2.5)
        XCTAssertEqual(ScoreLeafFit.target(carry: 0, margin: -3.25), -3.25)
        XCTAssertEqual(ScoreLeafFit.target(carry: 1, margin: 25), 10)
        XCTAssertEqual(ScoreLeafFit.target(carry: 0, margin: -40), -10)
    }

    /// A carry that depends on the digit pair of column k jointly with D(k-2) (carry when
    /// D(k) + D'(k) is even exactly when D(k-2) ≥ 5): no sum of a pair term and a D(k-2) term
    /// separates it, the leaf with a weight per D(k) D'(k) D(k-2) combination does; trained on
    /// margins (±2 logits) it reads the three digits and its formula gives the same carry.
    func testInteractionLeafFitsAPairTimesDigitRuleFromMargins() throws {
        var generator = SeededGenerator(seed: 11)
        func rule(_ columns: OperandColumns) -> Int {
            let (a, b) = columns.digits(3)
            return ((a + b) % 2 == 0) == (columns.first[1] >= 5) ? 1 : 0
        }
        func draw() -> OperandColumns {
            var first = (0..<4).map { _ in generator.below(10) }, second = (0..<4).map { _ in generator.below(10) }
            for column in 1...2 { second[column] = 9 - first[column] }
            return OperandColumns(first: first, second: second)
        }
        var samples: [(columns: OperandColumns, target: Double)] = []
        for _ in 0..<12_000 {
            let columns = draw()
            samples.append((columns, ScoreLeafFit.target(carry: rule(columns), margin: rule(columns) == 1 ? 2 : -2)))
        }
        let plain = try XCTUnwrap(ScoreLeafFit.fit(samples, place: 3, run: 2, digitCount: 4))
        let joint = try XCTUnwrap(ScoreLeafFit.fit(samples, place: 3, run: 2, digitCount: 4, interaction: true))
        XCTAssertEqual(joint.tables.map { $0.inputs.map(\.description) },
                       [["D(k)", "D'(k)", "D(k-2)"], ["D(k-2)", "S(k-3)"], ["D(k-2)", "S(k-4)"]])
        var plainWrong = 0, jointWrong = 0, formulaDiffers = 0
        for _ in 0..<2_000 {
            let columns = draw()
            if plain.carry(place: 3, columns: columns) != rule(columns) { plainWrong += 1 }
            let carry = joint.carry(place: 3, columns: columns)
            if carry != rule(columns) { jointWrong += 1 }
            if joint.formula.evaluate(place: 3, columns: columns) != carry { formulaDiffers += 1 }
        }
        XCTAssertEqual(formulaDiffers, 0)
        XCTAssertEqual(jointWrong, 0, "every D(k) D'(k) D(k-2) combination is seen about 12 times")
        XCTAssertGreaterThan(plainWrong, 500, "an additive score cannot express the joint rule")
    }

    /// The A(n) leaf has no column k: no interaction leaf.
    func testNoInteractionLeafWithoutColumnK() {
        let samples = (0..<5_000).map { _ in (columns: OperandColumns(first: [1, 4, 4, 0], second: [2, 5, 5, 0]), target: 1.0) }
        XCTAssertNil(ScoreLeafFit.fit(samples, place: 4, run: 2, digitCount: 4, interaction: true))
    }
}
