import AdditionTask
import CarryLensTestSupport
import Foundation
import XCTest
@testable import Proofs

/// Exact counts of wrong questions, per answer digit (A(n)…A0) and in total.
struct WrongCounts: Equatable {
    var perDigit: [UInt128]
    var total: UInt128
}

/// Plain loops over every question (n ≤ 3): the concrete evaluator against the
/// task layer's true answer (integer a + b).
func bruteForceDirect(_ algorithm: PerDigitAlgorithm, digitCount n: Int) throws -> WrongCounts {
    let task = try AdditionTask(digitCount: n)
    var counts = WrongCounts(perDigit: Array(repeating: 0, count: n + 1), total: 0)
    for index in 0..<task.questionCount {
        let question = task.question(atIndex: index)
        let predicted = algorithm.answerDigits(for: question), truth = question.answerDigits
        var wrong = false
        for i in 0...n where predicted[i] != truth[i] {
            counts.perDigit[i] += 1
            wrong = true
        }
        if wrong { counts.total += 1 }
    }
    return counts
}

/// Plain loops over every question for larger n (n = 4: 10^8 questions). Both answers
/// depend only on the pair sums, so the comparison is computed once per pair-sum vector
/// (algorithm via the concrete evaluator, truth via integer a + b of a question with
/// those pair sums) and looked up for each question.
func bruteForceMemoized(_ algorithm: PerDigitAlgorithm, digitCount n: Int) throws -> WrongCounts {
    let task = try AdditionTask(digitCount: n)
    var vectors = 1
    for _ in 0..<n { vectors *= 19 }
    var masks = [UInt32](repeating: 0, count: vectors)
    for code in 0..<vectors {
        var sums: [Int] = [], rest = code
        for _ in 0..<n { sums.append(rest % 19); rest /= 19 }
        var a = 0, b = 0
        for j in (0..<n).reversed() {
            a = a * 10 + min(9, sums[j])
            b = b * 10 + sums[j] - min(9, sums[j])
        }
        let truth = Question(a: a, b: b, task: task).answerDigits
        let predicted = algorithm.answerDigits(pairSums: sums)
        for i in 0...n where predicted[i] != truth[i] { masks[code] |= 1 << UInt32(i) }
    }
    let operands = task.operandCount
    var codes = [Int](repeating: 0, count: operands)
    for x in 0..<operands {
        var code = 0, weight = 1, rest = x
        for _ in 0..<n { code += (rest % 10) * weight; weight *= 19; rest /= 10 }
        codes[x] = code
    }
    var perDigit = [Int](repeating: 0, count: n + 1), total = 0
    for a in 0..<operands {
        let base = codes[a]
        for b in 0..<operands {
            let mask = masks[base + codes[b]]
            if mask != 0 {
                total += 1
                for i in 0...n where mask & (1 << UInt32(i)) != 0 { perDigit[i] += 1 }
            }
        }
    }
    return WrongCounts(perDigit: perDigit.map { UInt128($0) }, total: UInt128(total))
}

func counts(of report: ProofReport) -> WrongCounts? {
    let perDigit = report.perDigitCounterexamples.compactMap { $0.flatMap { UInt128($0) } }
    guard perDigit.count == report.nDigits + 1, let total = report.counterexampleCount else { return nil }
    return WrongCounts(perDigit: perDigit, total: total)
}

final class CountingTests: XCTestCase {
    func testZ3CountsEqualBruteForceForOneToFourDigits() throws {
        let algorithms = [PerDigitAlgorithm.paper, try paperAsTruthTables(), try paperAsPairSumTable(), wrongNoCarryAlgorithm, sevenIsZeroAlgorithm]
        // n = 4 for one proved and one refuted algorithm (every algorithm with CARRYLENS_LONG_TESTS=1).
        let cases = (1...4).flatMap { n in
            (n < 4 || TestGates.longTestsEnabled ? algorithms : [algorithms[0], algorithms[4]]).map { (n: n, algorithm: $0) }
        }
        // Each case has its own Z3 context, so the cases run side by side.
        let outcomes = cases.concurrentMap { n, algorithm in
            Result { () throws -> (ProofRun, WrongCounts) in
                (try AdditionProver.prove(algorithm, digitCount: n),
                 n <= 3 ? try bruteForceDirect(algorithm, digitCount: n) : try bruteForceMemoized(algorithm, digitCount: n))
            }
        }
        for ((n, algorithm), outcome) in zip(cases, outcomes) {
            let (run, expected) = try outcome.get()
            XCTAssertEqual(counts(of: run.report), expected, "\(algorithm.name) n=\(n)")
            XCTAssertEqual(run.report.verdict, expected.total == 0 ? .proved : .refuted)
            for digit in run.report.digits {
                XCTAssertEqual(digit.verdict, expected.perDigit[n - digit.place] == 0 ? .proved : .refuted)
            }
        }
    }

    func testPairSumDependentErrorsAreCountedWithExactSumCubes() throws {
        let report = try AdditionProver.prove(sevenIsZeroAlgorithm, digitCount: 2).report
        XCTAssertTrue(report.digits.contains { $0.cubes?.contains { $0.pattern.contains("[7]") } ?? false }, "\(report.digits.map(\.cubes))")
    }

    func testMemoizedBruteForceAgreesWithDirectLoops() throws {
        for n in 1...3 {
            XCTAssertEqual(try bruteForceMemoized(.paper, digitCount: n), try bruteForceDirect(.paper, digitCount: n))
            XCTAssertEqual(try bruteForceMemoized(wrongNoCarryAlgorithm, digitCount: n), try bruteForceDirect(wrongNoCarryAlgorithm, digitCount: n))
        }
    }

    /// Hand-derived: for n = 3 the paper algorithm is wrong exactly on pattern 99C
    /// (e.g. 445+555: the carry made at column 0 passes columns 1 and 2), only at A3:
    /// 10 · 10 · 45 = 4500 questions. 045+055 (one sum-9 column) is right.
    func testThreeDigitPaperCountsByHand() throws {
        let report = try AdditionProver.prove(.paper, digitCount: 3).report
        XCTAssertEqual(report.perDigitCounterexamples, ["4500", "0", "0", "0"])
        XCTAssertEqual(report.differenceSet?.map(\.pattern), ["99C"])
        let task = try AdditionTask(digitCount: 3)
        XCTAssertEqual(PerDigitAlgorithm.paper.answerDigits(for: try task.parseQuestion("445+555")), [0, 0, 0, 0])
        XCTAssertEqual(PerDigitAlgorithm.paper.answerDigits(for: try task.parseQuestion("045+055")), [0, 1, 0, 0])
    }

    func testWrongAlgorithmIsRefutedWithWitnessesThatReallyAreWrong() throws {
        let n = 5
        let report = try AdditionProver.prove(wrongNoCarryAlgorithm, digitCount: n).report
        XCTAssertEqual(report.verdict, .refuted)
        let witnesses = report.witnesses + report.digits.compactMap(\.witness)
        XCTAssertGreaterThan(witnesses.count, 3)
        let task = try AdditionTask(digitCount: n)
        for witness in witnesses {
            let parts = witness.question.split(separator: "+")
            let a = try XCTUnwrap(Int(parts[0])), b = try XCTUnwrap(Int(parts[1]))
            let trueAnswer = padded(a + b, n + 1)  // plain arithmetic
            XCTAssertEqual(witness.trueAnswer, trueAnswer)
            let predicted = wrongNoCarryAlgorithm.answerDigits(for: Question(a: a, b: b, task: task))
            XCTAssertEqual(witness.algorithmAnswer, predicted.map(String.init).joined())
            XCTAssertNotEqual(witness.algorithmAnswer, trueAnswer, witness.question)
        }
        for digit in report.digits where digit.verdict == .refuted {
            XCTAssertTrue(try XCTUnwrap(digit.witness).wrongDigits.contains(digit.digit))
        }
    }

    /// A 1 ms timeout plus a resource limit of 1 on n = 12: Z3 alone gives unknown, never
    /// proved; with the exact case split (the default) the verdicts and counts are that
    /// method's, and say so.
    func testTinyTimeoutYieldsUnknownNeverProved() throws {
        let counted = try AdditionProver.prove(.paper, digitCount: 12, options: ProofOptions(timeoutSeconds: 0.001, resourceLimit: 1))
        XCTAssertEqual(counted.report.verdict, .refuted)
        XCTAssertEqual(counted.report.counterexamples, "44434822089937500000000")
        for digit in counted.report.digits where digit.verdict != .unknown {
            XCTAssertEqual(digit.countSource, .exactCaseSplit, digit.digit)
        }
        let run = try AdditionProver.prove(.paper, digitCount: 12, options: ProofOptions(timeoutSeconds: 0.001, resourceLimit: 1, exactCounting: false))
        XCTAssertEqual(run.report.verdict, .unknown)
        XCTAssertNil(run.report.counterexamples)
        for digit in run.report.digits {
            XCTAssertNotEqual(digit.verdict, .proved, digit.digit)
            if digit.verdict == .unknown { XCTAssertNotNil(digit.unknownReason) }
        }
        XCTAssertNotEqual(run.report.verdict, .proved)
    }
}
