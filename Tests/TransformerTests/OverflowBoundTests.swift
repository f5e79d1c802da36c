import AdditionTask
import CarryLensTestSupport
import Foundation
import XCTest
@testable import Transformer

/// `Float32OverflowBound`: it bounds what the forward pass really computes, stays far
/// below fp32's range for the trained models, and flags weights that can overflow.
final class OverflowBoundTests: XCTestCase {
    private func bound(_ stages: [Float32OverflowBound.Stage], _ name: String) throws -> Double {
        try XCTUnwrap(stages.first { $0.name == name }?.bound, name)
    }

    /// The fp64 reference pass's activations on real questions stay within the bound's
    /// stages (residual stream after the MLP, logits), for the fixture and a random model.
    func testTheBoundHoldsForTheReferencePass() throws {
        let random = try AdditionModel(contentsOf: TinyModel.temporaryFile(try TinyModel.writer(seed: 21).data()))
        for model in [try Fixtures.model(digits: 3), random] {
            let overflow = Float32OverflowBound(model.weights)
            XCTAssertFalse(overflow.mayOverflow, model.name)
            XCTAssertNil(overflow.warning)
            let residualBound = try bound(overflow.stages, "residual stream after the MLP")
            let logitBound = try bound(overflow.stages, "logits")
            var largestResidual = 0.0, largestLogit = 0.0
            var hooks = ForwardHooks<Double>()
            hooks.residualPost = { residual in largestResidual = max(largestResidual, residual.joined().map(\.magnitude).max() ?? 0) }
            let transformer = ReferenceTransformer<Double>(model)
            let task = model.task
            for index in stride(from: 0, to: task.questionCount, by: max(1, task.questionCount / 97)) {
                let result = transformer.run(task.question(atIndex: index), hooks: hooks)
                largestLogit = max(largestLogit, result.logits.joined().map(\.magnitude).max() ?? 0)
            }
            XCTAssertGreaterThan(largestResidual, 0)
            XCTAssertLessThanOrEqual(largestResidual, residualBound, model.name)
            XCTAssertLessThanOrEqual(largestLogit, logitBound, model.name)
            // The trained model's bound is far from fp32's range.
            XCTAssertLessThan(overflow.stages.map(\.bound).max() ?? .infinity, 1e30, model.name)
        }
    }

    func testWeightsOf3e38AreFlagged() throws {
        var writer = try TinyModel.writer(seed: 7)
        let shape = [TinyModel.config.dModel, TinyModel.config.dVocab]
        writer.add("unembed.W_U", shape: shape, floats: (0..<shape.reduce(1, *)).map { $0 % 2 == 0 ? 3e38 : -3e38 })
        let model = try AdditionModel(contentsOf: TinyModel.temporaryFile(try writer.data()))
        let overflow = Float32OverflowBound(model.weights)
        XCTAssertTrue(overflow.mayOverflow)
        XCTAssertEqual(overflow.overflowingStages.map(\.name), ["logits", "logit margins"], "everything before the unembedding is ordinary")
        let warning = try XCTUnwrap(overflow.warning)
        XCTAssertTrue(warning.hasPrefix("warning: the weights can overflow fp32 in the forward pass: the bound on |logits| is "), warning)
        // And fp32 really overflows on this model.
        let logits = ReferenceTransformer<Float>(model).run(model.task.question(atIndex: 0)).logits
        XCTAssertTrue(logits.joined().contains { !$0.isFinite })
    }

    func testLargeEmbeddingsOverflowTheLayerNormVariance() throws {
        // Embeddings of 1e19 are finite, but their squared deviations (4e38 · d) are not in fp32.
        var writer = try TinyModel.writer(seed: 8)
        let shape = [TinyModel.config.dVocab, TinyModel.config.dModel]
        writer.add("embed.W_E", shape: shape, floats: (0..<shape.reduce(1, *)).map { $0 % 3 == 0 ? 1e19 : -1e19 })
        let overflow = Float32OverflowBound(try AdditionModel(contentsOf: TinyModel.temporaryFile(try writer.data())).weights)
        XCTAssertEqual(overflow.overflowingStages.first?.name, "ln1: sum of squared deviations")
    }

    func testAnEpsilonThatUnderflowsFp32IsFlagged() throws {
        var config = TinyModel.config
        config.eps = 1e-50  // positive in fp64, 0 in fp32: 1/√(0 + 0) on a constant row
        let model = try AdditionModel(contentsOf: TinyModel.temporaryFile(try TinyModel.writer(config: config, seed: 2).data()))
        let overflow = Float32OverflowBound(model.weights)
        XCTAssertEqual(overflow.overflowingStages.map(\.name), ["ln1: scale 1/√(variance + eps)", "ln2: scale 1/√(variance + eps)", "ln_final: scale 1/√(variance + eps)"])
    }
}
