import AdditionTask
import CarryLensTestSupport
import XCTest
@testable import Transformer

/// The evaluation kernel against the independent fp64 reference pass. Each check is one
/// generic body run for `Float` (the fast path's precision) and for `Double` (the
/// re-decision's), in the manner of swift-numerics' generic tests.
final class EvaluationKernelTests: XCTestCase {
    /// Questions checked per model: the first PyTorch vectors and seeded random ones.
    static func sampleIndices(_ model: AdditionModel, digits: Int) throws -> [Int] {
        let vectors = try TestVectors(digits: digits)
        var generator = SeededGenerator(seed: UInt64(40 + digits))
        let random = (0..<8).map { _ in generator.below(model.task.questionCount) }
        return zip(vectors.a, vectors.b).prefix(4).map { $0 * model.task.operandCount + $1 } + random
    }

    /// What the reference pass says about one question, at the answer-predicting positions.
    struct ReferenceRows {
        /// [slot][12] logits.
        var logits: [[Double]] = []
        /// [slot][head][key] attention weights.
        var attention: [[[Double]]] = []
        /// [slot]: ‖ReLU(MLP pre-activation)‖, 1/σ of LN_final's input and ‖LN_final output‖ (no bias dropped).
        var hiddenNorm: [Double] = [], finalScale: [Double] = [], finalOutputNorm: [Double] = []
    }

    /// Computed once per model and shared by the Float and Double runs (the reference pass is slow).
    nonisolated(unsafe) static var referenceCache: [Int: [ReferenceRows]] = [:]

    static func reference(_ model: AdditionModel, indices: [Int]) -> [ReferenceRows] {
        if let cached = referenceCache[model.task.digitCount] { return cached }
        let task = model.task, w = model.weights, d = model.config.dModel
        let first = task.equalsPosition, last = task.equalsPosition + task.digitCount
        let transformer = ReferenceTransformer<Double>(model)
        let rows: [ReferenceRows] = indices.map { index in
            var rows = ReferenceRows()
            var hooks = ForwardHooks<Double>()
            hooks.attentionPattern = { pattern in
                rows.attention = (first...last).map { query in pattern.map { head in head[query] } }
            }
            hooks.mlpPreActivation = { position, pre in
                guard (first...last).contains(position) else { return }
                rows.hiddenNorm.append(pre.reduce(0) { $0 + max($1, 0) * max($1, 0) }.squareRoot())
            }
            hooks.residualPost = { residual in
                for position in first...last {
                    let x = residual[position]
                    let mean = x.reduce(0, +) / Double(d)
                    let variance = x.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(d)
                    let scale = 1 / (variance + model.config.eps).squareRoot()
                    let output = (0..<d).map { (x[$0] - mean) * scale * Double(w.lnFinalWeight[$0]) + Double(w.lnFinalBias[$0]) }
                    rows.finalScale.append(scale)
                    rows.finalOutputNorm.append(output.reduce(0) { $0 + $1 * $1 }.squareRoot())
                }
            }
            rows.logits = transformer.run(task.question(atIndex: index), hooks: hooks).answerLogits
            return rows
        }
        referenceCache[model.task.digitCount] = rows
        return rows
    }

    /// The kernel in `Scalar` on every answer row of `indices`: logits [row][12] and the statistics [row][5].
    func kernelRows<Scalar: KernelScalar>(_: Scalar.Type, model: AdditionModel, indices: [Int])
        -> (kernel: EvaluationKernel<Scalar>, logits: [[Double]], statistics: [RowStatistics]) {
        let kernel = EvaluationKernel<Scalar>(model: model, tables: AttentionTables(model: model, residualReplacements: [:]), headReplacements: [])
        let slots = model.task.answerDigitCount, v = model.config.dVocab
        let scratch = KernelScratch<Scalar>(shape: kernel.shape, rows: indices.count * slots)
        kernel.evaluateRows(indices.count * slots, scratch: scratch) { row, tokens in
            let question = model.task.question(atIndex: indices[row / slots])
            for (position, token) in question.teacherForcedTokens.enumerated() { tokens[position] = token }
            return row % slots
        }
        return withExtendedLifetime(scratch) {
            let logits = (0..<(indices.count * slots)).map { r in (0..<v).map { Double(scratch.logits[r * v + $0]) } }
            let statistics = (0..<(indices.count * slots)).map { RowStatistics(scratch.statistics + $0 * RowStatistics.count) }
            return (kernel, logits, statistics)
        }
    }

    /// Logits within `tolerance` of the reference and within half the row's own margin
    /// bound (two logits' errors make a margin error); the decision where the bound
    /// certifies it; softmax weights and the statistics the bound reads equal the
    /// reference's quantities to `tolerance` (relative for the statistics).
    func checkAgainstTheReferencePass<Scalar: KernelScalar>(_ type: Scalar.Type, tolerance: Double) throws {
        for digits in [3, 5] {
            let model = try Fixtures.model(digits: digits)
            let indices = try Self.sampleIndices(model, digits: digits)
            let expected = Self.reference(model, indices: indices)
            let (kernel, logits, statistics) = kernelRows(type, model: model, indices: indices)
            let tables = AttentionTables(model: model, residualReplacements: [:])
            let bounds = RoundingBounds(weights: model.weights, headOutputs: tables.headOutputs.map(Float.init),
                                        base: tables.base.map(Float.init), length: model.task.inputLength,
                                        heads: model.config.nHeads, unitRoundoff: EvaluationKernel<Scalar>.unitRoundoff)
            let slots = digits + 1, length = model.task.inputLength
            var worstRatio = 0.0, certified = 0
            for (q, index) in indices.enumerated() {
                let tokens = model.task.question(atIndex: index).teacherForcedTokens
                for slot in 0..<slots {
                    let r = q * slots + slot
                    let reference = expected[q]
                    let bound = Double(bounds.logitMarginBound(statistics[r]))
                    XCTAssertGreaterThan(bound, 0)
                    for token in 0..<12 {
                        let difference = abs(logits[r][token] - reference.logits[slot][token])
                        XCTAssertLessThanOrEqual(difference, tolerance, "\(Scalar.self), n = \(digits), question \(index), slot \(slot)")
                        worstRatio = max(worstRatio, difference / (bound / 2))
                    }
                    let decision = QuestionEvaluation(index: index, answerLogits: [logits[r]], roundingBounds: [Float(bound)])
                    if !decision.isNearTie {
                        certified += 1
                        XCTAssertEqual(Int(decision.predicted[0]), argmax(reference.logits[slot]), "\(Scalar.self), question \(index)")
                    }
                    // The softmax of every head, from the kernel's tables.
                    for head in 0..<model.config.nHeads {
                        var weights = [Scalar](repeating: 0, count: length)
                        tokens.withUnsafeBufferPointer { tokens in
                            kernel.attentionWeights(slot: slot, head: head, tokens: tokens.baseAddress!, into: &weights)
                        }
                        for key in 0...(model.task.equalsPosition + slot) {
                            XCTAssertEqual(Double(weights[key]), reference.attention[slot][head][key], accuracy: tolerance)
                        }
                    }
                    // The statistics the rounding bound reads are the reference's quantities.
                    func relative(_ value: Double, _ truth: Double) -> Double { abs(value - truth) / max(abs(truth), 1e-30) }
                    XCTAssertLessThanOrEqual(relative(statistics[r].hiddenNorm, reference.hiddenNorm[slot]), tolerance)
                    XCTAssertLessThanOrEqual(relative(statistics[r].finalScale, reference.finalScale[slot]), tolerance)
                    XCTAssertLessThanOrEqual(relative(statistics[r].finalOutputNorm, reference.finalOutputNorm[slot]), tolerance)
                }
            }
            XCTAssertLessThan(worstRatio, 1, "\(Scalar.self), n = \(digits): a logit error exceeded half its row's rounding bound")
            XCTAssertGreaterThan(certified, indices.count * slots / 2, "\(Scalar.self), n = \(digits): most rows are certified")
            print("\(Scalar.self), n = \(digits): largest logit error \(worstRatio) of half the bound; \(certified) of \(indices.count * slots) rows certified")
        }
    }

    func testFloatKernelAgreesWithTheReferencePass() throws {
        try checkAgainstTheReferencePass(Float.self, tolerance: 1e-4)
    }

    func testDoubleKernelAgreesWithTheReferencePass() throws {
        try checkAgainstTheReferencePass(Double.self, tolerance: 1e-9)
    }

    /// The row LayerNorm against a direct fp64 computation on random rows: the output,
    /// the scale 1/σ and the output norm it records for the rounding bound.
    func checkLayerNorm<Scalar: KernelScalar>(_: Scalar.Type, tolerance: Double) {
        var generator = SeededGenerator(seed: 77)
        let rows = 5, d = 37
        let input = (0..<(rows * d)).map { _ in Scalar(Double.random(in: -3...5, using: &generator)) }
        let weight = (0..<d).map { _ in Scalar(Double.random(in: 0.5...1.5, using: &generator)) }
        let bias = (0..<d).map { _ in Scalar(Double.random(in: -0.2...0.2, using: &generator)) }
        let eps = Scalar(1e-5)
        var output = [Scalar](repeating: 0, count: rows * d)
        var statistics = [Scalar](repeating: 0, count: rows * RowStatistics.count)
        EvaluationKernel<Scalar>.layerNorm(rows: rows, width: d, input, into: &output, weight: weight, bias: bias, eps: eps,
                                           statistics: &statistics, scaleSlot: RowStatistics.Slot.finalScale)
        for r in 0..<rows {
            let x = (0..<d).map { Double(input[r * d + $0]) }
            let mean = x.reduce(0, +) / Double(d)
            let variance = x.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(d)
            let scale = 1 / (variance + Double(eps)).squareRoot()
            let y = (0..<d).map { (x[$0] - mean) * scale * Double(weight[$0]) + Double(bias[$0]) }
            for i in 0..<d { XCTAssertEqual(Double(output[r * d + i]), y[i], accuracy: tolerance) }
            let row = RowStatistics(statistics.withUnsafeBufferPointer { $0.baseAddress! + r * RowStatistics.count })
            XCTAssertEqual(row.finalScale, scale, accuracy: tolerance * scale)
            let norm = y.reduce(0) { $0 + $1 * $1 }.squareRoot()
            XCTAssertEqual(row.finalOutputNorm, norm, accuracy: tolerance * norm)
        }
    }

    func testFloatLayerNormAndItsStatistics() { checkLayerNorm(Float.self, tolerance: 1e-5) }
    func testDoubleLayerNormAndItsStatistics() { checkLayerNorm(Double.self, tolerance: 1e-13) }

    /// Each precision's product: `Float` and `Double` give the plain triple loop's result
    /// for both layouts of the right-hand matrix (`Double` to the bit: it is the
    /// fused-multiply-add chain of ``FixedOrderProduct``).
    func checkProduct<Scalar: KernelScalar>(_: Scalar.Type, tolerance: Double) {
        var generator = SeededGenerator(seed: 78)
        let rows = 6, columns = 19, inner = 23
        let a = (0..<(rows * inner)).map { _ in Scalar(Double.random(in: -1...1, using: &generator)) }
        let b = (0..<(inner * columns)).map { _ in Scalar(Double.random(in: -1...1, using: &generator)) }
        let bTransposed = (0..<(columns * inner)).map { b[($0 % inner) * columns + $0 / inner] }
        let c = (0..<(rows * columns)).map { _ in Scalar(Double.random(in: -1...1, using: &generator)) }
        let expected = FixedOrderProductTests.scalarReference(rows: rows, columns: columns, inner: inner, a, b, c)
        for (layout, right) in [(ProductOperand.rowMajor, b), (.transposed, bTransposed)] {
            var out = c
            Scalar.multiplyAdd(rows: rows, columns: columns, inner: inner, a, right, layout, &out)
            for k in out.indices { XCTAssertEqual(Double(out[k]), Double(expected[k]), accuracy: tolerance, "\(layout)") }
            if Scalar.self == Double.self {
                XCTAssertEqual(out.map { Double($0).bitPattern }, expected.map { Double($0).bitPattern }, "\(layout)")
            }
        }
    }

    func testFloatProduct() { checkProduct(Float.self, tolerance: 1e-5) }
    func testDoubleProduct() { checkProduct(Double.self, tolerance: 0) }
}
