import AdditionTask
import CarryLensTestSupport
import Foundation
import XCTest
@testable import Proofs

/// Random per-digit algorithms using every formula kind, every feature, offsets reaching columns
/// below 0 and above n-1, truth-table rules and overrides.
struct RandomAlgorithmMaker {
    var generator: SeededGenerator

    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &generator) }

    mutating func feature() -> ColumnFeature {
        ColumnFeature(FeatureKind.allCases[int(0...FeatureKind.allCases.count - 1)], offset: int(-4...1))
    }

    /// A value the feature can take (so table rows are hit).
    mutating func value(of kind: FeatureKind) -> Int {
        switch kind {
        case .makesCarry, .sumNine: return int(0...1)
        case .pairSum: return int(0...18)
        case .baseAdd, .firstDigit, .secondDigit: return int(0...9)
        }
    }

    mutating func table() -> TruthTable {
        let inputs = (0..<int(1...3)).map { _ in feature() }
        var rows: [TruthTableRow] = [], seen = Set<[Int]>()
        for _ in 0..<int(0...12) {
            let match = inputs.map { value(of: $0.kind) }
            if seen.insert(match).inserted { rows.append(TruthTableRow(match: match, output: int(-3...11))) }
        }
        return try! TruthTable(inputs: inputs, rows: rows, defaultOutput: int(-1...9))
    }

    mutating func formula(depth: Int) -> DigitFormula {
        let kind = depth <= 0 ? int(0...1) : int(0...9)
        switch kind {
        case 0: return .constant(int(-2...11))
        case 1: return .feature(feature())
        case 2: return .add((0..<int(1...3)).map { _ in formula(depth: depth - 1) })
        case 3: return .mod10(formula(depth: depth - 1))
        case 4: return .and((0..<int(1...3)).map { _ in formula(depth: depth - 1) })
        case 5: return .or((0..<int(1...3)).map { _ in formula(depth: depth - 1) })
        case 6: return .not(formula(depth: depth - 1))
        case 7: return .ifThenElse(formula(depth: depth - 1), formula(depth: depth - 1), formula(depth: depth - 1))
        case 8: return .compare(ComparisonOperator.allCases[int(0...5)], formula(depth: depth - 1), formula(depth: depth - 1))
        default: return .lookup(table())
        }
    }

    mutating func rule() -> DigitRule {
        switch int(0...4) {
        case 0: return .truthTable(table())
        case 1:
            // Mostly right digits, so wrong sets are proper subsets: BA(k) or S(k) plus a carry-like guess
            // (the form the case split decides without cutting column k by base add).
            let own = ColumnFeature(int(0...1) == 0 ? .baseAdd : .pairSum, offset: 0)
            var terms = [DigitFormula.feature(own), formula(depth: 2)]
            if int(0...1) == 0 { terms.reverse() }
            return .formula(.mod10(.add(terms)))
        default: return .formula(formula(depth: 3))
        }
    }

    mutating func algorithm(_ name: String) -> PerDigitAlgorithm {
        var overrides: [DigitOverride] = []
        for _ in 0..<int(0...2) {
            overrides.append(DigitOverride(int(0...1) == 0 ? .fromTop(int(0...2)) : .place(int(0...3)), rule: rule()))
        }
        return PerDigitAlgorithm(name: name, defaultRule: rule(), overrides: overrides)
    }
}

/// Plain loops over every question: the concrete evaluator against decimal a + b.
func bruteForceByOperands(_ algorithm: PerDigitAlgorithm, digitCount n: Int) -> WrongCounts {
    var counts = WrongCounts(perDigit: Array(repeating: 0, count: n + 1), total: 0)
    var limit = 1
    for _ in 0..<n { limit *= 10 }
    func digits(_ x: Int) -> [Int] { var rest = x; return (0..<n).map { _ in defer { rest /= 10 }; return rest % 10 } }
    let operands = (0..<limit).map(digits)
    for a in 0..<limit {
        for b in 0..<limit {
            let predicted = algorithm.answerDigits(firstOperandDigits: operands[a], secondOperandDigits: operands[b])
            var sum = a + b, wrong = false
            for slot in (0...n).reversed() {
                if predicted[slot] != sum % 10 { counts.perDigit[slot] += 1; wrong = true }
                sum /= 10
            }
            if wrong { counts.total += 1 }
        }
    }
    return counts
}

/// The counter's counts for every digit (A(n)…A0) and in total; fails the test on an unknown.
func exactCounts(_ algorithm: PerDigitAlgorithm, digitCount n: Int, file: StaticString = #filePath, line: UInt = #line) -> WrongCounts? {
    let counter = ExactDifferenceCounter(algorithm, digitCount: n)
    let perDigit = (0...n).reversed().map { counter.count(place: $0).questions }
    guard let total = counter.countAnyDigit().questions, perDigit.allSatisfy({ $0 != nil }) else {
        XCTFail("exact count unknown for \(algorithm.name)", file: file, line: line)
        return nil
    }
    return WrongCounts(perDigit: perDigit.map { $0! }, total: total)
}

/// Questions of a leaf (a random digit pair per column) on which it is checked; returns what is
/// wrong with the leaf, or nil. Checks the algorithm's digit, the true carry and the wrong/right
/// status of every sampled question against the concrete evaluator and decimal addition.
func leafProblem(_ leaf: DifferenceLeaf, _ algorithm: PerDigitAlgorithm, digitCount n: Int, samples: Int, generator: inout SeededGenerator) -> String? {
    for _ in 0..<samples {
        var first: [Int] = [], second: [Int] = []
        for mask in leaf.columns {
            let pairs = DigitPairMask.pairsIn(mask)
            let pair = pairs[Int.random(in: 0..<pairs.count, using: &generator)]
            first.append(pair.first)
            second.append(pair.second)
        }
        let columns = OperandColumns(first: first, second: second)
        let value = algorithm.rule(place: leaf.place, digitCount: n).evaluate(place: leaf.place, columns: columns)
        let a = first.reversed().reduce(0) { $0 * 10 + $1 }, b = second.reversed().reduce(0) { $0 * 10 + $1 }
        var power = 1
        for _ in 0..<leaf.place { power *= 10 }
        let carry = (a % power + b % power) >= power ? 1 : 0
        let truth = ((a + b) / power) % 10
        let expected: Int
        switch leaf.algorithmValue {
        case .constant(let digit): expected = digit
        case .baseAddPlus(let rest): expected = ((first[leaf.place] + second[leaf.place]) % 10 + rest % 10 + 10) % 10
        }
        if value != expected { return "\(a)+\(b): A\(leaf.place) is \(value), the leaf says \(leaf.algorithmValue)" }
        if carry != leaf.trueCarry { return "\(a)+\(b): carry into column \(leaf.place) is \(carry), the leaf says \(leaf.trueCarry)" }
        if (value != truth) != leaf.differs { return "\(a)+\(b): A\(leaf.place) = \(value), true \(truth), the leaf says differs = \(leaf.differs)" }
    }
    return nil
}

final class ExactDifferenceCounterTests: XCTestCase {
    /// Many random algorithms at n = 2 and a few at n = 3: per-digit and total counts equal plain
    /// loops over every question.
    func testCountsEqualBruteForceOnRandomAlgorithms() {
        var maker = RandomAlgorithmMaker(generator: SeededGenerator(seed: 11))
        var nonTrivial = 0
        let trials = (0..<160).map { trial in (n: trial < 150 ? 2 : 3, algorithm: maker.algorithm("random-\(trial)")) }
        // The brute-force counts (the slow part), spread over the cores.
        let bruteForce = trials.concurrentMap { bruteForceByOperands($0.algorithm, digitCount: $0.n) }
        for ((n, algorithm), expected) in zip(trials, bruteForce) {
            guard let counted = exactCounts(algorithm, digitCount: n) else { return }
            XCTAssertEqual(counted, expected, "\(algorithm.name) n = \(n): \(String(decoding: try! algorithm.jsonData(), as: UTF8.self))")
            if expected.total > 0 && expected.total < UInt128(power10(UInt128(2 * n))) { nonTrivial += 1 }
        }
        // Guard against a generator that makes only all-wrong or all-right algorithms.
        XCTAssertGreaterThan(nonTrivial, 50)
    }

    /// Algorithms the project ships or tests elsewhere, against plain loops at n = 3.
    func testCountsEqualBruteForceOnKnownAlgorithms() throws {
        for algorithm in [PerDigitAlgorithm.paper, try paperAsPairSumTable(), sevenIsZeroAlgorithm, wrongNoCarryAlgorithm] {
            XCTAssertEqual(exactCounts(algorithm, digitCount: 3), bruteForceByOperands(algorithm, digitCount: 3), algorithm.name)
        }
    }

    /// The paper's algorithm, n = 1…6: the same per-digit and total counts as Z3's characterization.
    func testAgreesWithZ3OnThePaperAlgorithm() throws {
        for n in 1...6 {
            let report = try AdditionProver.prove(.paper, digitCount: n, options: ProofOptions(exactCounting: false)).report
            guard let counted = exactCounts(.paper, digitCount: n) else { return }
            XCTAssertEqual(counted.perDigit.map { String($0) }, report.perDigitCounterexamples.map { $0 ?? "unknown" }, "n = \(n)")
            XCTAssertEqual(String(counted.total), report.counterexamples, "n = \(n)")
        }
    }

    /// Every leaf of the case split, for random algorithms at n = 3: sampled questions of the leaf
    /// give the leaf's algorithm digit, true carry and wrong/right status, and the leaves together
    /// hold each question once (their sizes add up to 10^6).
    func testEveryLeafIsConstantOnSampledQuestions() {
        var maker = RandomAlgorithmMaker(generator: SeededGenerator(seed: 23))
        var generator = SeededGenerator(seed: 5)
        var leaves = 0
        for trial in 0..<60 {
            let algorithm = maker.algorithm("random-\(trial)")
            let counter = ExactDifferenceCounter(algorithm, digitCount: 3)
            for place in 0...3 {
                var size: UInt128 = 0
                var problems: [String] = []
                let stop = counter.explore(places: [place]) { leaf in
                    size += leaf.questionCount
                    leaves += 1
                    if problems.count < 3, let problem = leafProblem(leaf, algorithm, digitCount: 3, samples: 4, generator: &generator) {
                        problems.append(problem)
                    }
                }
                XCTAssertNil(stop)
                XCTAssertEqual(problems, [], "\(algorithm.name) A\(place)")
                XCTAssertEqual(size, 1_000_000, "\(algorithm.name) A\(place)")
            }
        }
        XCTAssertGreaterThan(leaves, 1_000)
    }

    /// The leaf check catches a leaf that is not constant: the whole space claimed as one leaf.
    func testLeafCheckRejectsANonConstantLeaf() {
        var generator = SeededGenerator(seed: 3)
        let leaf = DifferenceLeaf(columns: [UInt128](repeating: DigitPairMask.all, count: 3), place: 2, algorithmValue: .constant(0), trueCarry: 0, differs: false)
        XCTAssertNotNil(leafProblem(leaf, .paper, digitCount: 3, samples: 50, generator: &generator))
    }

    /// In the prover: where Z3 may not characterize a set (cube limit 1) its count comes from the
    /// case split and says so; where Z3 may, both counts are there and agree; without the case split
    /// the cut run leaves those counts unknown.
    func testProverReportsWhereEachCountCameFrom() throws {
        // Base add without carries: A3 and A2 are wrong on several cubes each (C, 9C, 99C below them).
        let algorithm = wrongNoCarryAlgorithm
        let expected = bruteForceByOperands(algorithm, digitCount: 3)
        let cut = try AdditionProver.prove(algorithm, digitCount: 3, options: ProofOptions(maximumCubes: 1)).report
        let full = try AdditionProver.prove(algorithm, digitCount: 3).report
        for report in [cut, full] {
            XCTAssertEqual(report.perDigitCounterexamples, expected.perDigit.map { String($0) })
            XCTAssertEqual(report.counterexamples, String(expected.total))
        }
        for (cutDigit, fullDigit) in zip(cut.digits, full.digits) {
            XCTAssertEqual(fullDigit.countSource, .z3AndExactCaseSplit, fullDigit.digit)
            XCTAssertEqual(cutDigit.countSource, (fullDigit.cubes?.count ?? 0) > 1 ? .exactCaseSplit : .z3AndExactCaseSplit, cutDigit.digit)
        }
        XCTAssertTrue(cut.digits.contains { $0.countSource == .exactCaseSplit })
        XCTAssertTrue((cut.counterexamplesMethod ?? "").contains("exact case split"), cut.counterexamplesMethod ?? "nil")
        let z3Only = try AdditionProver.prove(algorithm, digitCount: 3, options: ProofOptions(maximumCubes: 1, exactCounting: false)).report
        XCTAssertTrue(z3Only.digits.contains { $0.counterexamples == nil })
    }

    /// A work limit gives unknown with its reason, never a count.
    func testCubeLimitGivesUnknown() {
        let counter = ExactDifferenceCounter(.paper, digitCount: 6, maximumCubes: 10)
        guard case .unknown(let reason) = counter.countAnyDigit() else { return XCTFail("a count within 10 cubes") }
        XCTAssertTrue(reason.contains("10 cubes"), reason)
        XCTAssertNil(counter.count(place: 6).questions)
    }
}
