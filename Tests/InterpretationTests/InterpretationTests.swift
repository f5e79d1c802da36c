import AdditionTask
import CarryLensTestSupport
import Foundation
import Proofs
import Transformer
import XCTest
@testable import Interpretation

/// One explain run per fixture per test process: n = 3 is exhaustive (10^6 questions, the
/// expensive part), n = 5 uses small stated samples to fit the test budget.
final class ExplainRunCache: @unchecked Sendable {
    static let shared = ExplainRunCache()
    private let lock = NSLock()
    private var runs: [Int: ExplainRun] = [:]

    static func options(digits: Int) -> ExplainOptions {
        var options = ExplainOptions()
        if digits == 3 {
            options.categorySampleSize = 200
            options.meanSampleSize = 500
        } else {
            options.sampleSize = 3_000
            options.categorySampleSize = 30
            options.meanSampleSize = 200
            options.dependencyContexts = 8
            options.rowRealizations = 1
            options.fidelitySampleSize = 2_000
            options.carrySearchPerRun = 400
            options.carrySearchPerBoundary = 400
            // The chosen look-ahead's difference sets (score leaves) can take Z3 the whole
            // default budget; the tests assert verdicts, not that count, so give it 5 s.
            options.proofOptions.budgetSeconds = 5
        }
        options.referenceQuestions = 2
        return options
    }

    func run(digits: Int) throws -> ExplainRun {
        lock.lock()
        defer { lock.unlock() }
        if let run = runs[digits] { return run }
        // n = 3: the shared verification's interpretation (its enumeration's decisions, read once).
        if digits == 3 {
            let run = try SharedVerification.threeDigit.run().explainRun
            runs[digits] = run
            return run
        }
        let model = try Fixtures.model(digits: digits)
        let start = Date()
        let run = try Interpretation.run(model: model, options: Self.options(digits: digits))
        print("explain n=\(digits): \(String(format: "%.1f", Date().timeIntervalSince(start))) s")
        runs[digits] = run
        return run
    }
}

/// Plain recount of a three-way table: network vs algorithm vs truth, whole questions.
func recountQuestions(task: AdditionTask, indices: [Int], predictions: [UInt8], algorithm: PerDigitAlgorithm) -> (agree: Int, sameWrong: Int, netWrongAlgRight: Int, netRightAlgWrong: Int, bothDiffer: Int) {
    var counts = (agree: 0, sameWrong: 0, netWrongAlgRight: 0, netRightAlgWrong: 0, bothDiffer: 0)
    let slots = task.answerDigitCount
    for (offset, index) in indices.enumerated() {
        let question = task.question(atIndex: index)
        let truth = question.answerDigits
        let algorithmDigits = algorithm.answerDigits(for: question)
        let network = (0..<slots).map { Int(predictions[offset * slots + $0]) }
        if network == truth && algorithmDigits == truth { counts.agree += 1 }
        else if network == truth { counts.netRightAlgWrong += 1 }
        else if algorithmDigits == truth { counts.netWrongAlgRight += 1 }
        else if network == algorithmDigits { counts.sameWrong += 1 }
        else { counts.bothDiffer += 1 }
    }
    return counts
}

/// Answer logits of the fp64 reference pass, with optional hooks.
func referenceLogits(_ model: AdditionModel, index: Int, hooks: ForwardHooks<Double> = ForwardHooks()) -> [[Double]] {
    ReferenceTransformer<Double>(model).run(model.task.question(atIndex: index), hooks: hooks).answerLogits
}
