import AdditionTask

/// The sizes ``EvaluationKernel`` works with.
struct KernelShape: Sendable, Equatable {
    /// d_model, d_mlp, attention heads, vocabulary (12).
    let d: Int, m: Int, heads: Int, vocabulary: Int
    /// Input positions (3n + 2), answer slots (n + 1) and the position of `=` (slot 0's query).
    let length: Int, slots: Int, equalsPosition: Int

    init(config: ModelConfig, task: AdditionTask) {
        d = config.dModel
        m = config.dMLP
        heads = config.nHeads
        vocabulary = config.dVocab
        length = task.inputLength
        slots = task.answerDigitCount
        equalsPosition = task.equalsPosition
    }
}

/// The MLP neurons a product runs over when not all of them: `count` rows of W_in
/// transposed and of W_out (d_model each) and their b_in, gathered contiguously.
struct GatheredNeurons<Scalar> {
    let count: Int
    let inputTransposed: UnsafePointer<Scalar>
    let output: UnsafePointer<Scalar>
    let bias: UnsafePointer<Scalar>

    init(count: Int, inputTransposed: UnsafeMutablePointer<Scalar>, output: UnsafeMutablePointer<Scalar>,
         bias: UnsafeMutablePointer<Scalar>) {
        self.count = count
        self.inputTransposed = UnsafePointer(inputTransposed)
        self.output = UnsafePointer(output)
        self.bias = UnsafePointer(bias)
    }
}

/// An affine map of LN2's output x added to the residual as x·matrix + bias (matrix
/// d_model × d_model, row-major): the sparse path's folded always-active neurons (``FoldedMap``).
struct FoldedTerms<Scalar> {
    let matrix: UnsafePointer<Scalar>
    let bias: UnsafePointer<Scalar>
}

/// The weights ``EvaluationKernel`` reads (LN2, MLP, LN_final, unembedding), converted to
/// `Scalar` once (exact for `Double`); one instance serves the kernels of every ablation of
/// the same model. Read only after `init`.
final class KernelWeights<Scalar: KernelScalar>: @unchecked Sendable {
    let ln2Weight: UnsafeMutablePointer<Scalar>, ln2Bias: UnsafeMutablePointer<Scalar>
    /// W_in (d × m), b_in, W_out (m × d), b_out.
    let wIn: UnsafeMutablePointer<Scalar>, bIn: UnsafeMutablePointer<Scalar>
    let wOut: UnsafeMutablePointer<Scalar>, bOut: UnsafeMutablePointer<Scalar>
    let lnFinalWeight: UnsafeMutablePointer<Scalar>, lnFinalBias: UnsafeMutablePointer<Scalar>
    /// W_U (d × 12), b_U.
    let wU: UnsafeMutablePointer<Scalar>, bU: UnsafeMutablePointer<Scalar>
    /// LayerNorm's ε as fp32 holds it (the model's ε rounded to `Float`, in both precisions).
    let eps: Scalar
    private let allocations: [UnsafeMutablePointer<Scalar>]

    init(model: AdditionModel) {
        let w = model.weights
        var allocations: [UnsafeMutablePointer<Scalar>] = []
        func owned(_ values: [Float]) -> UnsafeMutablePointer<Scalar> {
            let pointer = EvaluationKernel<Scalar>.converted(values)
            allocations.append(pointer)
            return pointer
        }
        ln2Weight = owned(w.ln2Weight); ln2Bias = owned(w.ln2Bias)
        wIn = owned(w.wIn); bIn = owned(w.bIn); wOut = owned(w.wOut); bOut = owned(w.bOut)
        lnFinalWeight = owned(w.lnFinalWeight); lnFinalBias = owned(w.lnFinalBias)
        wU = owned(w.wU); bU = owned(w.bU)
        eps = Scalar(Float(model.config.eps))
        self.allocations = allocations
    }

    deinit {
        for pointer in allocations { pointer.deallocate() }
    }
}

/// The network's computation from the attention tables on, written once for any
/// ``KernelScalar``: the fast path runs it in `Float`, the near-tie re-decision in
/// `Double`.
///
/// Per answer row (question, answer slot): the softmax of each head's scores over keys
/// 0…query position and the mix of the heads' `V·W_O` table rows into residual_mid
/// (``mixAttention(into:slot:tokens:weights:)``); then, over a batch of rows, LN2, the MLP,
/// LN_final and the unembedding (``mlpAndUnembed(rows:residual:normalized:hidden:logits:statistics:neurons:fold:)``),
/// with the products through ``KernelScalar/multiplyAdd(rows:columns:inner:_:_:_:_:)``.
/// Every other step is a plain loop in a fixed order. Each row also leaves the
/// quantities its rounding bound reads (``RowStatistics``), measured on the row as
/// computed. The reference pass (``ReferenceTransformer``) is a separate, independent
/// implementation, and the kernel is tested against it in both precisions.
///
/// Owns its tables (converted to `Scalar` once) and shares ``KernelWeights``; read only
/// after `init`, so one kernel serves every thread.
final class EvaluationKernel<Scalar: KernelScalar>: @unchecked Sendable {
    let shape: KernelShape
    /// The layouts of ``AttentionTables``, in `Scalar`.
    let scores: UnsafeMutablePointer<Scalar>, headOutputs: UnsafeMutablePointer<Scalar>, base: UnsafeMutablePointer<Scalar>
    /// [slot · heads + head]: the fixed contribution that replaces that head's mix (an ablation), if any.
    let headReplacement: [UnsafeMutablePointer<Scalar>?]
    let weights: KernelWeights<Scalar>
    private let allocations: [UnsafeMutablePointer<Scalar>]

    /// Converts `tables` to `Scalar` (exact for `Double`; rounded to nearest for `Float`).
    ///
    /// - Parameters:
    ///   - headReplacements: [slot · heads + head], the vector replacing that head's
    ///     contribution (an ablation), or nil; empty for none.
    ///   - weights: the model's weights in `Scalar` (shared between ablations); nil: converted here.
    init(model: AdditionModel, tables: AttentionTables, headReplacements: [[Float]?], weights: KernelWeights<Scalar>? = nil) {
        shape = KernelShape(config: model.config, task: model.task)
        var allocations: [UnsafeMutablePointer<Scalar>] = []
        func owned<Source: BinaryFloatingPoint>(_ values: [Source]) -> UnsafeMutablePointer<Scalar> {
            let pointer = Self.converted(values)
            allocations.append(pointer)
            return pointer
        }
        scores = owned(tables.scores)
        headOutputs = owned(tables.headOutputs)
        base = owned(tables.base)
        let count = shape.slots * shape.heads
        headReplacement = (0..<count).map { k in
            guard k < headReplacements.count, let replacement = headReplacements[k] else { return nil }
            return owned(replacement)
        }
        self.weights = weights ?? KernelWeights(model: model)
        self.allocations = allocations
    }

    deinit {
        for pointer in allocations { pointer.deallocate() }
    }

    /// A new buffer holding `values` converted to `Scalar`; the caller deallocates it.
    static func converted<Source: BinaryFloatingPoint>(_ values: [Source]) -> UnsafeMutablePointer<Scalar> {
        let pointer = UnsafeMutablePointer<Scalar>.allocate(capacity: max(1, values.count))
        for (k, value) in values.enumerated() { (pointer + k).initialize(to: Scalar(value)) }
        return pointer
    }

    /// u of this precision: 2⁻²⁴ for `Float`, 2⁻⁵³ for `Double`.
    static var unitRoundoff: Double { Double(Scalar.ulpOfOne) / 2 }

    // MARK: Attention

    /// The softmax weights of `head` at answer `slot` for the question whose teacher-forced
    /// tokens (3n + 2) are `tokens`: weights[key] for keys 0…query position (the entries
    /// beyond are left as they are). exp(score − max score), then each divided by their sum.
    @inline(__always)
    func attentionWeights(slot: Int, head: Int, tokens: UnsafePointer<Int>, into weights: UnsafeMutablePointer<Scalar>) {
        let v = shape.vocabulary
        let queryPosition = shape.equalsPosition + slot
        let scoreRow = scores + ((head * shape.slots + slot) * v + tokens[queryPosition]) * shape.length * v
        var maximum = -Scalar.infinity
        for key in 0...queryPosition {
            weights[key] = scoreRow[key * v + tokens[key]]
            maximum = max(maximum, weights[key])
        }
        var total: Scalar = 0
        for key in 0...queryPosition {
            weights[key] = Scalar.exp(weights[key] - maximum)
            total += weights[key]
        }
        for key in 0...queryPosition { weights[key] /= total }
    }

    /// row += Σ_keys weights[key] · (V·W_O)[head, key, tokens[key]], keys 0…query position in
    /// ascending order (`weights` from ``attentionWeights(slot:head:tokens:into:)``).
    @inline(__always)
    func addHeadOutput(into row: UnsafeMutablePointer<Scalar>, slot: Int, head: Int, tokens: UnsafePointer<Int>,
                       weights: UnsafePointer<Scalar>) {
        let d = shape.d, v = shape.vocabulary, length = shape.length
        for key in 0...(shape.equalsPosition + slot) {
            let source = headOutputs + ((head * length + key) * v + tokens[key]) * d
            let weight = weights[key]
            for i in 0..<d { row[i] += weight * source[i] }
        }
    }

    /// The attention part of one answer row: residual_mid = base[slot, query token] + Σ_heads
    /// the head's mix (a replaced head adds its fixed contribution instead). `weights` is
    /// scratch for `length` values.
    @inline(__always)
    func mixAttention(into row: UnsafeMutablePointer<Scalar>, slot: Int, tokens: UnsafePointer<Int>,
                      weights: UnsafeMutablePointer<Scalar>) {
        let d = shape.d, heads = shape.heads
        row.update(from: base + (slot * shape.vocabulary + tokens[shape.equalsPosition + slot]) * d, count: d)
        for head in 0..<heads {
            if let replacement = headReplacement[slot * heads + head] {
                for i in 0..<d { row[i] += replacement[i] }
                continue
            }
            attentionWeights(slot: slot, head: head, tokens: tokens, into: weights)
            addHeadOutput(into: row, slot: slot, head: head, tokens: tokens, weights: UnsafePointer(weights))
        }
    }

    // MARK: LayerNorm

    /// Row-wise TransformerLens LayerNorm of `rows` rows of `width` values: mean, centred
    /// squares, scale 1/√(Σc²/width + eps), output c · scale · weight + bias, each a plain
    /// loop in index order. With `statistics`, stores each row's scale at
    /// statistics[row · RowStatistics.count + scaleSlot] and its output's 2-norm in the next slot.
    static func layerNorm(rows: Int, width d: Int, _ input: UnsafePointer<Scalar>, into output: UnsafeMutablePointer<Scalar>,
                          weight: UnsafePointer<Scalar>, bias: UnsafePointer<Scalar>, eps: Scalar,
                          statistics: UnsafeMutablePointer<Scalar>? = nil, scaleSlot: Int = 0) {
        let count = Scalar(d)
        for r in 0..<rows {
            let x = input + r * d
            let y = output + r * d
            var sum: Scalar = 0
            for i in 0..<d { sum += x[i] }
            let mean = sum / count
            var squares: Scalar = 0
            for i in 0..<d {
                let c = x[i] - mean
                squares += c * c
            }
            let scale = 1 / (squares / count + eps).squareRoot()
            var outputSquares: Scalar = 0
            for i in 0..<d {
                y[i] = (x[i] - mean) * scale * weight[i] + bias[i]
                outputSquares += y[i] * y[i]
            }
            if let statistics {
                statistics[r * RowStatistics.count + scaleSlot] = scale
                statistics[r * RowStatistics.count + scaleSlot + 1] = outputSquares.squareRoot()
            }
        }
    }

    // MARK: MLP and unembedding

    /// LN2, the MLP, LN_final and the unembedding of `rows` answer rows (residual_mid in
    /// `residual`, row-major d each): residual += ReLU(LN2(residual) · W_in + b_in) · W_out +
    /// b_out, then logits = LN_final(residual) · W_U + b_U. `normalized` (rows × d), `hidden`
    /// (rows × m) and `logits` (rows × 12) are outputs and scratch; `statistics` (rows ×
    /// ``RowStatistics/count``) receives what the rounding bound reads: the LayerNorm scales
    /// and output norms and the norm of the hidden activations multiplied.
    ///
    /// - Parameters:
    ///   - neurons: the MLP runs over these neurons only (the sparse path: the others are
    ///     proved inactive on these rows, so they add exactly 0); nil: over all of them.
    ///   - fold: the block's always-active neurons as one affine map of LN2's output, added
    ///     after b_out (the sparse path's folded neurons, not in `neurons`).
    func mlpAndUnembed(rows: Int, residual: UnsafeMutablePointer<Scalar>, normalized: UnsafeMutablePointer<Scalar>,
                       hidden: UnsafeMutablePointer<Scalar>, logits: UnsafeMutablePointer<Scalar>,
                       statistics: UnsafeMutablePointer<Scalar>, neurons: GatheredNeurons<Scalar>? = nil,
                       fold: FoldedTerms<Scalar>? = nil) {
        let d = shape.d, m = shape.m, v = shape.vocabulary
        let w = weights
        Self.layerNorm(rows: rows, width: d, residual, into: normalized, weight: w.ln2Weight, bias: w.ln2Bias, eps: w.eps,
                       statistics: statistics, scaleSlot: RowStatistics.Slot.ln2Scale)
        let width = neurons?.count ?? m
        if let neurons {
            for r in 0..<rows { (hidden + r * width).update(from: neurons.bias, count: width) }
            Scalar.multiplyAdd(rows: rows, columns: width, inner: d, normalized, neurons.inputTransposed, .transposed, hidden)
        } else {
            for r in 0..<rows { (hidden + r * m).update(from: w.bIn, count: m) }
            Scalar.multiplyAdd(rows: rows, columns: m, inner: d, normalized, w.wIn, .rowMajor, hidden)
        }
        for r in 0..<rows {
            let h = hidden + r * width
            var squares: Scalar = 0
            for j in 0..<width {
                let value = max(h[j], 0)
                h[j] = value
                squares += value * value
            }
            statistics[r * RowStatistics.count + RowStatistics.Slot.hiddenNorm] = squares.squareRoot()
        }
        for r in 0..<rows {
            let row = residual + r * d
            for i in 0..<d { row[i] += w.bOut[i] }
        }
        if let fold {
            // + c̃, then + x·M̃ (x is LN2's output, still in `normalized`).
            for r in 0..<rows {
                let row = residual + r * d
                for i in 0..<d { row[i] += fold.bias[i] }
            }
            Scalar.multiplyAdd(rows: rows, columns: d, inner: d, normalized, fold.matrix, .rowMajor, residual)
        }
        Scalar.multiplyAdd(rows: rows, columns: d, inner: width, hidden, neurons?.output ?? UnsafePointer(w.wOut), .rowMajor, residual)
        Self.layerNorm(rows: rows, width: d, residual, into: normalized, weight: w.lnFinalWeight, bias: w.lnFinalBias, eps: w.eps,
                       statistics: statistics, scaleSlot: RowStatistics.Slot.finalScale)
        for r in 0..<rows { (logits + r * v).update(from: w.bU, count: v) }
        Scalar.multiplyAdd(rows: rows, columns: v, inner: d, normalized, w.wU, .rowMajor, logits)
    }

    // MARK: Whole rows

    /// Evaluates `rows` answer rows (at most `scratch.rows`) from the tables to the logits:
    /// for row r, `prepare(r, tokens)` leaves the row's question's teacher-forced tokens in
    /// `tokens` (they are still the previous row's when it does not write them) and returns
    /// the row's answer slot. Logits land in `scratch.logits` ([row][12]), the rounding
    /// bound's statistics in `scratch.statistics`.
    func evaluateRows(_ rows: Int, scratch: KernelScratch<Scalar>, prepare: (Int, UnsafeMutablePointer<Int>) -> Int) {
        let d = shape.d
        for r in 0..<rows {
            let slot = prepare(r, scratch.tokens)
            mixAttention(into: scratch.residual + r * d, slot: slot, tokens: scratch.tokens, weights: scratch.weights)
        }
        mlpAndUnembed(rows: rows, residual: scratch.residual, normalized: scratch.normalized, hidden: scratch.hidden,
                      logits: scratch.logits, statistics: scratch.statistics)
    }

    /// The decision of one row of 12 logits: the first largest token and its margin over the best other.
    @inline(__always)
    static func decide(_ row: UnsafePointer<Scalar>, vocabulary v: Int) -> (token: UInt8, margin: Scalar) {
        var best = 0
        for t in 1..<v where row[t] > row[best] { best = t }
        var runnerUp = -Scalar.infinity
        for t in 0..<v where t != best { runnerUp = max(runnerUp, row[t]) }
        return (UInt8(best), row[best] - runnerUp)
    }
}

/// Work buffers of ``EvaluationKernel`` for up to `rows` answer rows (one per call; not
/// shared between threads).
final class KernelScratch<Scalar: KernelScalar> {
    let rows: Int
    let residual, normalized, hidden, logits, statistics, weights: UnsafeMutablePointer<Scalar>
    let tokens: UnsafeMutablePointer<Int>

    init(shape: KernelShape, rows: Int) {
        self.rows = max(1, rows)
        residual = .allocate(capacity: self.rows * shape.d)
        normalized = .allocate(capacity: self.rows * shape.d)
        hidden = .allocate(capacity: self.rows * shape.m)
        logits = .allocate(capacity: self.rows * shape.vocabulary)
        statistics = .allocate(capacity: self.rows * RowStatistics.count)
        weights = .allocate(capacity: shape.length)
        tokens = .allocate(capacity: shape.length)
    }

    deinit {
        residual.deallocate(); normalized.deallocate(); hidden.deallocate(); logits.deallocate()
        statistics.deallocate(); weights.deallocate(); tokens.deallocate()
    }
}
