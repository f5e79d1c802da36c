import AdditionTask
import CarryLensTestSupport
import Foundation
import XCTest
@testable import Interpretation
@testable import Proofs

/// Fidelity on the n = 3 fixture, every question: the report's counts recounted by plain loops here.
final class FidelityThreeDigitTests: XCTestCase {
    func testFidelityCountsRecounted() throws {
        let run = try ExplainRunCache.shared.run(digits: 3)
        let fidelity = try XCTUnwrap(run.explanation.fidelity)
        let task = try AdditionTask(digitCount: 3)
        XCTAssertEqual(fidelity.coverage.kind, .exhaustive)
        XCTAssertEqual(run.indices.count, 1_000_000)
        // The network's failures, as the committed enumeration found them: exactly one, 459+451 answered 0900.
        var networkFailures: [Int] = []
        for index in 0..<task.questionCount {
            let question = task.question(atIndex: index)
            if run.predictions[(index * 4)..<(index * 4 + 4)].map(Int.init) != question.answerDigits { networkFailures.append(index) }
        }
        XCTAssertEqual(networkFailures, [459 * 1000 + 451])
        XCTAssertEqual(run.predictions[(networkFailures[0] * 4)..<(networkFailures[0] * 4 + 4)].map(Int.init), [0, 9, 0, 0])
        // Plain loops for every algorithm in the report: agreement, failures predicted, invented, and the algorithm's own errors.
        let algorithms: [FidelityRole: PerDigitAlgorithm] = [.chosenLookahead: fidelity.algorithm, .paper: .paper,
                                                             .pairSumTables: run.explanation.algorithm]
        var chosenWrong = 0
        for entry in fidelity.algorithms {
            guard let algorithm = algorithms[entry.role] else { continue }
            var agree = 0, predicted = 0, invented = 0, wrong = 0
            for index in 0..<task.questionCount {
                let question = task.question(atIndex: index)
                let network = run.predictions[(index * 4)..<(index * 4 + 4)].map(Int.init)
                let mine = algorithm.answerDigits(for: question)
                // The true answer from integer addition, not from the carry model.
                let sum = question.a + question.b
                let truth = [sum / 1000 % 10, sum / 100 % 10, sum / 10 % 10, sum % 10]
                if mine == network { agree += 1 }
                if network != truth && mine == network { predicted += 1 }
                if network == truth && mine != truth { invented += 1 }
                if mine != truth { wrong += 1 }
            }
            XCTAssertEqual(entry.questions.agree, agree, entry.role.rawValue)
            XCTAssertEqual(entry.questions.predicted, predicted, entry.role.rawValue)
            XCTAssertEqual(entry.questions.invented, invented, entry.role.rawValue)
            XCTAssertEqual(entry.questions.networkFailures, 1, entry.role.rawValue)
            if entry.role == .chosenLookahead { chosenWrong = wrong }
        }
        // Plain addition agrees with the network everywhere but its one failure.
        XCTAssertEqual(fidelity.algorithms.first { $0.role == .plainAddition }?.questions.agree, 999_999)
        // The chosen algorithm reproduces the network on every question but its one failure (a missed simple carry,
        // which no look-ahead over sum-9 runs reproduces), and says where: one disagreement, at A1.
        let chosen = fidelity.algorithms[0].questions
        XCTAssertEqual(chosen.agree, 999_999)
        XCTAssertEqual(fidelity.disagreementsByCell, ["A1 C": 1])
        XCTAssertEqual(fidelity.disagreementExamples.map(\.question), ["459+451"])
        // Z3's count for the chosen algorithm equals the plain loop's.
        XCTAssertEqual(fidelity.proof.counterexamples, String(chosenWrong))
        // Failure classes: the one wrong digit is A1, a missed carry with no sum-9 column below (other).
        XCTAssertEqual(fidelity.failureClasses["A1"], FailureClassCounts(falseCarry: 0, missedCascade: 0, other: 1))
    }
}
