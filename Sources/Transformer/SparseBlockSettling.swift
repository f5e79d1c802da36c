import AdditionTask
import Foundation

/// Work buffers of one ``FastEvaluator/evaluateSparse(indices:sparse:)`` call.
struct SparseWork {
    let gatheredIn: UnsafeMutablePointer<Float>, gatheredOut: UnsafeMutablePointer<Float>, gatheredBias: UnsafeMutablePointer<Float>
    let fold: FoldScratch?
    let certificate: CertificateScratch?
}

extension FastEvaluator {
    /// Rows of a sub-block below which it is not classified again (its rows are evaluated
    /// with the enclosing block's classification). Measured on one thread (shards of 2·10⁵
    /// questions, sparse defaults): 8 / 16 / 64 took 14.4 / 13.1 / 14.7 CPU-s at n = 5
    /// and 16.9 / 13.8 / 11.9 at n = 4 (there, classifying sub-blocks of ten rows costs
    /// more than evaluating them).
    static let minimumSubBlock = 16
    /// Rows below which a block's remaining rows run through the full MLP instead of
    /// gathering the live neurons' weights (the gathering costs more than it saves).
    static let minimumGatheredRows = 16

    /// The columns by which a block at `slot` that fixes `depth` columns and whose
    /// certificate leaves many rows open is split, in order: the next two of
    /// ``SparseBlockModel/columnOrder(slot:digitCount:)`` after the fixed ones.
    func refinementColumns(slot: Int, depth: Int) -> [Int] {
        let n = task.digitCount
        let fixed = SparseBlockModel.fixedColumns(slot: slot, digitCount: n, depth: depth)
        return Array(SparseBlockModel.columnOrder(slot: slot, digitCount: n).dropFirst(fixed.count).prefix(2))
    }

    /// Settles one classified block: rows its certificate settles are written and not
    /// evaluated; if many remain and `refinement` names a column, the remaining rows are
    /// split by that column's digits into sub-blocks, each classified (tighter) and settled
    /// the same way; rows left after that run through the MLP over the neurons the
    /// classification did not prove dead. `residuals` holds the rows' residuals in the order
    /// of `offsets` and is overwritten. With `certificates` false, rows are only evaluated.
    /// Returns how many rows certificates settled.
    @discardableResult
    func settle(certificates: Bool = true, slot: Int, indices: [Int], offsets: [Int], residuals: UnsafeMutablePointer<Float>,
                classification: NeuronClassification, refinement: ArraySlice<Int>, since: UInt64, sparse: SparseBlockModel,
                scratch: KernelScratch<Float>, output: RowOutput, work: SparseWork, functionals: CertificateFunctionals? = nil) -> Int {
        var started = since
        var kept = offsets
        var certifiedRows = 0
        if certificates, let certificateModel, let certificateScratch = work.certificate {
            // A sub-block reuses its parent's functionals: the parent's always-active neurons
            // are active on it too; those only the sub-block proves active enter as intervals.
            let linear = functionals ?? certificateModel.functionals(active: classification.activeNeurons, sparse: sparse,
                                                                     scratch: certificateScratch, slot: slot)
            let results = certificateModel.certify(residuals: residuals, rows: offsets.count, classification: classification,
                                                   functionals: linear, sparse: sparse, slack: sparseOptions.certificateSlack, scratch: certificateScratch)
            kept = []
            kept.reserveCapacity(offsets.count)
            for (r, offset) in offsets.enumerated() {
                if let certified = results[r] {
                    let at = offset * slots + slot
                    output.predicted[at] = certified.token
                    output.margins[at] = Float(certified.marginLowerBound)
                    output.bounds[at] = 0
                } else {
                    if kept.count != r { (residuals + kept.count * d).update(from: residuals + r * d, count: d) }
                    kept.append(offset)
                }
            }
            let certifiedAt = DispatchTime.now().uptimeNanoseconds
            counters.addCertificate(slot: slot, attempted: offsets.count, certified: offsets.count - kept.count,
                                    seconds: Double(certifiedAt - started) / 1e9)
            started = certifiedAt
            certifiedRows = offsets.count - kept.count
            if kept.isEmpty { return certifiedRows }
            if let column = refinement.first, kept.count >= 2 * Self.minimumSubBlock, 4 * kept.count >= offsets.count {
                return certifiedRows + refine(slot: slot, indices: indices, offsets: kept, residuals: residuals, classification: classification,
                       column: column, refinement: refinement.dropFirst(), sparse: sparse, scratch: scratch, output: output, work: work,
                       functionals: linear)
            }
        }
        evaluateRows(slot: slot, indices: indices, offsets: kept, residuals: residuals, classification: classification,
                     since: started, sparse: sparse, scratch: scratch, output: output, work: work,
                     remainder: kept.count < offsets.count)
        return certifiedRows
    }

    /// Splits rows by the digits of `column` into sub-blocks, classifies each from the
    /// residuals already computed, and settles it; sub-blocks too small to classify are
    /// evaluated with `classification` (which holds on them: they are part of its block).
    private func refine(slot: Int, indices: [Int], offsets: [Int], residuals: UnsafeMutablePointer<Float>,
                        classification: NeuronClassification, column: Int, refinement: ArraySlice<Int>, sparse: SparseBlockModel,
                        scratch: KernelScratch<Float>, output: RowOutput, work: SparseWork, functionals: CertificateFunctionals) -> Int {
        var certifiedRows = 0
        var groupOf: [Int: Int] = [:]
        var groups: [[Int]] = []
        for (r, offset) in offsets.enumerated() {
            let key = Self.blockKey(index: indices[offset], columns: [column], operandCount: task.operandCount)
            if let group = groupOf[key] { groups[group].append(r) } else { groupOf[key] = groups.count; groups.append([r]) }
        }
        let large = groups.filter { $0.count >= Self.minimumSubBlock }
        let small = groups.filter { $0.count < Self.minimumSubBlock }.flatMap { $0 }
        // Residual rows regrouped: each large sub-block contiguous, then the small ones.
        let regrouped = UnsafeMutablePointer<Float>.allocate(capacity: offsets.count * d)
        defer { regrouped.deallocate() }
        var at = 0
        for group in large + [small] {
            for r in group {
                (regrouped + at * d).update(from: residuals + r * d, count: d)
                at += 1
            }
        }
        // Neurons dead on the block stay dead on its sub-blocks: only the others are
        // classified again (tighter bounds), on tables restricted to them.
        let switching = classification.live
        let restricted = SparseBlockModel(restricting: sparse, to: switching)
        at = 0
        for group in large {
            let started = DispatchTime.now().uptimeNanoseconds
            let subOffsets = group.map { offsets[$0] }
            let subResiduals = regrouped + at * d
            var subClassification = classification
            if !switching.isEmpty {
                let compact = classifyComputed(restricted, slot: slot, indices: indices, offsets: subOffsets, residuals: subResiduals)
                for (k, neuron) in switching.enumerated() {
                    let i = Int(neuron)
                    subClassification.dead[i] = compact.dead[k]
                    subClassification.active[i] = compact.active[k]
                    subClassification.lowerBounds[i] = compact.lowerBounds[k]
                    subClassification.upperBounds[i] = compact.upperBounds[k]
                }
            }
            let classified = DispatchTime.now().uptimeNanoseconds
            counters.addClassification(seconds: Double(classified - started) / 1e9)
            certifiedRows += settle(slot: slot, indices: indices, offsets: subOffsets, residuals: subResiduals,
                                    classification: subClassification,
                   refinement: refinement, since: classified, sparse: sparse, scratch: scratch, output: output, work: work,
                   functionals: functionals)
            at += group.count
        }
        if !small.isEmpty {
            evaluateRows(slot: slot, indices: indices, offsets: small.map { offsets[$0] }, residuals: regrouped + at * d,
                         classification: classification, since: DispatchTime.now().uptimeNanoseconds, sparse: sparse,
                         scratch: scratch, output: output, work: work, remainder: true)
        }
        return certifiedRows
    }

    /// The classification of rows whose residuals are already computed (in the order of `offsets`).
    func classifyComputed(_ sparse: SparseBlockModel, slot: Int, indices: [Int], offsets: [Int],
                          residuals: UnsafePointer<Float>) -> NeuronClassification {
        var tokenSets = [UInt16](repeating: 0, count: length)
        var centredNorms: [Double] = []
        centredNorms.reserveCapacity(offsets.count)
        let tokens = UnsafeMutablePointer<Int>.allocate(capacity: length)
        defer { tokens.deallocate() }
        for (r, offset) in offsets.enumerated() {
            fillTokens(index: indices[offset], into: tokens)
            for p in 0..<length { tokenSets[p] |= UInt16(1) << UInt16(tokens[p]) }
            centredNorms.append(ResidualNorms(residuals + r * d, count: d).centred)
        }
        return sparse.classify(slot: slot, equalsPosition: task.equalsPosition, tokenSets: tokenSets,
                               scale: sparse.scaleRange(centredNorms: centredNorms), slack: sparseOptions.slack)
    }

    /// Runs rows through LN2, the MLP over the neurons `classification` did not prove dead
    /// (folding the always-active ones where it pays), LN_final and the unembedding; all
    /// neurons when too many are live, or when the rows are what a certificate left of a
    /// block (`remainder`) and too few to pay for gathering the live neurons' weights.
    func evaluateRows(slot: Int, indices: [Int], offsets: [Int], residuals: UnsafeMutablePointer<Float>,
                      classification: NeuronClassification, since started: UInt64, sparse: SparseBlockModel,
                      scratch: KernelScratch<Float>, output: RowOutput, work: SparseWork, remainder: Bool) {
        let options = sparseOptions
        let live = classification.live
        if Double(live.count) > options.maximumLiveFraction * Double(m) || (remainder && offsets.count < Self.minimumGatheredRows) {
            for start in stride(from: 0, to: offsets.count, by: options.rowsPerProduct) {
                let part = offsets[start..<min(offsets.count, start + options.rowsPerProduct)]
                runRows(slot: slot, indices: indices, offsets: part, neurons: nil, scratch: scratch, output: output,
                        residuals: residuals + start * d)
            }
            counters.addDense(rows: offsets.count, neurons: m, seconds: Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9)
            return
        }
        // Fold the always-active neurons into one map where that pays; the products
        // then run over the switching neurons only.
        var fold: FoldedMap?
        var multiplied = live
        if let foldScratch = work.fold, case let active = classification.activeNeurons,
           shouldFold(policy: options.fold, rows: offsets.count, active: active.count) {
            let started = DispatchTime.now().uptimeNanoseconds
            foldScratch.map.pointee.form(active: active, sparse: sparse, bounds: bounds, workIn: foldScratch.workIn,
                                         workOut: foldScratch.workOut, wide: foldScratch.wide)
            fold = foldScratch.map.pointee
            multiplied = classification.switchingNeurons
            counters.addFold(rows: offsets.count, seconds: Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9)
        }
        // Gather the neurons multiplied: rows of W_in transposed and of W_out, and b_in.
        let d = self.d
        sparse.wInTransposed.withUnsafeBufferPointer { wInT in
            for (k, neuron) in multiplied.enumerated() {
                let i = Int(neuron)
                (work.gatheredIn + k * d).update(from: wInT.baseAddress! + i * d, count: d)
                (work.gatheredOut + k * d).update(from: kernel.weights.wOut + i * d, count: d)
                work.gatheredBias[k] = kernel.weights.bIn[i]
            }
        }
        let neurons = GatheredNeurons(count: multiplied.count, inputTransposed: work.gatheredIn, output: work.gatheredOut,
                                      bias: work.gatheredBias)
        for start in stride(from: 0, to: offsets.count, by: options.rowsPerProduct) {
            let part = offsets[start..<min(offsets.count, start + options.rowsPerProduct)]
            runRows(slot: slot, indices: indices, offsets: part, neurons: neurons, scratch: scratch, output: output,
                    residuals: residuals + start * d, fold: fold)
        }
        let dead = classification.deadCount, active = classification.activeCount
        counters.addSparse(rows: offsets.count, dead: dead, active: active, switching: m - dead - active,
                           seconds: Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9)
    }
}
