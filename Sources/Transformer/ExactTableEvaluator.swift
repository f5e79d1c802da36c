import AdditionTask
import Foundation

/// The fast evaluator's attention tables before rounding to fp32 (they are built in fp64).
struct DoubleTables: Sendable {
    let scores: [Double], headOutputs: [Double], base: [Double]
}

/// The tables and the MLP, LayerNorm and unembedding weights in fp64.
struct ExactTables: Sendable {
    let tables: DoubleTables
    let ln2Weight: [Double], ln2Bias: [Double], wIn: [Double], bIn: [Double], wOut: [Double], bOut: [Double]
    let lnFinalWeight: [Double], lnFinalBias: [Double], wU: [Double], bU: [Double]
    var scores: [Double] { tables.scores }
    var headOutputs: [Double] { tables.headOutputs }
    var base: [Double] { tables.base }

    init(_ fast: FastEvaluator) {
        func wide(_ values: [Float]) -> [Double] { values.map(Double.init) }
        tables = fast.doubleTables
        ln2Weight = wide(fast.ln2Weight); ln2Bias = wide(fast.ln2Bias); wIn = wide(fast.wIn); bIn = wide(fast.bIn)
        wOut = wide(fast.wOut); bOut = wide(fast.bOut); lnFinalWeight = wide(fast.lnFinalWeight)
        lnFinalBias = wide(fast.lnFinalBias); wU = wide(fast.wU); bU = wide(fast.bU)
    }

    /// `fast`'s tables with the weights `other` already widened (the same model's).
    init(_ fast: FastEvaluator, weightsOf other: ExactTables) {
        tables = fast.doubleTables
        ln2Weight = other.ln2Weight; ln2Bias = other.ln2Bias; wIn = other.wIn; bIn = other.bIn
        wOut = other.wOut; bOut = other.bOut; lnFinalWeight = other.lnFinalWeight
        lnFinalBias = other.lnFinalBias; wU = other.wU; bU = other.bU
    }
}

/// The fast evaluator's computation carried out in fp64: the same one-layer tables
/// (unrounded), the MLP through ``FixedOrderProduct``, every other step in fixed
/// loops. Every operation and its order are fixed by this code, not by the CPU or a
/// BLAS library, so its logits are the same bits on every machine, in any batch and
/// at any thread count: the decisions and real numbers derived from it are
/// reproducible. It re-decides the fast path's near ties far faster than the
/// full-sequence reference pass, and states its own (fp64) rounding bound;
/// `Tests/TransformerTests` checks it against the reference pass.
public struct ExactTableEvaluator: BatchEvaluator {
    let fast: FastEvaluator
    let tables: ExactTables
    let bounds: RoundingBounds
    public var task: AdditionTask { fast.task }

    init(_ fast: FastEvaluator) {
        self.init(fast, tables: ExactTables(fast))
    }

    private init(_ fast: FastEvaluator, tables: ExactTables) {
        self.fast = fast
        self.tables = tables
        bounds = fast.bounds.withUnitRoundoff(Double.ulpOfOne / 2)
    }

    /// The same model under another ablation, in fp64: the fast evaluator's
    /// ``FastEvaluator/ablated(_:)`` (attention tables shared where they can be) and this
    /// evaluator's weights, already widened to fp64.
    public func ablated(_ ablation: Ablation) -> ExactTableEvaluator {
        let other = fast.ablated(ablation)
        return ExactTableEvaluator(other, tables: ExactTables(other, weightsOf: tables))
    }

    public func evaluate(_ indices: Range<Int>) -> [QuestionEvaluation] { evaluate(indices: Array(indices)) }

    /// Answer rows (question, slot) per batch of matrix products.
    static let rowBatchSize = 256

    public func evaluate(indices: [Int]) -> [QuestionEvaluation] {
        let slots = fast.slots
        let rows = rowLogits(indices.flatMap { index in (0..<slots).map { AnswerRow(index: index, slot: $0) } })
        return indices.indices.map { offset in
            let mine = rows[(offset * slots)..<((offset + 1) * slots)]
            return QuestionEvaluation(index: indices[offset], answerLogits: mine.map(\.logits), roundingBounds: mine.map(\.roundingBound))
        }
    }

    /// Decides exactly only the requested answer digits of each evaluation and keeps
    /// the others (already trusted by their own rounding bounds): each answer row is
    /// computed independently, so this costs a fraction of whole questions.
    public func redecide(_ evaluations: [QuestionEvaluation], slots: [[Int]]) -> [QuestionEvaluation] {
        let requests = zip(evaluations, slots).flatMap { evaluation, slots in slots.map { AnswerRow(index: evaluation.index, slot: $0) } }
        var results = rowLogits(requests).makeIterator()
        return zip(evaluations, slots).map { evaluation, slots in
            var decided = evaluation
            if decided.roundingBounds.count != decided.margins.count {
                decided.roundingBounds = [Float](repeating: 0, count: decided.margins.count)
            }
            for slot in slots {
                guard let row = results.next() else { break }
                let decision = QuestionEvaluation(index: evaluation.index, answerLogits: [row.logits], roundingBounds: [row.roundingBound])
                decided.predicted[slot] = decision.predicted[0]
                decided.margins[slot] = decision.margins[0]
                decided.roundingBounds[slot] = row.roundingBound
            }
            return decided
        }
    }

    /// Logits A(n)..A0 of one question, fp64, and each row's margin rounding bound.
    public func logits(index: Int) -> (rows: [[Double]], roundingBounds: [Float]) {
        let rows = rowLogits((0..<fast.slots).map { AnswerRow(index: index, slot: $0) })
        return (rows.map(\.logits), rows.map(\.roundingBound))
    }

    /// One answer-predicting position of one question: slot 0 predicts A(n) at `=`.
    public struct AnswerRow: Sendable, Equatable {
        public let index: Int
        public let slot: Int
        public init(index: Int, slot: Int) {
            self.index = index
            self.slot = slot
        }
    }

    /// The 12 fp64 logits of each requested answer row, in order. Each row's bits
    /// depend only on the model, its ablation and the row: not on the machine, the
    /// batch it shares or the thread computing it.
    public func logits(rows: [AnswerRow]) -> [[Double]] { rowLogits(rows).map(\.logits) }

    /// The 12 logits of each requested row and its margin rounding bound, in order; the
    /// MLP runs as one pair of fixed-order products per ``rowBatchSize`` rows.
    func rowLogits(_ requests: [AnswerRow]) -> [(logits: [Double], roundingBound: Float)] {
        stride(from: 0, to: requests.count, by: Self.rowBatchSize).flatMap { start in
            rowLogits(batch: requests[start..<min(requests.count, start + Self.rowBatchSize)])
        }
    }

    private func rowLogits(batch requests: ArraySlice<AnswerRow>) -> [(logits: [Double], roundingBound: Float)] {
        let t = tables
        let d = fast.d, m = fast.m, v = fast.vocabulary, heads = fast.heads, length = fast.length, slots = fast.slots
        let rowCount = requests.count
        var residual = [Double](repeating: 0, count: rowCount * d)
        var weights = [Double](repeating: 0, count: length)
        var tokens: [Int] = []
        var tokensIndex = -1
        for (r, request) in requests.enumerated() {
            if request.index != tokensIndex {
                tokens = task.question(atIndex: request.index).teacherForcedTokens
                tokensIndex = request.index
            }
            let slot = request.slot
            let queryPosition = task.equalsPosition + slot
            let row = r * d
            let baseOffset = (slot * v + tokens[queryPosition]) * d
            for i in 0..<d { residual[row + i] = t.base[baseOffset + i] }
            for head in 0..<heads {
                if let replacement = fast.headReplacement[slot * heads + head] {
                    for i in 0..<d { residual[row + i] += Double(replacement[i]) }
                    continue
                }
                let scoreBase = ((head * slots + slot) * v + tokens[queryPosition]) * length * v
                var maximum = -Double.infinity
                for key in 0...queryPosition {
                    weights[key] = t.scores[scoreBase + key * v + tokens[key]]
                    maximum = max(maximum, weights[key])
                }
                var total = 0.0
                for key in 0...queryPosition {
                    weights[key] = Foundation.exp(weights[key] - maximum)
                    total += weights[key]
                }
                for key in 0...queryPosition {
                    let source = ((head * length + key) * v + tokens[key]) * d
                    let weight = weights[key] / total
                    for i in 0..<d { residual[row + i] += weight * t.headOutputs[source + i] }
                }
            }
        }
        var normalized = [Double](repeating: 0, count: rowCount * d)
        var ln2 = [(scale: Double, outputNorm: Double)](repeating: (0, 0), count: rowCount)
        layerNorm(residual, into: &normalized, statistics: &ln2, weight: t.ln2Weight, bias: t.ln2Bias)
        var hidden = [Double](repeating: 0, count: rowCount * m)
        for r in 0..<rowCount { for j in 0..<m { hidden[r * m + j] = t.bIn[j] } }
        FixedOrderProduct.multiplyAdd(rows: rowCount, columns: m, inner: d, normalized, t.wIn, &hidden)
        var hiddenNorms = [Double](repeating: 0, count: rowCount)
        for k in hidden.indices {
            hidden[k] = max(hidden[k], 0)
            hiddenNorms[k / m] += hidden[k] * hidden[k]
        }
        for r in 0..<rowCount { for i in 0..<d { residual[r * d + i] += t.bOut[i] } }
        FixedOrderProduct.multiplyAdd(rows: rowCount, columns: d, inner: m, hidden, t.wOut, &residual)
        var final = [(scale: Double, outputNorm: Double)](repeating: (0, 0), count: rowCount)
        layerNorm(residual, into: &normalized, statistics: &final, weight: t.lnFinalWeight, bias: t.lnFinalBias)
        return (0..<rowCount).map { r in
            var out = t.bU
            for i in 0..<d {
                let x = normalized[r * d + i]
                for token in 0..<v { out[token] += x * t.wU[i * v + token] }
            }
            let bound = bounds.logitMarginBound(RowStatistics(ln2Scale: ln2[r].scale, ln2OutputNorm: ln2[r].outputNorm,
                                                              hiddenNorm: hiddenNorms[r].squareRoot(),
                                                              finalScale: final[r].scale, finalOutputNorm: final[r].outputNorm))
            return (out, bound)
        }
    }

    /// Row-wise LayerNorm; records each row's 1/σ and its output's norm.
    func layerNorm(_ input: [Double], into output: inout [Double], statistics: inout [(scale: Double, outputNorm: Double)],
                   weight: [Double], bias: [Double]) {
        let d = fast.d
        for r in 0..<(input.count / d) {
            var sum = 0.0
            for i in 0..<d { sum += input[r * d + i] }
            let mean = sum / Double(d)
            var squares = 0.0
            for i in 0..<d { squares += (input[r * d + i] - mean) * (input[r * d + i] - mean) }
            let scale = 1 / (squares / Double(d) + Double(fast.eps)).squareRoot()
            var outputSquares = 0.0
            for i in 0..<d {
                output[r * d + i] = (input[r * d + i] - mean) * scale * weight[i] + bias[i]
                outputSquares += output[r * d + i] * output[r * d + i]
            }
            statistics[r] = (scale, outputSquares.squareRoot())
        }
    }
}

extension FastEvaluator {
    /// The same computation in fp64, to re-decide this evaluator's near ties. Each
    /// access widens the MLP weights to fp64: take it once and keep it.
    public var exact: ExactTableEvaluator { ExactTableEvaluator(self) }
}
