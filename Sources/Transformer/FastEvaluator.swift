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
/// precomputed tables (``AttentionTables``, built in fp64, stored in fp32). Only the
/// n + 1 answer-predicting positions are evaluated, by ``EvaluationKernel`` in `Float`:
/// per question and position the softmax mixes, then over a batch of rows LN2, the MLP
/// (two OpenBLAS sgemm calls), LN_final and the unembedding. Each answer digit comes
/// with a rounding bound on its margin (``QuestionEvaluation/roundingBounds``); a
/// margin at or below it is not trusted and the question must be re-decided in fp64
/// (``exact``: the same kernel in `Double`).
public final class FastEvaluator: BatchEvaluator, @unchecked Sendable {
    public let task: AdditionTask
    public let config: ModelConfig
    public let ablation: Ablation
    /// Questions per sgemm batch.
    public let batchSize: Int

    /// d_model, d_mlp, heads and vocabulary: the kernel's shape.
    var d: Int { kernel.shape.d }
    var m: Int { kernel.shape.m }
    var heads: Int { kernel.shape.heads }
    var vocabulary: Int { kernel.shape.vocabulary }
    /// Input positions (3n + 2) and answer slots (n + 1).
    var length: Int { kernel.shape.length }
    var slots: Int { kernel.shape.slots }
    /// The model the tables were built from (for ``ablated(_:)`` and the fp64 path).
    let model: AdditionModel
    /// The network from the tables on, in fp32.
    let kernel: EvaluationKernel<Float>
    /// headReplacement[(slot · heads + head)] — fixed contributions, if ablated.
    let headReplacement: [[Float]?]
    let bounds: RoundingBounds
    /// The tables before rounding to fp32, for ``exact`` and the sparse path's bounds.
    let doubleTables: AttentionTables
    /// The path asked for (``FastEvaluationPath``); the sparse path needs no head replacements.
    public let path: FastEvaluationPath
    /// Settings of the sparse path.
    public let sparseOptions: SparseBlockOptions
    /// The sparse path's fp64 precomputation; nil when the evaluator runs dense.
    private(set) var sparseModel: SparseBlockModel?
    /// The block certificates' fp64 precomputation; nil when the evaluator runs dense or
    /// certificates are off.
    private(set) var certificateModel: BlockCertificateModel?
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
                  tables: AttentionTables(model: model, residualReplacements: ablation.residualReplacements))
    }

    /// The same model under another ablation. The attention tables depend only on the
    /// residual replacements, so when `ablation` has the same ones as this evaluator (a
    /// head ablation of the plain network, say) they are shared, not built again; only
    /// the head replacements and the rounding bound that covers them are new. From an
    /// evaluator without residual replacements, a residual ablation recomputes only the
    /// table entries its positions enter. The kernel's weights are shared.
    public func ablated(_ ablation: Ablation) -> FastEvaluator {
        let tables = ablation.residualReplacements == self.ablation.residualReplacements ? doubleTables
            : AttentionTables(model: model, residualReplacements: ablation.residualReplacements,
                              updating: self.ablation.residualReplacements.isEmpty ? doubleTables : nil)
        return FastEvaluator(model, ablation: ablation, batchSize: batchSize, path: path, sparseOptions: sparseOptions, tables: tables,
                             weightBounds: bounds, kernelWeights: kernel.weights)
    }

    /// - Parameters:
    ///   - weightBounds: the rounding bounds of an evaluator of the same weights, whose
    ///     weight norms are kept (only the table-dependent term is computed again).
    ///   - kernelWeights: the fp32 weights of an evaluator of the same model, shared.
    private init(_ model: AdditionModel, ablation: Ablation, batchSize: Int, path: FastEvaluationPath,
                 sparseOptions: SparseBlockOptions, tables: AttentionTables, weightBounds: RoundingBounds? = nil,
                 kernelWeights: KernelWeights<Float>? = nil) {
        let config = model.config
        let task = model.task
        let heads = config.nHeads, slots = task.answerDigitCount
        self.task = task
        self.config = config
        self.ablation = ablation
        self.batchSize = max(1, batchSize)
        SingleThreadedBLAS.ensure()
        self.model = model
        let headReplacement = (0..<(slots * heads)).map { ablation.headContributionReplacements[HeadSlot(slot: $0 / heads, head: $0 % heads)] }
        self.headReplacement = headReplacement
        doubleTables = tables
        kernel = EvaluationKernel(model: model, tables: tables, headReplacements: headReplacement, weights: kernelWeights)
        // The bound reads the tables as the kernel holds them (rounded to fp32 once, there).
        let headOutputs = UnsafeBufferPointer(start: kernel.headOutputs, count: tables.headOutputs.count)
        let base = UnsafeBufferPointer(start: kernel.base, count: tables.base.count)
        if let weightBounds {
            bounds = weightBounds.withTables(headOutputs: headOutputs, base: base, heads: heads, headReplacements: headReplacement)
        } else {
            bounds = RoundingBounds(weights: model.weights, headOutputs: headOutputs, base: base, length: task.inputLength, heads: heads,
                                    unitRoundoff: EvaluationKernel<Float>.unitRoundoff, headReplacements: headReplacement)
        }
        self.path = path
        self.sparseOptions = sparseOptions
        if path == .sparse, ablation.headContributionReplacements.isEmpty {
            sparseModel = SparseBlockModel(fast: self, model: model)
            if sparseModel != nil, sparseOptions.certificates { certificateModel = BlockCertificateModel(fast: self, model: model) }
        }
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
        let v = vocabulary
        forEachBatch(indices) { batch, logits, bounds in
            for (offset, index) in batch.enumerated() {
                var predicted = [UInt8](repeating: 0, count: slots)
                var margins = [Float](repeating: 0, count: slots)
                for slot in 0..<slots {
                    (predicted[slot], margins[slot]) = EvaluationKernel<Float>.decide(logits.baseAddress! + (offset * slots + slot) * v,
                                                                                     vocabulary: v)
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
        return tokens.withUnsafeBufferPointer { tokens in
            (0..<slots).map { slot in
                (0..<heads).map { head in
                    var weights = [Float](repeating: 0, count: length)
                    weights.withUnsafeMutableBufferPointer {
                        kernel.attentionWeights(slot: slot, head: head, tokens: tokens.baseAddress!, into: $0.baseAddress!)
                    }
                    return weights
                }
            }
        }
    }

    /// Each head's contribution `z · W_O` at one answer slot for one question (d_model each).
    public func headContributions(index: Int) -> [[[Float]]] {
        let tokens = task.question(atIndex: index).teacherForcedTokens
        var weights = [Float](repeating: 0, count: length)
        return tokens.withUnsafeBufferPointer { tokens in
            weights.withUnsafeMutableBufferPointer { weights in
                (0..<slots).map { slot in
                    (0..<heads).map { head in
                        kernel.attentionWeights(slot: slot, head: head, tokens: tokens.baseAddress!, into: weights.baseAddress!)
                        var out = [Float](repeating: 0, count: d)
                        out.withUnsafeMutableBufferPointer {
                            kernel.addHeadOutput(into: $0.baseAddress!, slot: slot, head: head, tokens: tokens.baseAddress!,
                                                 weights: UnsafePointer(weights.baseAddress!))
                        }
                        return out
                    }
                }
            }
        }
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

    /// Runs the network on `indices` in batches; `body` gets each batch's indices,
    /// its logits [question][slot][12] and the margin rounding bounds [question][slot].
    func forEachBatch(_ indices: [Int], _ body: ([Int], UnsafeBufferPointer<Float>, [Float]) -> Void) {
        let slots = self.slots
        let scratch = KernelScratch<Float>(shape: kernel.shape, rows: batchSize * slots)
        // `body` reads the scratch's logits through a pointer: the buffers live until the end.
        withExtendedLifetime(scratch) {
        var start = 0
        while start < indices.count {
            let batch = Array(indices[start..<min(indices.count, start + batchSize)])
            start += batch.count
            let rows = batch.count * slots
            kernel.evaluateRows(rows, scratch: scratch) { row, tokens in
                if row % slots == 0 { fillTokens(index: batch[row / slots], into: tokens) }
                return row % slots
            }
            let rowBounds: [Float] = (0..<rows).map { r in
                bounds.logitMarginBound(RowStatistics(scratch.statistics + r * RowStatistics.count))
            }
            body(batch, UnsafeBufferPointer(start: scratch.logits, count: rows * vocabulary), rowBounds)
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
