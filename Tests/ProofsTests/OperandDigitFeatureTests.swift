import AdditionTask
import Foundation
import XCTest
@testable import Proofs

/// Algorithms that read operand digits (D, D') and table formulas: JSON round trip, concrete answers,
/// and Z3 counts cross-checked by plain arithmetic.
final class OperandDigitFeatureTests: XCTestCase {
    /// The paper's algorithm (exact for n = 2) with A0 replaced by "0 when the first operand's units digit is 3, else BA(0)".
    /// Wrong exactly where a0 = 3 and b0 ≠ 7: 9 · 10 · 10 = 900 of the 10^4 two-digit questions.
    func digitAlgorithm() -> PerDigitAlgorithm {
        let units = DigitFormula.ifThenElse(.compare(.eq, .feature(ColumnFeature(.firstDigit, offset: 0)), .constant(3)),
                                            .constant(0), .feature(ColumnFeature(.baseAdd, offset: 0)))
        var algorithm = PerDigitAlgorithm.paper
        algorithm.name = "units-digit-three"
        algorithm.overrides.append(DigitOverride(.place(0), rule: .formula(units)))
        return algorithm
    }

    func testDigitFeatureCountsMatchArithmetic() throws {
        let algorithm = try PerDigitAlgorithm.load(json: try digitAlgorithm().jsonData())
        XCTAssertEqual(algorithm, digitAlgorithm())
        // Independent count: plain integer arithmetic on the operands, not the algorithm.
        var expected = 0
        for a in 0..<100 { for b in 0..<100 where a % 10 == 3 && b % 10 != 7 { expected += 1 } }
        XCTAssertEqual(expected, 900)
        // The concrete evaluator against a + b.
        var wrong = 0
        let task = try AdditionTask(digitCount: 2)
        for index in 0..<task.questionCount {
            let question = task.question(atIndex: index)
            let answer = algorithm.answerDigits(for: question).reduce(0) { $0 * 10 + $1 }
            if answer != question.a + question.b { wrong += 1 }
        }
        XCTAssertEqual(wrong, expected)
        // Z3: refuted with exactly that many wrong questions, all at A0, and cubes over digit pairs.
        let report = try AdditionProver.prove(algorithm, digitCount: 2).report
        XCTAssertEqual(report.verdict, .refuted)
        XCTAssertEqual(report.counterexamples, String(expected))
        XCTAssertEqual(report.perDigitCounterexamples, ["0", "0", String(expected)])
        XCTAssertTrue(report.differenceSet?.allSatisfy { $0.pattern.contains("(3,") } ?? false)
    }

    /// A table formula over operand digits that equals BA(0): proved.
    func testTableFormulaOverDigitsProved() throws {
        var rows: [TruthTableRow] = []
        for a in 0...9 { for b in 0...9 where (a + b) % 10 != 0 { rows.append(TruthTableRow(match: [a, b], output: (a + b) % 10)) } }
        let table = try TruthTable(inputs: [ColumnFeature(.firstDigit, offset: 0), ColumnFeature(.secondDigit, offset: 0)], rows: rows, defaultOutput: 0)
        var algorithm = PerDigitAlgorithm.paper
        algorithm.name = "units-by-table"
        algorithm.overrides.append(DigitOverride(.place(0), rule: .formula(.lookup(table))))
        let reloaded = try PerDigitAlgorithm.load(json: try algorithm.jsonData())
        XCTAssertEqual(reloaded, algorithm)
        let report = try AdditionProver.prove(reloaded, digitCount: 2).report
        XCTAssertEqual(report.verdict, .proved)
        XCTAssertEqual(report.counterexamples, "0")
    }

    func testApplicationLines() throws {
        let questions = try AlgorithmApplication.questions(in: "459+451\n\n 445 + 555 \n", source: "q.txt", digitCount: nil)
        XCTAssertEqual(questions.map(\.task.digitCount), [3, 3])
        // The paper's algorithm by hand: 459+451 → 0910 (right), 445+555 → 0000 (the 99C cascade, true 1000).
        XCTAssertEqual(try questions.map { try AlgorithmApplication.jsonLine(.paper, question: $0) },
                       ["{\"a\": 459, \"b\": 451, \"answer\": \"0910\"}", "{\"a\": 445, \"b\": 555, \"answer\": \"0000\"}"])
        XCTAssertThrowsError(try AlgorithmApplication.questions(in: "1+2\noops\n", source: "q.txt", digitCount: nil)) { error in
            XCTAssertTrue(String(describing: error).hasPrefix("q.txt:2: "), String(describing: error))
        }
        XCTAssertThrowsError(try AlgorithmApplication.questions(in: "1000+1\n", source: "q.txt", digitCount: 3))
    }
}
