import AdditionTask
import CarryLensTestSupport
import Foundation
import XCTest
@testable import Proofs

/// The paper's algorithm written out directly, independent of the formula machinery:
/// A_k = (s_k mod 10 + c'_k) mod 10, c'_k = s_(k-1) ≥ 10 ∨ (s_(k-1) = 9 ∧ s_(k-2) ≥ 10), A_n = c'_n.
func paperAnswerDirect(pairSums s: [Int]) -> [Int] {
    let n = s.count
    func sum(_ j: Int) -> Int { j >= 0 && j < n ? s[j] : 0 }
    var digits: [Int] = []
    for k in 0...n {
        let carry = sum(k - 1) >= 10 || (sum(k - 1) == 9 && sum(k - 2) >= 10) ? 1 : 0
        digits.append(k == n ? carry : (sum(k) % 10 + carry) % 10)
    }
    return digits.reversed()
}

/// The paper's algorithm as truth tables, the form an interpretation module emits.
func paperAsTruthTables() throws -> PerDigitAlgorithm {
    var rows: [TruthTableRow] = [], topRows: [TruthTableRow] = []
    for mc1 in 0...1 {
        for ms9 in 0...1 {
            for mc1b in 0...1 {
                let carry = mc1 == 1 || (ms9 == 1 && mc1b == 1) ? 1 : 0
                topRows.append(TruthTableRow(match: [mc1, ms9, mc1b], output: carry))
                for ba in 0...9 { rows.append(TruthTableRow(match: [ba, mc1, ms9, mc1b], output: (ba + carry) % 10)) }
            }
        }
    }
    let carryInputs = [ColumnFeature(.makesCarry, offset: -1), ColumnFeature(.sumNine, offset: -1), ColumnFeature(.makesCarry, offset: -2)]
    return PerDigitAlgorithm(
        name: "paper-table",
        defaultRule: .truthTable(try TruthTable(inputs: [ColumnFeature(.baseAdd, offset: 0)] + carryInputs, rows: rows, defaultOutput: 0)),
        overrides: [DigitOverride(.fromTop(0), rule: .truthTable(try TruthTable(inputs: carryInputs, rows: topRows, defaultOutput: 0)))])
}

/// The paper's algorithm as truth tables over raw pair sums S(k), S(k-1), S(k-2)
/// (19^3 rows), the other form an interpretation module emits.
func paperAsPairSumTable() throws -> PerDigitAlgorithm {
    var rows: [TruthTableRow] = [], topRows: [TruthTableRow] = []
    for s1 in 0...18 {
        for s2 in 0...18 {
            let carry = s1 >= 10 || (s1 == 9 && s2 >= 10) ? 1 : 0
            topRows.append(TruthTableRow(match: [s1, s2], output: carry))
            for s0 in 0...18 { rows.append(TruthTableRow(match: [s0, s1, s2], output: (s0 % 10 + carry) % 10)) }
        }
    }
    let lower = [ColumnFeature(.pairSum, offset: -1), ColumnFeature(.pairSum, offset: -2)]
    return PerDigitAlgorithm(
        name: "paper-pair-sum-table",
        defaultRule: .truthTable(try TruthTable(inputs: [ColumnFeature(.pairSum, offset: 0)] + lower, rows: rows, defaultOutput: 0)),
        overrides: [DigitOverride(.fromTop(0), rule: .truthTable(try TruthTable(inputs: lower, rows: topRows, defaultOutput: 0)))])
}

final class AlgorithmTests: XCTestCase {
    func testConcreteEvaluatorMatchesPaperFormulaWrittenOut() throws {
        let table = try paperAsTruthTables(), sumTable = try paperAsPairSumTable()
        for n in 1...3 {
            let task = try AdditionTask(digitCount: n)
            for index in 0..<task.questionCount {
                let question = task.question(atIndex: index)
                let sums = (0..<n).map { question.pairSum($0) }
                let expected = paperAnswerDirect(pairSums: sums)
                XCTAssertEqual(PerDigitAlgorithm.paper.answerDigits(for: question), expected, "\(question)")
                XCTAssertEqual(table.answerDigits(for: question), expected, "\(question)")
                XCTAssertEqual(sumTable.answerDigits(for: question), expected, "\(question)")
                XCTAssertEqual(trueAnswerDigits(pairSums: sums), question.answerDigits)
            }
        }
    }

    func testJSONRoundTrip() throws {
        for algorithm in [PerDigitAlgorithm.paper, try paperAsTruthTables(), try paperAsPairSumTable()] {
            let data = try algorithm.jsonData()
            XCTAssertEqual(try PerDigitAlgorithm.load(json: data), algorithm)
        }
    }

    func testDocumentedTruthTableExampleDecodes() throws {
        let json = """
        {"format": "carrylens.per-digit-algorithm.v1", "name": "example",
         "default": {"truth_table": {"inputs": [{"feature": "S", "offset": 0}, {"feature": "MC1", "offset": -1}],
                                     "rows": [{"match": [4, 1], "output": 5}, {"match": [4, 0], "output": 4}], "default": 0}},
         "overrides": [{"from_top": 0, "rule": {"formula": {"feature": "MC1", "offset": -1}}},
                       {"place": 0, "rule": {"formula": {"op": "mod10", "args": [{"feature": "S", "offset": 0}]}}}]}
        """
        let algorithm = try PerDigitAlgorithm.load(json: Data(json.utf8))
        XCTAssertEqual(algorithm.answerDigits(pairSums: [4, 4]), [0, 4, 4])
        XCTAssertEqual(algorithm.answerDigits(pairSums: [12, 4]), [0, 5, 2])
        XCTAssertEqual(algorithm.answerDigits(pairSums: [3, 12]), [1, 0, 3])
    }

    func testMalformedJSONIsRejectedWithReason() {
        let bad = [
            "{}",
            #"{"format": "other", "name": "x", "default": {"formula": {"const": 0}}}"#,
            #"{"format": "carrylens.per-digit-algorithm.v1", "name": "x", "default": {"formula": {"op": "mod10", "args": []}}}"#,
            #"{"format": "carrylens.per-digit-algorithm.v1", "name": "x", "default": {"formula": {"feature": "XY", "offset": 0}}}"#,
            #"{"format": "carrylens.per-digit-algorithm.v1", "name": "x", "default": {"truth_table": {"inputs": [{"feature": "S", "offset": 0}], "rows": [{"match": [1, 2], "output": 3}], "default": 0}}}"#,
            #"{"format": "carrylens.per-digit-algorithm.v1", "name": "x", "default": {"truth_table": {"inputs": [{"feature": "S", "offset": 0}], "rows": [{"match": [1], "output": 3}, {"match": [1], "output": 4}], "default": 0}}}"#,
            #"{"format": "carrylens.per-digit-algorithm.v1", "name": "x", "default": {"formula": {"const": 0}}, "overrides": [{"rule": {"formula": {"const": 0}}}]}"#,
            "not json",
        ]
        for text in bad {
            XCTAssertThrowsError(try PerDigitAlgorithm.load(json: Data(text.utf8)), text) { error in
                guard case AlgorithmError.malformed(let reason) = error else { return XCTFail("\(error)") }
                XCTAssertFalse(reason.isEmpty)
            }
        }
    }

    /// The symbolic encoding and the concrete evaluator agree: all questions for n = 2,
    /// random ones for n = 5 (both for the formula and the truth-table form).
    func testSymbolicEncodingAgreesWithConcreteEvaluator() throws {
        var generator = SeededGenerator(seed: 7)
        let sample = (0..<150).map { _ in Int(generator.next() % 10_000_000_000) }
        // Every n = 2 question in two halves and the n = 5 sample, each part with its own
        // Z3 context (a context is used by one thread), side by side.
        let parts: [(n: Int, indices: [Int])] = [(2, Array(0..<5_000)), (2, Array(5_000..<10_000)), (5, sample)]
        let outcomes = parts.concurrentMap { part in Result { try symbolicMismatches(digitCount: part.n, indices: part.indices) } }
        for (part, outcome) in zip(parts, outcomes) {
            let mismatches = try outcome.get()
            XCTAssertEqual(mismatches, [], "n = \(part.n)")
        }
    }

    /// The questions (by index) where a symbolic digit, simplified at the question's
    /// digits, differs from the concrete value: true addition and every test algorithm.
    private func symbolicMismatches(digitCount n: Int, indices: [Int]) throws -> [String] {
        let algorithms = [PerDigitAlgorithm.paper, try paperAsTruthTables(), try paperAsPairSumTable(), wrongNoCarryAlgorithm, sevenIsZeroAlgorithm]
        let task = try AdditionTask(digitCount: n)
        let context = try Z3Context()
        let addition = try SymbolicAddition(context: context, digitCount: n)
        let digitTerms = try algorithms.map { algorithm in try (0...n).reversed().map { try addition.algorithmDigit(algorithm, place: $0) } }
        let trueTerms = Array(addition.trueDigits.reversed())
        let numerals = try (0...9).map { try context.int($0) }
        var mismatches: [String] = []
        for index in indices {
            let question = task.question(atIndex: index)
            var substitution: [(Z3Expression, Z3Expression)] = []
            for j in 0..<n {
                substitution.append((addition.firstDigits[j], numerals[question.firstDigit(j)]))
                substitution.append((addition.secondDigits[j], numerals[question.secondDigit(j)]))
            }
            func value(_ term: Z3Expression) throws -> Int? { try context.simplify(term, substituting: substitution).intValue }
            let truth = try trueTerms.map(value)
            if truth != question.answerDigits.map(Optional.some) { mismatches.append("truth \(question): \(truth)") }
            for (algorithm, terms) in zip(algorithms, digitTerms) {
                let digits = try terms.map(value)
                if digits != algorithm.answerDigits(for: question).map(Optional.some) { mismatches.append("\(algorithm.name) \(question): \(digits)") }
            }
        }
        return mismatches
    }
}

/// A deliberately wrong algorithm: base add without any carry.
let wrongNoCarryAlgorithm = PerDigitAlgorithm(
    name: "no-carry",
    defaultRule: .formula(.feature(ColumnFeature(.baseAdd, offset: 0))),
    overrides: [DigitOverride(.fromTop(0), rule: .formula(.constant(0)))])

/// A deliberately wrong algorithm whose errors depend on exact pair sums, not only on
/// classes: the paper's algorithm, except that a column with pair sum 7 answers 0.
var sevenIsZeroAlgorithm: PerDigitAlgorithm {
    var algorithm = PerDigitAlgorithm.paper
    algorithm.name = "seven-is-zero"
    if case .formula(let formula) = algorithm.defaultRule {
        algorithm.defaultRule = .formula(.ifThenElse(
            .compare(.eq, .feature(ColumnFeature(.pairSum, offset: 0)), .constant(7)), .constant(0), formula))
    }
    return algorithm
}
