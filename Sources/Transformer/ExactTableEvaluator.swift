import AdditionTask
import COpenBLAS
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
}

/// The fast evaluator's computation carried out in fp64: the same one-layer tables
/// (unrounded), the MLP through `cblas_dgemm`. It re-decides the fast path's near
/// ties about a hundred times faster than the full-sequence reference pass, and
/// states its own (fp64) rounding bound; `Tests/TransformerTests` checks it against
/// the reference pass.
public struct ExactTableEvaluator: BatchEvaluator {
    let fast: FastEvaluator
    let tables: ExactTables
    let bounds: RoundingBounds
    public var task: AdditionTask { fast.task }

    init(_ fast: FastEvaluator) {
        self.fast = fast
        tables = ExactTables(fast)
        bounds = fast.bounds.withUnitRoundoff(Double.ulpOfOne / 2)
    }

    public func evaluate(_ indices: Range<Int>) -> [QuestionEvaluation] { evaluate(indices: Array(indices)) }

    /// Questions per `dgemm` batch.
    static let batchSize = 64

    public func evaluate(indices: [Int]) -> [QuestionEvaluation] {
        stride(from: 0, to: indices.count, by: Self.batchSize).flatMap { start in
            let batch = Array(indices[start..<min(indices.count, start + Self.batchSize)])
            return zip(batch, logits(batch: batch)).map { index, result in
                QuestionEvaluation(index: index, answerLogits: result.rows, roundingBounds: result.roundingBounds)
            }
        }
    }

    /// Logits A(n)..A0 of one question, fp64, and each row's margin rounding bound.
    public func logits(index: Int) -> (rows: [[Double]], roundingBounds: [Float]) {
        logits(batch: [index])[0]
    }

    /// Logits and per-row rounding bounds of a batch of questions; the MLP runs as one `dgemm` pair.
    func logits(batch indices: [Int]) -> [(rows: [[Double]], roundingBounds: [Float])] {
        let t = tables
        let d = fast.d, m = fast.m, v = fast.vocabulary, heads = fast.heads, length = fast.length, slots = fast.slots
        let rowCount = indices.count * slots
        var residual = [Double](repeating: 0, count: rowCount * d)
        var weights = [Double](repeating: 0, count: length)
        for (offset, index) in indices.enumerated() {
            let tokens = task.question(atIndex: index).teacherForcedTokens
            for slot in 0..<slots {
                let queryPosition = task.equalsPosition + slot
                let row = (offset * slots + slot) * d
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
        }
        var normalized = [Double](repeating: 0, count: rowCount * d)
        var ln2Scales = [Double](repeating: 0, count: rowCount)
        layerNorm(residual, into: &normalized, scales: &ln2Scales, weight: t.ln2Weight, bias: t.ln2Bias)
        var hidden = [Double](repeating: 0, count: rowCount * m)
        for r in 0..<rowCount { for j in 0..<m { hidden[r * m + j] = t.bIn[j] } }
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rowCount), Int32(m), Int32(d),
                    1, normalized, Int32(d), t.wIn, Int32(m), 1, &hidden, Int32(m))
        var hiddenNorms = [Double](repeating: 0, count: rowCount)
        for k in hidden.indices {
            hidden[k] = max(hidden[k], 0)
            hiddenNorms[k / m] += hidden[k] * hidden[k]
        }
        for r in 0..<rowCount { for i in 0..<d { residual[r * d + i] += t.bOut[i] } }
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rowCount), Int32(d), Int32(m),
                    1, hidden, Int32(m), t.wOut, Int32(d), 1, &residual, Int32(d))
        var finalScales = [Double](repeating: 0, count: rowCount)
        layerNorm(residual, into: &normalized, scales: &finalScales, weight: t.lnFinalWeight, bias: t.lnFinalBias)
        return (0..<indices.count).map { offset in
            let rows: [[Double]] = (0..<slots).map { slot in
                let r = offset * slots + slot
                var out = t.bU
                for i in 0..<d {
                    let x = normalized[r * d + i]
                    for token in 0..<v { out[token] += x * t.wU[i * v + token] }
                }
                return out
            }
            let rowBounds = (0..<slots).map { slot -> Float in
                let r = offset * slots + slot
                return bounds.logitMarginBound(ln2Scale: ln2Scales[r], hiddenNorm: hiddenNorms[r].squareRoot(), finalScale: finalScales[r])
            }
            return (rows, rowBounds)
        }
    }

    func layerNorm(_ input: [Double], into output: inout [Double], scales: inout [Double], weight: [Double], bias: [Double]) {
        let d = fast.d
        for r in 0..<(input.count / d) {
            var sum = 0.0
            for i in 0..<d { sum += input[r * d + i] }
            let mean = sum / Double(d)
            var squares = 0.0
            for i in 0..<d { squares += (input[r * d + i] - mean) * (input[r * d + i] - mean) }
            let scale = 1 / (squares / Double(d) + Double(fast.eps)).squareRoot()
            scales[r] = scale
            for i in 0..<d { output[r * d + i] = (input[r * d + i] - mean) * scale * weight[i] + bias[i] }
        }
    }
}

extension FastEvaluator {
    /// The same computation in fp64, to re-decide this evaluator's near ties. Each
    /// access widens the MLP weights to fp64: take it once and keep it.
    public var exact: ExactTableEvaluator { ExactTableEvaluator(self) }
}
