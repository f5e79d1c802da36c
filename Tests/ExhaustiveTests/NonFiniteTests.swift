import AdditionTask
import CarryLensTestSupport
import Foundation
import Transformer
import XCTest
@testable import Exhaustive

/// A model whose fp32 forward pass overflows decides nothing in fp32: every such digit
/// is re-decided in fp64, never taken as correct because a NaN compared false.
final class NonFiniteTests: XCTestCase {
    /// The tiny model with its unembedding scaled to 3e38: fp32 logits overflow to ±∞ or NaN.
    func overflowingModel() throws -> AdditionModel {
        var writer = try TinyModel.writer(seed: 7)
        let shape = [TinyModel.config.dModel, TinyModel.config.dVocab]
        let count = shape.reduce(1, *)
        writer.add("unembed.W_U", shape: shape, floats: (0..<count).map { Float($0 % 7 == 0 ? -3e38 : 3e38) * (1 - Float($0 % 5) / 10) })
        let url = try TinyModel.temporaryFile(try writer.data())
        return try AdditionModel(contentsOf: url)
    }

    func testOverflowingLogitsAreNeverTrusted() throws {
        let model = try overflowingModel()
        let fast = FastEvaluator(model)
        let task = model.task
        let evaluations = fast.evaluate(0..<task.questionCount)
        let overflowing = evaluations.filter { $0.margins.contains { !$0.isFinite } }
        XCTAssertFalse(overflowing.isEmpty, "the model was meant to overflow in fp32")
        for evaluation in overflowing {
            XCTAssertTrue(evaluation.isNearTie, "question \(evaluation.index): a non-finite margin must not be trusted")
            XCTAssertFalse(NearTieRule.fromEvaluator.untrustedSlots(evaluation).isEmpty)
        }
        // The enumeration's decisions are the fp64 reference pass's on every question.
        let enumerator = try Enumerator(evaluator: fast, exactEvaluator: fast.exact, options: EnumerationOptions(chunkSize: 17))
        let (tally, failures) = try enumerator.run(0..<task.questionCount)
        let reference = ReferenceEvaluator<Double>(model)
        var expectedFailures: [Int] = []
        for index in 0..<task.questionCount {
            let decision = reference.evaluate(index..<(index + 1))[0]
            if decision.predicted.map(Int.init) != task.question(atIndex: index).answerDigits { expectedFailures.append(index) }
        }
        XCTAssertEqual(failures.map(\.index), expectedFailures)
        XCTAssertGreaterThanOrEqual(tally.nearTies.count, overflowing.count)
    }
}
