import AdditionTask
import COpenBLAS
import Foundation

/// Replacements applied inside the fast evaluator, for ablation studies.
///
/// TransformerLens names: replacing `blocks.0.hook_resid_pre` at a position, or a
/// head's output (`hook_z` mapped through `W_O`) at an answer-predicting position.
public struct Ablation: Sendable, Equatable {
    /// Position → the residual vector (d_model) that replaces `embed + pos` there, for every token.
    public var residualReplacements: [Int: [Float]] = [:]
    /// (answer slot 0…n, head) → the vector (d_model) that replaces that head's
    /// contribution `z · W_O` at that answer-predicting position. Slot 0 is the `=` position.
    public var headContributionReplacements: [HeadSlot: [Float]] = [:]

    public init(residualReplacements: [Int: [Float]] = [:], headContributionReplacements: [HeadSlot: [Float]] = [:]) {
        self.residualReplacements = residualReplacements
        self.headContributionReplacements = headContributionReplacements
    }

    /// No ablation.
    public static let none = Ablation()
}

/// One attention head at one answer-predicting position (slot 0 = the `=` position, predicting A(n)).
public struct HeadSlot: Hashable, Sendable, Codable {
    public let slot: Int
    public let head: Int
    public init(slot: Int, head: Int) {
        self.slot = slot
        self.head = head
    }
}

/// The fast evaluator: exact fp32 arithmetic of the network, organised around its
/// one-layer structure.
///
/// Everything before the attention softmax depends only on (position, token), so
/// LN1, the attention scores q·k/√d_head and each head's `V·W_O` output are
/// precomputed tables (built in fp64, stored in fp32). Only the n + 1
/// answer-predicting positions are evaluated; per question and position the
/// remaining work is the softmax mixes, LN2, the MLP (two OpenBLAS sgemm calls
/// over a batch of rows), LN_final and the unembedding. Each answer digit comes
/// with a rounding bound on its margin (``QuestionEvaluation/roundingBounds``); a
/// margin at or below it is not trusted and the question must be re-decided in fp64.
public final class FastEvaluator: BatchEvaluator, @unchecked Sendable {
    public let task: AdditionTask
    public let config: ModelConfig
    public let ablation: Ablation
    /// The model the tables were built from (for ``ablated(_:)``).
    let model: AdditionModel
    /// Questions per sgemm batch.
    public let batchSize: Int

    let d: Int, m: Int, heads: Int, vocabulary: Int
    /// Input positions (3n + 2) and answer slots (n + 1).
    let length: Int, slots: Int
    /// scores[((head · slots + slot) · 12 + queryToken) · length · 12 + key · 12 + keyToken]
    let scores: [Float]
    /// headOutputs[((head · length + key) · 12 + keyToken) · d ..< +d] = V·W_O of that key.
    let headOutputs: [Float]
    /// base[(slot · 12 + queryToken) · d ..< +d] = the query's own residual + b_O.
    let base: [Float]
    /// headReplacement[(slot · heads + head)] — fixed contributions, if ablated.
    let headReplacement: [[Float]?]
    let ln2Weight: [Float], ln2Bias: [Float], wIn: [Float], bIn: [Float], wOut: [Float], bOut: [Float]
    let lnFinalWeight: [Float], lnFinalBias: [Float], wU: [Float], bU: [Float]
    let eps: Float
    let bounds: RoundingBounds
    /// The same tables before rounding to fp32, for ``exact``.
    let doubleTables: DoubleTables
    /// The path asked for (``FastEvaluationPath``); the sparse path needs no head replacements.
    public let path: FastEvaluationPath
    /// Settings of the sparse path.
    public let sparseOptions: SparseBlockOptions
    /// The sparse path's fp64 precomputation; nil when the evaluator runs dense.
    private(set) var sparseModel: SparseBlockModel?
    /// Rows and time per path, for ``evaluationPathReport()``.
    let counters = EvaluationPathCounters()

    /// Builds the tables for `model`, optionally with an ablation.
    ///
    /// - Parameters:
    ///   - path: `.dense` (every row through the full MLP) or `.sparse` (blocks of
    ///     questions per answer position, provably dead neurons left out; the same
    ///     decisions). An ablation with head replacements always runs dense.
    ///   - sparseOptions: settings of the sparse path.
    public convenience init(_ model: AdditionModel, ablation: Ablation = .none, batchSize: Int = 128,
                            path: FastEvaluationPath = .dense, sparseOptions: SparseBlockOptions = SparseBlockOptions()) {
        self.init(model, ablation: ablation, batchSize: batchSize, path: path, sparseOptions: sparseOptions,
                  tables: Self.attentionTables(model, residualReplacements: ablation.residualReplacements))
    }

    /// The same model under another ablation. The attention tables depend only on the
    /// residual replacements, so when `ablation` has the same ones as this evaluator (a
    /// head ablation of the plain network, say) they are shared, not built again; only
    /// the head replacements and the rounding bound that covers them are new. From an
    /// evaluator without residual replacements, a residual ablation recomputes only the
    /// table entries its positions enter.
    public func ablated(_ ablation: Ablation) -> FastEvaluator {
        let tables = ablation.residualReplacements == self.ablation.residualReplacements ? doubleTables
            : Self.attentionTables(model, residualReplacements: ablation.residualReplacements,
                                   updating: self.ablation.residualReplacements.isEmpty ? doubleTables : nil)
        return FastEvaluator(model, ablation: ablation, batchSize: batchSize, path: path, sparseOptions: sparseOptions, tables: tables,
                             weightBounds: bounds)
    }

    /// - Parameter weightBounds: the rounding bounds of an evaluator of the same weights,
    ///   whose weight norms are kept (only the table-dependent term is computed again).
    private init(_ model: AdditionModel, ablation: Ablation, batchSize: Int, path: FastEvaluationPath,
                 sparseOptions: SparseBlockOptions, tables: DoubleTables, weightBounds: RoundingBounds? = nil) {
        let config = model.config
        let w = model.weights
        let task = model.task
        let d = config.dModel, heads = config.nHeads, v = config.dVocab
        let length = task.inputLength, slots = task.answerDigitCount
        self.model = model
        self.task = task
        self.config = config
        self.ablation = ablation
        self.batchSize = max(1, batchSize)
        SingleThreadedBLAS.ensure()
        self.d = d
        self.m = config.dMLP
        self.heads = heads
        self.vocabulary = v
        self.length = length
        self.slots = slots

        self.scores = tables.scores.map(Float.init)
        self.headOutputs = tables.headOutputs.map(Float.init)
        self.base = tables.base.map(Float.init)
        self.headReplacement = (0..<(slots * heads)).map { ablation.headContributionReplacements[HeadSlot(slot: $0 / heads, head: $0 % heads)] }
        doubleTables = tables
        ln2Weight = w.ln2Weight; ln2Bias = w.ln2Bias; wIn = w.wIn; bIn = w.bIn; wOut = w.wOut; bOut = w.bOut
        lnFinalWeight = w.lnFinalWeight; lnFinalBias = w.lnFinalBias; wU = w.wU; bU = w.bU
        eps = Float(config.eps)
        if let weightBounds {
            bounds = weightBounds.withTables(headOutputs: self.headOutputs, base: self.base, heads: heads, headReplacements: headReplacement)
        } else {
            bounds = RoundingBounds(weights: w, headOutputs: self.headOutputs, base: self.base, length: length, heads: heads,
                                    unitRoundoff: Double(Float.ulpOfOne) / 2, headReplacements: headReplacement)
        }
        self.path = path
        self.sparseOptions = sparseOptions
        if path == .sparse, ablation.headContributionReplacements.isEmpty {
            sparseModel = SparseBlockModel(fast: self, model: model)
        }
    }

    /// The one-layer tables in fp64: attention scores, each head's `V·W_O` per (key
    /// position, key token) and the query's own residual plus b_O per (slot, token), with
    /// the residual at replaced positions taken from `residualReplacements`.
    ///
    /// With `unreplaced` (this model's tables without any residual replacement), only the
    /// entries a replaced position enters are computed again (its keys' outputs, the
    /// scores whose key or query is there, its own residual): each entry is computed by
    /// the same steps in the same order as in a full build, so the result has the same bits.
    static func attentionTables(_ model: AdditionModel, residualReplacements: [Int: [Float]],
                                updating unreplaced: DoubleTables? = nil) -> DoubleTables {
        let config = model.config
        let w = model.weights
        let task = model.task
        let d = config.dModel, dh = config.dHead, heads = config.nHeads, v = config.dVocab
        let length = task.inputLength, slots = task.answerDigitCount
        // The positions whose entries are computed here: all, or the replaced ones.
        let changed: Set<Int> = unreplaced == nil ? Set(0..<length) : Set(residualReplacements.keys)
        // Residual entering the block at (position, token), in fp64.
        func residual(_ position: Int, _ token: Int) -> [Double] {
            if let replacement = residualReplacements[position] { return replacement.map(Double.init) }
            return (0..<d).map { Double(w.embed[token * d + $0]) + Double(w.positionEmbed[position * d + $0]) }
        }
        func layerNorm(_ x: [Double], _ weight: [Float], _ bias: [Float]) -> [Double] {
            let mean = x.reduce(0, +) / Double(d)
            let centred = x.map { $0 - mean }
            let scale = 1 / (centred.reduce(0) { $0 + $1 * $1 } / Double(d) + config.eps).squareRoot()
            return (0..<d).map { centred[$0] * scale * Double(weight[$0]) + Double(bias[$0]) }
        }
        func project(_ x: [Double], _ weight: [Float], _ bias: [Float], head: Int) -> [Double] {
            var out = (0..<dh).map { Double(bias[head * dh + $0]) }
            for i in 0..<d {
                let row = (head * d + i) * dh
                for j in 0..<dh { out[j] += x[i] * Double(weight[row + j]) }
            }
            return out
        }
        // LN1 output, queries and keys per (position, token), computed when first needed.
        var normalized = [[Double]?](repeating: nil, count: length * v)
        func ln1(_ p: Int, _ t: Int) -> [Double] {
            if let x = normalized[p * v + t] { return x }
            let x = layerNorm(residual(p, t), w.ln1Weight, w.ln1Bias)
            normalized[p * v + t] = x
            return x
        }
        var queries = [[Double]?](repeating: nil, count: heads * length * v), keys = queries
        func query(_ head: Int, _ p: Int, _ t: Int) -> [Double] {
            if let q = queries[(head * length + p) * v + t] { return q }
            let q = project(ln1(p, t), w.wQ, w.bQ, head: head)
            queries[(head * length + p) * v + t] = q
            return q
        }
        func key(_ head: Int, _ p: Int, _ t: Int) -> [Double] {
            if let k = keys[(head * length + p) * v + t] { return k }
            let k = project(ln1(p, t), w.wK, w.bK, head: head)
            keys[(head * length + p) * v + t] = k
            return k
        }
        var outputs = unreplaced?.headOutputs ?? [Double](repeating: 0, count: heads * length * v * d)
        for head in 0..<heads {
            for p in 0..<length where changed.contains(p) {
                for t in 0..<v {
                    let value = project(ln1(p, t), w.wV, w.bV, head: head)
                    let offset = ((head * length + p) * v + t) * d
                    for i in 0..<d {
                        var sum = 0.0
                        for j in 0..<dh { sum += value[j] * Double(w.wO[(head * dh + j) * d + i]) }
                        outputs[offset + i] = sum
                    }
                }
            }
        }
        let scale = Double(dh).squareRoot()
        var scores = unreplaced?.scores ?? [Double](repeating: 0, count: heads * slots * v * length * v)
        for head in 0..<heads {
            for slot in 0..<slots {
                let queryPosition = task.equalsPosition + slot
                for queryToken in 0..<v {
                    for position in 0...queryPosition where changed.contains(queryPosition) || changed.contains(position) {
                        let q = query(head, queryPosition, queryToken)
                        for keyToken in 0..<v {
                            let k = key(head, position, keyToken)
                            var dot = 0.0
                            for j in 0..<dh { dot += q[j] * k[j] }
                            scores[(((head * slots + slot) * v + queryToken) * length + position) * v + keyToken] = dot / scale
                        }
                    }
                }
            }
        }
        var base = unreplaced?.base ?? [Double](repeating: 0, count: slots * v * d)
        for slot in 0..<slots where changed.contains(task.equalsPosition + slot) {
            for token in 0..<v {
                let r = residual(task.equalsPosition + slot, token)
                for i in 0..<d { base[(slot * v + token) * d + i] = r[i] + Double(w.bO[i]) }
            }
        }
        return DoubleTables(scores: scores, headOutputs: outputs, base: base)
    }

    /// OpenBLAS's thread count (process wide); the first evaluator sets it to 1.
    static var blasThreadCount: Int { Int(openblas_get_num_threads()) }

    public func evaluate(_ indices: Range<Int>) -> [QuestionEvaluation] {
        evaluate(indices: Array(indices))
    }

    /// Evaluates the questions with these canonical indices, in order, by ``path``.
    public func evaluate(indices: [Int]) -> [QuestionEvaluation] {
        if let sparseModel { return evaluateSparse(indices: indices, sparse: sparseModel) }
        let started = DispatchTime.now().uptimeNanoseconds
        defer {
            counters.addDense(rows: indices.count * slots, neurons: m,
                              seconds: Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9)
        }
        var results: [QuestionEvaluation] = []
        results.reserveCapacity(indices.count)
        forEachBatch(indices) { batch, logits, bounds in
            for (offset, index) in batch.enumerated() {
                var predicted = [UInt8](repeating: 0, count: slots)
                var margins = [Float](repeating: 0, count: slots)
                for slot in 0..<slots {
                    let row = (offset * slots + slot) * vocabulary
                    var best = 0
                    for t in 1..<vocabulary where logits[row + t] > logits[row + best] { best = t }
                    var runnerUp = -Float.infinity
                    for t in 0..<vocabulary where t != best { runnerUp = max(runnerUp, logits[row + t]) }
                    predicted[slot] = UInt8(best)
                    margins[slot] = logits[row + best] - runnerUp
                }
                let digitBounds = Array(bounds[(offset * slots)..<((offset + 1) * slots)])
                results.append(QuestionEvaluation(index: index, predicted: predicted, margins: margins, roundingBounds: digitBounds))
            }
        }
        return results
    }

    /// Logits at the answer-predicting positions: [question][slot A(n)..A0][12], flattened.
    public func logits(indices: [Int]) -> [Float] {
        var all: [Float] = []
        all.reserveCapacity(indices.count * slots * vocabulary)
        forEachBatch(indices) { _, logits, _ in all.append(contentsOf: logits) }
        return all
    }

    /// Attention weights of every head at every answer slot for one question:
    /// [slot][head][key position] (zero beyond the query position).
    public func attentionWeights(index: Int) -> [[[Float]]] {
        let tokens = task.question(atIndex: index).teacherForcedTokens
        var weights = [Float](repeating: 0, count: length)
        return (0..<slots).map { slot in
            (0..<heads).map { head in
                softmaxWeights(tokens: tokens, slot: slot, head: head, into: &weights)
                return weights
            }
        }
    }

    /// Each head's contribution `z · W_O` at one answer slot for one question (d_model each).
    public func headContributions(index: Int) -> [[[Float]]] {
        let tokens = task.question(atIndex: index).teacherForcedTokens
        var weights = [Float](repeating: 0, count: length)
        return (0..<slots).map { slot in
            let queryPosition = task.equalsPosition + slot
            return (0..<heads).map { head in
                softmaxWeights(tokens: tokens, slot: slot, head: head, into: &weights)
                var out = [Float](repeating: 0, count: d)
                for key in 0...queryPosition {
                    let offset = ((head * length + key) * vocabulary + tokens[key]) * d
                    for i in 0..<d { out[i] += weights[key] * headOutputs[offset + i] }
                }
                return out
            }
        }
    }

    /// Softmax weights over keys 0…queryPosition (the rest set to 0).
    func softmaxWeights(tokens: [Int], slot: Int, head: Int, into weights: inout [Float]) {
        let queryPosition = task.equalsPosition + slot
        let v = vocabulary
        let scoreBase = ((head * slots + slot) * v + tokens[queryPosition]) * length * v
        var maximum = -Float.infinity
        for key in 0...queryPosition {
            weights[key] = scores[scoreBase + key * v + tokens[key]]
            maximum = max(maximum, weights[key])
        }
        var total: Float = 0
        for key in 0...queryPosition {
            weights[key] = expf(weights[key] - maximum)
            total += weights[key]
        }
        for key in 0...queryPosition { weights[key] /= total }
        for key in (queryPosition + 1)..<length { weights[key] = 0 }
    }

    /// Writes the teacher-forced tokens of question `index` (3n + 2 of them) into `tokens`,
    /// without allocating.
    func fillTokens(index: Int, into tokens: UnsafeMutablePointer<Int>) {
        let n = task.digitCount
        let operandCount = task.operandCount
        var a = index / operandCount, b = index % operandCount
        var sum = a + b
        for column in 0..<n {
            tokens[n - 1 - column] = a % 10
            tokens[2 * n - column] = b % 10
            a /= 10
            b /= 10
        }
        tokens[n] = Token.plus
        tokens[2 * n + 1] = Token.equals
        // Answer digits A(n)..A1 at positions 2n+2 … 3n+1 (A0 is never an input).
        sum /= 10
        for place in 1...n {
            tokens[3 * n + 2 - place] = sum % 10
            sum /= 10
        }
    }

    /// The attention part of one answer row, in fp32, the one place it is written: the
    /// row's residual_mid = base[slot, query token] + Σ_heads Σ_keys softmax weight ·
    /// (V·W_O)[head, key, token] (a replaced head adds its fixed contribution instead).
    /// Used by the dense path and the sparse path alike, so both give the same bits.
    @inline(__always)
    func mixAttention(into row: UnsafeMutablePointer<Float>, slot: Int, queryPosition: Int,
                      tokens: UnsafeMutablePointer<Int>, weights: UnsafeMutablePointer<Float>,
                      baseTable: UnsafePointer<Float>, scoreTable: UnsafePointer<Float>, outputTable: UnsafePointer<Float>) {
        let d = self.d, v = vocabulary, heads = self.heads, length = self.length, slots = self.slots
        row.update(from: baseTable + (slot * v + tokens[queryPosition]) * d, count: d)
        for head in 0..<heads {
            if let replacement = headReplacement[slot * heads + head] {
                for i in 0..<d { row[i] += replacement[i] }
                continue
            }
            let scoreRow = scoreTable + ((head * slots + slot) * v + tokens[queryPosition]) * length * v
            var maximum = -Float.infinity
            for key in 0...queryPosition {
                weights[key] = scoreRow[key * v + tokens[key]]
                maximum = max(maximum, weights[key])
            }
            var total: Float = 0
            for key in 0...queryPosition {
                weights[key] = expf(weights[key] - maximum)
                total += weights[key]
            }
            let inverse = 1 / total
            for key in 0...queryPosition {
                let source = outputTable + ((head * length + key) * v + tokens[key]) * d
                let weight = weights[key] * inverse
                for i in 0..<d { row[i] += weight * source[i] }
            }
        }
    }

    /// LN2, the MLP, LN_final and the unembedding of `rows` answer rows, in fp32, the one
    /// place they are written: residual += ReLU(LN2(residual) · W_in + b_in) · W_out + b_out,
    /// then logits = LN_final(residual) · W_U + b_U. With `neurons`, the MLP runs over those
    /// neurons only (the sparse path: the others are proved inactive on these rows, so they
    /// add exactly 0); without, over all of them (the dense path). With `fold`, the block's
    /// always-active neurons (not in `neurons`) are added as the folded map x·M̃ + c̃. Stores each row's LayerNorm
    /// scales and hidden-activation norm in `statistics` for the rounding bound.
    func mlpAndUnembed(residual: UnsafeMutablePointer<Float>, normalized: UnsafeMutablePointer<Float>,
                       hidden: UnsafeMutablePointer<Float>, logits: UnsafeMutablePointer<Float>,
                       statistics: UnsafeMutablePointer<Float>, rows: Int, neurons: GatheredNeurons?,
                       fold: FoldedMap? = nil) {
        let d = self.d, m = self.m, v = vocabulary
        layerNormRows(residual, into: normalized, rows: rows, weight: ln2Weight, bias: ln2Bias, statistics: statistics,
                      scaleSlot: RowStatistics.Slot.ln2Scale)
        let width = neurons?.count ?? m
        if let neurons {
            for r in 0..<rows { (hidden + r * width).update(from: neurons.bias, count: width) }
            if width > 0 {
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(width), Int32(d),
                            1, normalized, Int32(d), neurons.inputTransposed, Int32(d), 1, hidden, Int32(width))
            }
        } else {
            for r in 0..<rows { (hidden + r * m).initialize(from: bIn, count: m) }
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rows), Int32(m), Int32(d),
                        1, normalized, Int32(d), wIn, Int32(m), 1, hidden, Int32(m))
        }
        for r in 0..<rows {
            let h = hidden + r * width
            var squares: Float = 0
            for j in 0..<width {
                let value = max(h[j], 0)
                h[j] = value
                squares += value * value
            }
            statistics[r * RowStatistics.count + RowStatistics.Slot.hiddenNorm] = squares.squareRoot()
        }
        bOut.withUnsafeBufferPointer { bias in
            for r in 0..<rows {
                let row = residual + r * d
                for i in 0..<d { row[i] += bias[i] }
            }
        }
        if let fold {
            // The always-active neurons as one affine map: + c̃, then + x·M̃ (x is LN2's output,
            // still in `normalized`); see FoldedMap.
            for r in 0..<rows {
                let row = residual + r * d
                for i in 0..<d { row[i] += fold.bias[i] }
            }
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rows), Int32(d), Int32(d),
                        1, normalized, Int32(d), fold.matrix, Int32(d), 1, residual, Int32(d))
        }
        if width > 0 {
            if let neurons {
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rows), Int32(d), Int32(width),
                            1, hidden, Int32(width), neurons.output, Int32(d), 1, residual, Int32(d))
            } else {
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rows), Int32(d), Int32(m),
                            1, hidden, Int32(m), wOut, Int32(d), 1, residual, Int32(d))
            }
        }
        layerNormRows(residual, into: normalized, rows: rows, weight: lnFinalWeight, bias: lnFinalBias, statistics: statistics,
                      scaleSlot: RowStatistics.Slot.finalScale)
        for r in 0..<rows { (logits + r * v).update(from: bU, count: v) }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rows), Int32(v), Int32(d),
                    1, normalized, Int32(d), wU, Int32(v), 1, logits, Int32(v))
    }

    /// Runs the network on `indices` in batches; `body` gets each batch's indices,
    /// its logits [question][slot][12] and the margin rounding bounds [question][slot].
    func forEachBatch(_ indices: [Int], _ body: ([Int], UnsafeBufferPointer<Float>, [Float]) -> Void) {
        let rowsMax = batchSize * slots
        let d = self.d, m = self.m, v = vocabulary, length = self.length, slots = self.slots
        let equalsPosition = task.equalsPosition
        let residual = UnsafeMutablePointer<Float>.allocate(capacity: rowsMax * d)
        let normalized = UnsafeMutablePointer<Float>.allocate(capacity: rowsMax * d)
        let hidden = UnsafeMutablePointer<Float>.allocate(capacity: rowsMax * m)
        let logits = UnsafeMutablePointer<Float>.allocate(capacity: rowsMax * v)
        // Per row, what the rounding bound needs: RowStatistics.Slot order.
        let rowStatistics = UnsafeMutablePointer<Float>.allocate(capacity: rowsMax * RowStatistics.count)
        let weights = UnsafeMutablePointer<Float>.allocate(capacity: length)
        let tokens = UnsafeMutablePointer<Int>.allocate(capacity: length)
        defer {
            residual.deallocate(); normalized.deallocate(); hidden.deallocate(); logits.deallocate()
            rowStatistics.deallocate(); weights.deallocate(); tokens.deallocate()
        }
        scores.withUnsafeBufferPointer { scoreBuffer in
        headOutputs.withUnsafeBufferPointer { outputBuffer in
        base.withUnsafeBufferPointer { baseBuffer in
        guard let scoreTable = scoreBuffer.baseAddress, let outputTable = outputBuffer.baseAddress,
              let baseTable = baseBuffer.baseAddress else { return }
        var start = 0
        while start < indices.count {
            let batch = Array(indices[start..<min(indices.count, start + batchSize)])
            start += batch.count
            let rows = batch.count * slots
            // Attention: residual_mid = base + Σ_heads Σ_keys weight · (V·W_O)[key, token].
            for (offset, index) in batch.enumerated() {
                fillTokens(index: index, into: tokens)
                for slot in 0..<slots {
                    let queryPosition = equalsPosition + slot
                    let row = residual + (offset * slots + slot) * d
                    mixAttention(into: row, slot: slot, queryPosition: queryPosition, tokens: tokens, weights: weights,
                                 baseTable: baseTable, scoreTable: scoreTable, outputTable: outputTable)
                }
            }
            mlpAndUnembed(residual: residual, normalized: normalized, hidden: hidden, logits: logits, statistics: rowStatistics,
                          rows: rows, neurons: nil)
            let rowBounds: [Float] = (0..<rows).map { r in
                bounds.logitMarginBound(RowStatistics(rowStatistics + r * RowStatistics.count))
            }
            body(batch, UnsafeBufferPointer(start: logits, count: rows * v), rowBounds)
        }
        }
        }
        }
    }

    /// Row-wise TransformerLens LayerNorm. Stores each row's 1/σ at
    /// statistics[row · RowStatistics.count + scaleSlot] and its output's norm in the next slot.
    func layerNormRows(_ input: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>, rows: Int,
                       weight: [Float], bias: [Float], statistics: UnsafeMutablePointer<Float>, scaleSlot: Int) {
        let d = self.d
        let count = Float(d)
        weight.withUnsafeBufferPointer { w in
        bias.withUnsafeBufferPointer { b in
            for r in 0..<rows {
                let x = input + r * d
                let y = output + r * d
                var sum: Float = 0
                for i in 0..<d { sum += x[i] }
                let mean = sum / count
                var squares: Float = 0
                for i in 0..<d {
                    let c = x[i] - mean
                    squares += c * c
                }
                let scale = 1 / (squares / count + eps).squareRoot()
                var outputSquares: Float = 0
                for i in 0..<d {
                    y[i] = (x[i] - mean) * scale * w[i] + b[i]
                    outputSquares += y[i] * y[i]
                }
                statistics[r * RowStatistics.count + scaleSlot] = scale
                statistics[r * RowStatistics.count + scaleSlot + 1] = outputSquares.squareRoot()
            }
        }
        }
    }
}

/// OpenBLAS runs single threaded, process wide, from the construction of the first
/// evaluator on: the evaluators parallelise over questions themselves, and
/// OpenBLAS's thread count changes how a product is split and so the last bits of
/// the logits. The count is set once, before any product runs, never while another
/// thread may be inside a BLAS call.
enum SingleThreadedBLAS {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var isSet = false

    static func ensure() {
        lock.lock()
        defer { lock.unlock() }
        if !isSet {
            openblas_set_num_threads(1)
            isSet = true
        }
    }
}
