import AdditionTask
import CarryLensTestSupport
import Exhaustive
import Foundation
import Proofs
import Transformer
import XCTest
@testable import Interpretation

/// Experiment (not part of the suite: runs only with CARRYLENS_FIDELITY_EXPERIMENT=1): the carry
/// search and held-out fidelity on the n = 5 fixture with the default sizes, printed.
final class FidelityExperimentTests: XCTestCase {
    func testFiveDigitSearch() throws {
        try XCTSkipUnless(ProcessInfo.processInfo.environment["CARRYLENS_FIDELITY_EXPERIMENT"] == "1")
        let model = try Fixtures.model(digits: 5)
        var options = ExplainOptions()
        if let perRun = ProcessInfo.processInfo.environment["CARRYLENS_PER_RUN"].flatMap(Int.init) { options.carrySearchPerRun = perRun }
        let evaluator = FastEvaluator(model)
        let decisions = NetworkDecisions(enumerator: try Enumerator(evaluator: evaluator, exactEvaluator: evaluator.exact,
                                                                options: EnumerationOptions(chunkSize: 4096, threadCount: ParallelEvaluation.threadCount)))
        var proofOptions = ProofOptions(maximumCubes: 100, budgetSeconds: 5)
        proofOptions.maximumUnionCubes = 10
        let started = Date()
        let report = try FidelityAnalysis.run(model: model, options: options, decisions: decisions, proofs: ProofLedger(options: proofOptions),
                                              exhaustiveAnswers: nil, pairSumTables: .paper, progress: { print($0) })
        print("seconds", Date().timeIntervalSince(started))
        for algorithm in report.algorithms {
            let q = algorithm.questions
            print(algorithm.role.rawValue, "agree", q.agree, "of", q.total, "failures", q.networkFailures, "predicted", q.predicted, "invented", q.invented)
        }
        for digit in report.search.digits {
            print(digit.digit, "depth", digit.depth, digit.estimatedDisagreementByDepth.sorted { $0.key < $1.key })
            for cell in digit.cells { print("  ", cell.cell, cell.rule.prefix(90), cell.parameters, cell.selectionAgreement, "/", cell.selectionQuestions, "best", cell.bestSelectionAgreement) }
        }
        print(report.disagreementsByCell.sorted { $0.value > $1.value }.prefix(16))
    }

    func testFitTiming() throws {
        try XCTSkipUnless(ProcessInfo.processInfo.environment["CARRYLENS_FIDELITY_EXPERIMENT"] == "1")
        var generator = SeededGenerator(seed: 3)
        let samples = (0..<3_000).map { _ in
            (columns: OperandColumns(first: (0..<5).map { _ in generator.below(10) }, second: (0..<5).map { _ in generator.below(10) }),
             target: Double(generator.below(3)) - 1)
        }
        for interaction in [false, true] {
            let started = Date()
            _ = ScoreLeafFit.fit(samples, place: 4, run: 2, digitCount: 5, interaction: interaction)
            print("interaction", interaction, "seconds", Date().timeIntervalSince(started))
        }
    }
}
