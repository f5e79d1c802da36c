import AdditionTask
import COpenBLAS
import Foundation

extension FastEvaluator: EvaluationPathReporting {
    /// The chunk size `carrylens enumerate` uses by default for `questions` questions on
    /// `threads` threads: 4096 questions on the dense path. On the sparse path, whose
    /// blocks are formed inside a chunk (larger chunks, larger blocks): 5·10⁵ for n ≥ 4
    /// (five values of a at n = 5, so blocks for A4 and A3 vary a's last digit too;
    /// measured 15% less CPU than 10⁵), and for n ≤ 3 half of all questions; at most
    /// the questions divided by the threads (rounded up), so that a shard smaller than
    /// threads × 5·10⁵ still keeps every thread busy. Decisions do not depend on it.
    public static func defaultChunkSize(path: FastEvaluationPath, task: AdditionTask, questions: Int, threads: Int) -> Int {
        switch path {
        case .dense: return 4096
        case .sparse:
            let all = task.operandCount * task.operandCount
            let preferred = task.digitCount >= 4 ? 500_000 : max(1, all / 2)
            let share = (max(1, questions) + max(1, threads) - 1) / max(1, threads)
            return min(preferred, share)
        }
    }

    /// What this evaluator has computed so far, by path (for `timing.json`).
    public func evaluationPathReport() -> EvaluationPathReport {
        counters.report(path: sparseModel == nil ? .dense : .sparse, neurons: m)
    }

    /// The sound neuron classification of one block: the questions `indices` at answer
    /// position `slot` (0 = A(n)), as the sparse path computes it. Exposed so tests can
    /// check it against the reference pass question by question. Nil on an evaluator
    /// without a sparse path.
    public func neuronClassification(slot: Int, indices: [Int]) -> NeuronClassification? {
        guard let sparse = sparseModel, !indices.isEmpty else { return nil }
        let scratch = KernelScratch<Float>(shape: kernel.shape, rows: sparseOptions.rowsPerProduct)
        let residuals = UnsafeMutablePointer<Float>.allocate(capacity: indices.count * d)
        defer { residuals.deallocate() }
        return classify(sparse, slot: slot, indices: indices, offsets: Array(indices.indices), scratch: scratch, residuals: residuals)
    }

    /// The block key of question `index` at `slot`: its digits (a and b) in `columns`, then
    /// a's digit in `aColumn` if one is given.
    static func blockKey(index: Int, columns: [Int], aColumn: Int? = nil, operandCount: Int) -> Int {
        let a = index / operandCount, b = index % operandCount
        var key = 0
        for column in columns {
            let place = power10(column)
            key = key * 100 + ((a / place) % 10) * 10 + (b / place) % 10
        }
        if let aColumn { key = key * 10 + (a / power10(aColumn)) % 10 }
        return key
    }

    /// The blocks of `indices` at `slot`: offsets into `indices` grouped by the digits in
    /// the slot's fixed columns, in order of their key (the fixed columns' digits, the
    /// digit's own column most significant), so that consecutive blocks differ in the
    /// columns that matter least to the digit and share most always-active neurons (their
    /// certificate functionals are updated rather than formed anew). They tile `indices` exactly.
    ///
    /// The blocks fix the first ``SparseBlockOptions/fixedColumnDepth`` columns of
    /// ``SparseBlockModel/columnOrder(slot:digitCount:)``, or fewer when too few questions
    /// of the chunk would be in blocks of at least ``SparseBlockOptions/minimumBlockSize``
    /// (under nine in ten): a chunk is a range of consecutive a, so a low digit whose
    /// fixed columns include a's varying ones gets blocks of a few questions (n = 4,
    /// chunks of fifty values of a). `depth` is the number of columns fixed. Then, when all
    /// `fixedColumnDepth` columns are fixed and the blocks still pass that test with it,
    /// a's digit in the next column of the order is fixed too (`aColumn`): a varies over
    /// few values in a chunk, so this splits a block only where the chunk holds several
    /// values of that digit, and keeps b's digits free (n = 5, chunks of five values of a:
    /// A3's blocks of 500 questions mixed a0's five values and were too loose for
    /// certificates; split by a0, 100 questions each, 78 % of A3's rows were certified and
    /// the shard below took 66 instead of 72 CPU-s. At n = 4, A2's blocks, which fix two
    /// columns only, were not helped by it: certificates still failed, and 13 % more CPU).
    func blocks(slot: Int, indices: [Int]) -> (blocks: [[Int]], depth: Int, aColumn: Int?) {
        func grouping(_ columns: [Int], _ aColumn: Int?) -> (blocks: [[Int]], covers: Bool) {
            var blockOf: [Int: Int] = [:]
            var blocks: [[Int]] = []
            var keys: [Int] = []
            for (offset, index) in indices.enumerated() {
                let key = Self.blockKey(index: index, columns: columns, aColumn: aColumn, operandCount: task.operandCount)
                if let block = blockOf[key] {
                    blocks[block].append(offset)
                } else {
                    blockOf[key] = blocks.count
                    blocks.append([offset])
                    keys.append(key)
                }
            }
            let covered = blocks.reduce(0) { $0 + ($1.count >= sparseOptions.minimumBlockSize ? $1.count : 0) }
            return (blocks.indices.sorted { keys[$0] < keys[$1] }.map { blocks[$0] }, 10 * covered >= 9 * indices.count)
        }
        let order = SparseBlockModel.columnOrder(slot: slot, digitCount: task.digitCount)
        var depth = max(1, sparseOptions.fixedColumnDepth)
        while true {
            let columns = SparseBlockModel.fixedColumns(slot: slot, digitCount: task.digitCount, depth: depth)
            let plain = grouping(columns, nil)
            if depth == 1 || plain.covers {
                if depth == max(1, sparseOptions.fixedColumnDepth), columns.count < order.count {
                    let next = order[columns.count]
                    let finer = grouping(columns, next)
                    if finer.blocks.count > plain.blocks.count, finer.covers { return (finer.blocks, depth, next) }
                }
                return (plain.blocks, depth, nil)
            }
            depth -= 1
        }
    }

    /// Blocks per answer position and chunk classified before giving up on a position
    /// whose blocks all have too many live neurons.
    static let probeBlocks = 4

    /// The sparse path: per answer position, block by block; see ``FastEvaluationPath/sparse``.
    func evaluateSparse(indices: [Int], sparse: SparseBlockModel) -> [QuestionEvaluation] {
        let count = indices.count, slots = self.slots
        var predicted = [UInt8](repeating: 0, count: count * slots)
        var margins = [Float](repeating: 0, count: count * slots)
        var rowBounds = [Float](repeating: 0, count: count * slots)
        let options = sparseOptions
        let scratch = KernelScratch<Float>(shape: kernel.shape, rows: options.rowsPerProduct)
        let gatheredIn = UnsafeMutablePointer<Float>.allocate(capacity: m * d)
        let gatheredOut = UnsafeMutablePointer<Float>.allocate(capacity: m * d)
        let gatheredBias = UnsafeMutablePointer<Float>.allocate(capacity: m)
        let foldScratch = options.fold == .never ? nil : FoldScratch(d: d, m: m)
        let certificateScratch = certificateModel == nil ? nil : CertificateScratch(d: d, m: m, v: vocabulary)
        defer { foldScratch?.release() }
        // The current block's residuals: computed once for the classification, then
        // taken through the MLP in place.
        var residualCapacity = 0
        var residuals = UnsafeMutablePointer<Float>.allocate(capacity: 0)
        defer { gatheredIn.deallocate(); gatheredOut.deallocate(); gatheredBias.deallocate(); residuals.deallocate() }
        predicted.withUnsafeMutableBufferPointer { predictedOut in
        margins.withUnsafeMutableBufferPointer { marginsOut in
        rowBounds.withUnsafeMutableBufferPointer { boundsOut in
        let output = RowOutput(predicted: predictedOut.baseAddress!, margins: marginsOut.baseAddress!, bounds: boundsOut.baseAddress!)
        let work = SparseWork(gatheredIn: gatheredIn, gatheredOut: gatheredOut, gatheredBias: gatheredBias, fold: foldScratch,
                              certificate: certificateScratch)
        for slot in 0..<slots {
            var denseOffsets: [Int] = []
            // When the first blocks of a position in this chunk all have too many live
            // neurons, the rest of the position runs dense without classifying (a
            // model without activation sparsity, e.g. random weights, pays little).
            var classifiedBlocks = 0, fellBack = 0
            var useCertificates = true, probedRows = 0, probedCertified = 0
            let (slotBlocks, depth, _) = blocks(slot: slot, indices: indices)
            let refinement = refinementColumns(slot: slot, depth: depth)
            for block in slotBlocks {
                if block.count < options.minimumBlockSize
                    || (classifiedBlocks >= Self.probeBlocks && fellBack == classifiedBlocks) {
                    denseOffsets += block
                    continue
                }
                let started = DispatchTime.now().uptimeNanoseconds
                if block.count > residualCapacity {
                    residuals.deallocate()
                    residualCapacity = block.count
                    residuals = .allocate(capacity: residualCapacity * d)
                }
                let classification = classify(sparse, slot: slot, indices: indices, offsets: block, scratch: scratch,
                                              residuals: residuals)
                let classified = DispatchTime.now().uptimeNanoseconds
                counters.addClassification(seconds: Double(classified - started) / 1e9)
                classifiedBlocks += 1
                if Double(classification.live.count) > options.maximumLiveFraction * Double(m) { fellBack += 1 }
                let certified = settle(certificates: useCertificates, slot: slot, indices: indices, offsets: block,
                                       residuals: residuals, classification: classification, refinement: refinement[...],
                                       since: classified, sparse: sparse, scratch: scratch, output: output, work: work)
                // When certificates settle under a quarter of the first blocks' rows, the rest
                // of the position in this chunk is only evaluated (they cost more than they save).
                if classifiedBlocks <= Self.probeBlocks {
                    probedRows += block.count
                    probedCertified += certified
                    if classifiedBlocks == Self.probeBlocks, 4 * probedCertified < probedRows { useCertificates = false }
                }
            }
            let started = DispatchTime.now().uptimeNanoseconds
            for start in stride(from: 0, to: denseOffsets.count, by: options.rowsPerProduct) {
                let part = denseOffsets[start..<min(denseOffsets.count, start + options.rowsPerProduct)]
                runRows(slot: slot, indices: indices, offsets: part, neurons: nil, scratch: scratch, output: output)
            }
            if !denseOffsets.isEmpty {
                counters.addDense(rows: denseOffsets.count, neurons: m,
                                  seconds: Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9)
            }
        }
        }
        }
        }
        return indices.indices.map { offset in
            let range = (offset * slots)..<((offset + 1) * slots)
            return QuestionEvaluation(index: indices[offset], predicted: Array(predicted[range]), margins: Array(margins[range]),
                                      roundingBounds: Array(rowBounds[range]))
        }
    }

    /// Classifies the neurons over the block `offsets` (into `indices`) at `slot`: token
    /// sets from the questions, LN2 scale range from their fast-path residuals, which are
    /// left in `residuals` (offsets.count × d).
    func classify(_ sparse: SparseBlockModel, slot: Int, indices: [Int], offsets: [Int], scratch: KernelScratch<Float>,
                  residuals: UnsafeMutablePointer<Float>) -> NeuronClassification {
        var tokenSets = [UInt16](repeating: 0, count: length)
        var centredNorms: [Double] = []
        centredNorms.reserveCapacity(offsets.count)
        let d = self.d
        for start in stride(from: 0, to: offsets.count, by: scratch.rows) {
            let part = offsets[start..<min(offsets.count, start + scratch.rows)]
            computeResiduals(slot: slot, indices: indices, offsets: part, scratch: scratch, into: residuals + start * d) { tokens in
                for p in 0..<length { tokenSets[p] |= UInt16(1) << UInt16(tokens[p]) }
            }
            for r in 0..<part.count { centredNorms.append(ResidualNorms(residuals + (start + r) * d, count: d).centred) }
        }
        return sparse.classify(slot: slot, equalsPosition: task.equalsPosition, tokenSets: tokenSets,
                               scale: sparse.scaleRange(centredNorms: centredNorms), slack: sparseOptions.slack)
    }

    /// The attention part of the fast path for rows (question `indices[offset]`, `slot`):
    /// residual_mid into `into` (default `scratch.residual`), in exactly the dense path's
    /// operations. `seeTokens` gets each question's tokens.
    func computeResiduals(slot: Int, indices: [Int], offsets: ArraySlice<Int>, scratch: KernelScratch<Float>,
                          into target: UnsafeMutablePointer<Float>? = nil,
                          seeTokens: (UnsafeMutablePointer<Int>) -> Void = { _ in }) {
        let target = target ?? scratch.residual
        let d = self.d
        let tokens = scratch.tokens, weights = scratch.weights
        for (r, offset) in offsets.enumerated() {
            fillTokens(index: indices[offset], into: tokens)
            seeTokens(tokens)
            kernel.mixAttention(into: target + r * d, slot: slot, tokens: tokens, weights: weights)
        }
    }

    /// Evaluates rows (question `indices[offset]`, `slot`) through LN2, the MLP over
    /// `neurons` (all when nil; with `fold`, plus the block's folded always-active neurons),
    /// LN_final and the unembedding, and writes each row's
    /// predicted digit, margin and rounding bound into `output` at offset · slots + slot.
    /// `residuals`, when given, holds the rows' residuals already (and is overwritten).
    func runRows(slot: Int, indices: [Int], offsets: ArraySlice<Int>, neurons: GatheredNeurons<Float>?, scratch: KernelScratch<Float>,
                 output: RowOutput, residuals: UnsafeMutablePointer<Float>? = nil, fold: FoldedMap? = nil) {
        let v = vocabulary
        let rows = offsets.count
        if residuals == nil { computeResiduals(slot: slot, indices: indices, offsets: offsets, scratch: scratch) }
        let residual = residuals ?? scratch.residual, normalized = scratch.normalized, hidden = scratch.hidden
        let logits = scratch.logits, statistics = scratch.statistics
        kernel.mlpAndUnembed(rows: rows, residual: residual, normalized: normalized, hidden: hidden, logits: logits,
                             statistics: statistics, neurons: neurons, fold: fold.map { FoldedTerms(matrix: $0.matrix, bias: $0.bias) })
        for (r, offset) in offsets.enumerated() {
            let at = offset * slots + slot
            (output.predicted[at], output.margins[at]) = EvaluationKernel<Float>.decide(logits + r * v, vocabulary: v)
            output.bounds[at] = bounds.logitMarginBound(RowStatistics(statistics + r * RowStatistics.count), fold: fold?.statistics)
        }
    }
}

/// Where ``FastEvaluator/runRows`` writes its decisions: [question · slots + slot].
struct RowOutput {
    let predicted: UnsafeMutablePointer<UInt8>
    let margins: UnsafeMutablePointer<Float>
    let bounds: UnsafeMutablePointer<Float>
}
