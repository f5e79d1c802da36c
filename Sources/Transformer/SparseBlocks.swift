import AdditionTask
import COpenBLAS
import Foundation

/// How ``FastEvaluator`` runs the MLP on a range of questions.
public enum FastEvaluationPath: String, Sendable, Codable, CaseIterable {
    /// Every answer row through the full MLP (two `sgemm` over all d_mlp neurons).
    case dense
    /// Per answer position, blocks of questions that share the columns the digit
    /// reads; per block, neurons proved dead on every question of the block are
    /// left out of both products (docs/sparse-evaluation.md). Decisions are the same
    /// as the dense path's: both are certified against exact arithmetic.
    case sparse
}

/// When the sparse path folds a block's always-active neurons into one d_model × d_model
/// affine map (docs/sparse-evaluation.md, "Folding the always-active neurons").
public enum FoldPolicy: String, Sendable, Codable, CaseIterable {
    /// Never: always-active neurons are multiplied with the switching ones.
    case never
    /// When the saving on the block's rows exceeds the cost of forming the map
    /// (``FastEvaluator/foldPays(rows:active:)``).
    case whenItPays
    /// On every block with at least one always-active neuron (for tests: it exercises the
    /// folded rows and their rounding bound on small blocks, where it does not pay).
    case always
}

/// Settings of the sparse path. The defaults are what `carrylens enumerate` uses;
/// tests move them to check that decisions do not depend on them.
public struct SparseBlockOptions: Sendable, Equatable {
    /// Blocks with fewer questions than this run through the dense fallback.
    public var minimumBlockSize: Int
    /// Blocks whose share of neurons that may be live is above this run dense.
    public var maximumLiveFraction: Double
    /// Answer rows per pair of matrix products.
    public var rowsPerProduct: Int
    /// How many columns of ``SparseBlockModel/columnOrder(slot:digitCount:)`` (the digit's
    /// own column k, those below it, then the highest) a block fixes at most; every other
    /// column varies inside the block. 3 by default (k, k−1, k−2 where they exist). A
    /// digit whose blocks would be too small in a chunk fixes fewer
    /// (``FastEvaluator/blocks(slot:indices:)``). Larger blocks (smaller depth) make the
    /// classification looser, smaller ones tighter.
    public var fixedColumnDepth: Int
    /// Added to the upper bound and subtracted from the lower bound of every
    /// pre-activation before classifying (logit units of the pre-activation). Zero by
    /// default; a positive value loosens the classification (fewer neurons dropped,
    /// still sound). A negative value makes it unsound and exists only so tests can
    /// show that their soundness check (`SparseEvaluationTests`) detects an unsound
    /// classification.
    public var slack: Double
    /// When always-active neurons are folded into one affine map per block.
    public var fold: FoldPolicy
    /// Whether classified blocks try block certificates first (rows whose digit the
    /// block's bounds settle are not evaluated; docs/sparse-evaluation.md, "Block certificates").
    public var certificates: Bool
    /// Subtracted from every certified margin lower bound (logits). Zero by default; a
    /// positive value certifies fewer rows (still sound). A negative value makes the
    /// certificate unsound and exists only so tests can show that comparing with the
    /// dense path's decisions catches an unsound certificate.
    public var certificateSlack: Double

    /// The defaults are the sparse path's settings in `carrylens enumerate`.
    public init(minimumBlockSize: Int = 64, maximumLiveFraction: Double = 0.85, rowsPerProduct: Int = 256,
                fixedColumnDepth: Int = 3, slack: Double = 0, fold: FoldPolicy = .whenItPays, certificates: Bool = true,
                certificateSlack: Double = 0) {
        self.fold = fold
        self.certificates = certificates
        self.certificateSlack = certificateSlack
        self.minimumBlockSize = minimumBlockSize
        self.maximumLiveFraction = maximumLiveFraction
        self.rowsPerProduct = rowsPerProduct
        self.fixedColumnDepth = fixedColumnDepth
        self.slack = slack
    }
}

/// What one evaluator computed, by path: recorded in `timing.json` (machine and run
/// dependent, like the timing itself).
public struct EvaluationPathReport: Codable, Equatable, Sendable {
    /// `dense` or `sparse`: the path that was asked for.
    public var path: String
    /// Answer rows (question × answer position) evaluated, in all.
    public var rows: Int
    /// Rows evaluated in blocks with dead neurons left out.
    public var sparseRows: Int
    /// Rows evaluated by the full MLP: the dense path, blocks smaller than the minimum,
    /// blocks with too many live neurons, and evaluators with head replacements.
    public var denseRows: Int
    /// Rows settled by a block certificate without running the row's MLP (their
    /// attention part is computed for the classification anyway).
    public var certificateRows: Int
    /// Rows a certificate was tried on, and the thread-seconds spent trying.
    public var certificateAttemptedRows: Int = 0, certificateSeconds: Double = 0
    /// Per answer slot (A(n) first): rows a certificate was tried on, and rows certified.
    public var certificateAttemptedRowsBySlot: [Int] = [], certificateRowsBySlot: [Int] = []
    /// Blocks classified.
    public var blocks: Int
    /// Mean share of d_mlp neurons per sparse row proved dead, proved always active,
    /// and left that may switch (dead + active + switching = 1).
    public var deadShare: Double, activeShare: Double, switchingShare: Double
    /// Mean share of d_mlp neurons actually multiplied per row, over every row.
    public var computedNeuronShare: Double
    /// Thread-seconds spent in each part (summed over threads): classification of
    /// blocks (including the attention part of their rows, whose residuals the rows
    /// then reuse: work the dense path does too), the rest of the sparse rows, dense rows.
    public var classificationSeconds: Double, sparseSeconds: Double, denseSeconds: Double
    /// Sparse rows whose always-active neurons ran as one folded d_model × d_model map,
    /// the blocks folded, and the thread-seconds spent forming the maps (fp64 `dgemm`).
    public var foldedRows: Int = 0, foldedBlocks: Int = 0, foldSeconds: Double = 0
    /// The products each kind of row ran (for `timing.json`): e.g. "sgemm over the
    /// switching neurons + sgemm by the folded map (formed by dgemm)".
    public var kernels: [String] = []

    enum CodingKeys: String, CodingKey {
        case path, rows, blocks, kernels, foldedRows, foldedBlocks, foldSeconds, sparseRows, denseRows, certificateRows
        case certificateAttemptedRows, certificateSeconds, certificateAttemptedRowsBySlot, certificateRowsBySlot
        case deadShare, activeShare, switchingShare, computedNeuronShare, classificationSeconds, sparseSeconds, denseSeconds
    }

    init(path: String, rows: Int, sparseRows: Int, denseRows: Int, certificateRows: Int, blocks: Int, deadShare: Double,
         activeShare: Double, switchingShare: Double, computedNeuronShare: Double, classificationSeconds: Double,
         sparseSeconds: Double, denseSeconds: Double, foldedRows: Int, foldedBlocks: Int, foldSeconds: Double, kernels: [String]) {
        self.path = path; self.rows = rows; self.sparseRows = sparseRows; self.denseRows = denseRows
        self.certificateRows = certificateRows; self.blocks = blocks; self.deadShare = deadShare; self.activeShare = activeShare
        self.switchingShare = switchingShare; self.computedNeuronShare = computedNeuronShare
        self.classificationSeconds = classificationSeconds; self.sparseSeconds = sparseSeconds; self.denseSeconds = denseSeconds
        self.foldedRows = foldedRows; self.foldedBlocks = foldedBlocks; self.foldSeconds = foldSeconds; self.kernels = kernels
    }

    /// Reads reports written before folding existed (their fold fields are absent: nothing was folded).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        path = try c.decode(String.self, forKey: .path)
        rows = try c.decode(Int.self, forKey: .rows)
        sparseRows = try c.decode(Int.self, forKey: .sparseRows)
        denseRows = try c.decode(Int.self, forKey: .denseRows)
        certificateRows = try c.decode(Int.self, forKey: .certificateRows)
        blocks = try c.decode(Int.self, forKey: .blocks)
        deadShare = try c.decode(Double.self, forKey: .deadShare)
        activeShare = try c.decode(Double.self, forKey: .activeShare)
        switchingShare = try c.decode(Double.self, forKey: .switchingShare)
        computedNeuronShare = try c.decode(Double.self, forKey: .computedNeuronShare)
        classificationSeconds = try c.decode(Double.self, forKey: .classificationSeconds)
        sparseSeconds = try c.decode(Double.self, forKey: .sparseSeconds)
        denseSeconds = try c.decode(Double.self, forKey: .denseSeconds)
        foldedRows = try c.decodeIfPresent(Int.self, forKey: .foldedRows) ?? 0
        foldedBlocks = try c.decodeIfPresent(Int.self, forKey: .foldedBlocks) ?? 0
        foldSeconds = try c.decodeIfPresent(Double.self, forKey: .foldSeconds) ?? 0
        kernels = try c.decodeIfPresent([String].self, forKey: .kernels) ?? []
        certificateAttemptedRows = try c.decodeIfPresent(Int.self, forKey: .certificateAttemptedRows) ?? 0
        certificateSeconds = try c.decodeIfPresent(Double.self, forKey: .certificateSeconds) ?? 0
        certificateAttemptedRowsBySlot = try c.decodeIfPresent([Int].self, forKey: .certificateAttemptedRowsBySlot) ?? []
        certificateRowsBySlot = try c.decodeIfPresent([Int].self, forKey: .certificateRowsBySlot) ?? []
    }
}

/// An evaluator that can say how it evaluated (``EvaluationPathReport``).
public protocol EvaluationPathReporting {
    /// What has been evaluated so far, by path.
    func evaluationPathReport() -> EvaluationPathReport
}

/// Thread-safe running totals behind ``EvaluationPathReport``.
final class EvaluationPathCounters: @unchecked Sendable {
    private let lock = NSLock()
    private var rows = 0, sparseRows = 0, denseRows = 0, blocks = 0
    private var dead = 0.0, active = 0.0, switching = 0.0, computed = 0.0
    private var classificationSeconds = 0.0, sparseSeconds = 0.0, denseSeconds = 0.0
    private var foldedRows = 0, foldedBlocks = 0, foldSeconds = 0.0
    private var certificateRows = 0, certificateAttemptedRows = 0, certificateSeconds = 0.0
    private var attemptedBySlot: [Int] = [], certifiedBySlot: [Int] = []

    /// A block at `slot` on which certificates were tried: its rows, those certified, the time.
    func addCertificate(slot: Int, attempted: Int, certified: Int, seconds: Double) {
        lock.lock(); defer { lock.unlock() }
        rows += certified; certificateRows += certified; certificateAttemptedRows += attempted; certificateSeconds += seconds
        while attemptedBySlot.count <= slot { attemptedBySlot.append(0); certifiedBySlot.append(0) }
        attemptedBySlot[slot] += attempted; certifiedBySlot[slot] += certified
    }

    func addDense(rows count: Int, neurons: Int, seconds: Double) {
        lock.lock(); defer { lock.unlock() }
        rows += count; denseRows += count; computed += Double(count * neurons); denseSeconds += seconds
    }

    func addSparse(rows count: Int, dead d: Int, active a: Int, switching s: Int, seconds: Double) {
        lock.lock(); defer { lock.unlock() }
        rows += count; sparseRows += count
        dead += Double(count * d); active += Double(count * a); switching += Double(count * s)
        computed += Double(count * (a + s)); sparseSeconds += seconds
    }

    /// A block whose always-active neurons were folded: its rows and the time to form the map.
    func addFold(rows count: Int, seconds: Double) {
        lock.lock(); defer { lock.unlock() }
        foldedRows += count; foldedBlocks += 1; foldSeconds += seconds
    }

    func addClassification(seconds: Double) {
        lock.lock(); defer { lock.unlock() }
        blocks += 1; classificationSeconds += seconds
    }

    func report(path: FastEvaluationPath, neurons: Int) -> EvaluationPathReport {
        lock.lock(); defer { lock.unlock() }
        let sparseNeurons = Double(max(1, sparseRows * neurons))
        var report = EvaluationPathReport(
            path: path.rawValue, rows: rows, sparseRows: sparseRows, denseRows: denseRows, certificateRows: certificateRows, blocks: blocks,
            deadShare: dead / sparseNeurons, activeShare: active / sparseNeurons, switchingShare: switching / sparseNeurons,
            computedNeuronShare: computed / Double(max(1, rows * neurons)),
            classificationSeconds: classificationSeconds, sparseSeconds: sparseSeconds, denseSeconds: denseSeconds,
            foldedRows: foldedRows, foldedBlocks: foldedBlocks, foldSeconds: foldSeconds, kernels: kernels(path: path))
        report.certificateAttemptedRows = certificateAttemptedRows
        report.certificateSeconds = certificateSeconds
        report.certificateAttemptedRowsBySlot = attemptedBySlot
        report.certificateRowsBySlot = certifiedBySlot
        return report
    }

    /// The products the rows ran, by kind of row, as far as any ran.
    private func kernels(path: FastEvaluationPath) -> [String] {
        var kernels: [String] = []
        if denseRows > 0 || path == .dense { kernels.append("dense rows: sgemm over all neurons") }
        if sparseRows > foldedRows { kernels.append("sparse rows: sgemm over the neurons not proved dead") }
        if blocks > 0 { kernels.append("classification: dgemm of the query tokens' key weights by the block's widened key rows, per head") }
        if certificateRows > 0 { kernels.append("certified rows: dgemm of the residuals by the block's certificate functionals") }
        if foldedRows > 0 {
            kernels.append("folded rows: sgemm over the switching neurons + sgemm by the block's folded map (formed by dgemm, rounded to fp32)")
        }
        return kernels
    }
}

/// A sound classification of the MLP neurons over one block of questions at one
/// answer position: per neuron, whether its exact pre-activation is ≤ 0 on every
/// question of the block (dead), > 0 on every one (always active), or neither.
public struct NeuronClassification: Sendable, Equatable {
    /// Per neuron: dead on the whole block.
    public var dead: [Bool]
    /// Per neuron: active on the whole block.
    public var active: [Bool]
    /// Per neuron: sound lower and upper bounds on the exact pre-activation over every
    /// question of the block (the bounds the classification compared with 0, padded for
    /// its own rounding). Block certificates (``BlockCertificateModel``) use them.
    public var lowerBounds: [Double] = [], upperBounds: [Double] = []
    /// Neurons that must be computed (not dead), ascending.
    public var live: [Int32] {
        var result: [Int32] = []
        for i in dead.indices where !dead[i] { result.append(Int32(i)) }
        return result
    }
    /// Neurons always active (and not also declared dead) on the whole block, ascending.
    public var activeNeurons: [Int32] {
        var result: [Int32] = []
        for i in active.indices where active[i] && !dead[i] { result.append(Int32(i)) }
        return result
    }
    /// Neurons neither dead nor always active (they may switch inside the block), ascending.
    public var switchingNeurons: [Int32] {
        var result: [Int32] = []
        for i in dead.indices where !dead[i] && !active[i] { result.append(Int32(i)) }
        return result
    }
    /// How many neurons are dead on the whole block.
    public var deadCount: Int { dead.lazy.filter { $0 }.count }
    /// How many neurons are active on the whole block.
    public var activeCount: Int { active.lazy.filter { $0 }.count }
}

/// The fp64 precomputation behind the neuron classification, for one model.
///
/// For neuron i the exact pre-activation of an answer row with residual r is
/// z_i = s·(u_i·r) + c_i, with s = 1/√(var(r) + ε) LN2's scale, u_i = γ₂⊙W_in[:, i]
/// minus its mean (centring moves into the weights) and c_i = β₂·W_in[:, i] + b_in[i].
/// u_i·r is linear in r, and r is the query's base row plus, per head, a convex
/// combination (the softmax weights) of table rows: so per (head, position, token) the
/// projection u_i·(V·W_O) is tabulated here once, and a block's bound on u_i·r is a
/// bound on convex combinations of tabulated values. docs/sparse-evaluation.md gives
/// the argument in full.
final class SparseBlockModel: @unchecked Sendable {
    let d: Int, m: Int, heads: Int, vocabulary: Int, length: Int, slots: Int
    /// projectedHeads[((head · length + position) · 12 + token) · m + i] = u_i · (V·W_O)[head, position, token],
    /// computed in fp64 and stored rounded to the nearest fp32 value (half the memory the
    /// classification streams); every value read is widened by ``widenedUp(_:)`` /
    /// ``widenedDown(_:)``, which enclose the fp64 value.
    let projectedHeads: [Float]
    /// projectedBase[(slot · 12 + token) · m + i] = u_i · base[slot, token], stored the same way.
    let projectedBase: [Float]
    /// ``digitExtremes(_:heads:length:vocabulary:m:)`` of the fp64 `projectedHeads`, stored the same way.
    let digitExtremes: [Float]
    /// c_i.
    let offset: [Double]
    /// Per neuron, a bound on |u_i · r| over every residual the tables can produce
    /// (Σ_j |u_ji|·A_j) and on |c_i|'s terms: scales of the fp64 rounding pad.
    let projectionScale: [Double], offsetScale: [Double]
    /// fp64 copies of the score table, [((head · slots + slot) · 12 + queryToken) · length · 12 + key · 12 + keyToken].
    let scores: [Double]
    /// Bound on ‖r̃ − r‖₂ of a fast-path residual (step 1 of ``RoundingBounds``).
    let residualError: Double
    let eps: Double
    /// W_in transposed (neuron-major, m × d) and W_out (m × d), fp32, for gathering live neurons.
    let wInTransposed: [Float]
    /// The same two matrices in fp64 (exactly the fp32 values), from which a block's folded
    /// map of its always-active neurons is formed (``FoldedMap``).
    let wInTransposedWide: [Double], wOutWide: [Double], bInWide: [Double]
    /// u_i (neuron-major, m × d, fp64) and ‖u_i‖₂, for block certificates (``BlockCertificateModel``).
    let uTransposed: [Double], uNorms: [Double]

    /// Relative padding for the classification's own fp64 arithmetic (its errors are
    /// below 10⁻¹³ relative; the pad is 10⁴ times that).
    static let relativePad = 1e-9

    /// Nil when a projection does not fit fp32 (the evaluator then runs dense).
    init?(fast: FastEvaluator, model: AdditionModel) {
        let w = model.weights
        let d = fast.d, m = fast.m, v = fast.vocabulary
        self.d = d; self.m = m; heads = fast.heads; vocabulary = v; length = fast.length; slots = fast.slots
        eps = Double(fast.kernel.weights.eps)
        let gamma = w.ln2Weight.map(Double.init), beta = w.ln2Bias.map(Double.init)
        // u (d × m, row-major) and c.
        var u = [Double](repeating: 0, count: d * m)
        var offset = w.bIn.map(Double.init)
        var offsetScale = w.bIn.map { abs(Double($0)) }
        for j in 0..<d {
            for i in 0..<m {
                let weight = Double(w.wIn[j * m + i])
                u[j * m + i] = gamma[j] * weight
                offset[i] += beta[j] * weight
                offsetScale[i] += abs(beta[j] * weight)
            }
        }
        var means = [Double](repeating: 0, count: m)
        for j in 0..<d { for i in 0..<m { means[i] += u[j * m + i] } }
        for i in 0..<m { means[i] /= Double(d) }
        for j in 0..<d { for i in 0..<m { u[j * m + i] -= means[i] } }
        var uTransposed = [Double](repeating: 0, count: m * d)
        var uNorms = [Double](repeating: 0, count: m)
        for j in 0..<d {
            for i in 0..<m {
                uTransposed[i * d + j] = u[j * m + i]
                uNorms[i] += u[j * m + i] * u[j * m + i]
            }
        }
        self.uTransposed = uTransposed
        self.uNorms = uNorms.map { $0.squareRoot() }
        let tables = fast.doubleTables
        let headRows = heads * length * v
        var projectedHeads = [Double](repeating: 0, count: headRows * m)
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(headRows), Int32(m), Int32(d),
                    1, tables.headOutputs, Int32(d), u, Int32(m), 0, &projectedHeads, Int32(m))
        let baseRows = slots * v
        var projectedBase = [Double](repeating: 0, count: baseRows * m)
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(baseRows), Int32(m), Int32(d),
                    1, tables.base, Int32(d), u, Int32(m), 0, &projectedBase, Int32(m))
        // A_j: the largest |r_j| any table combination can give.
        var a = [Double](repeating: 0, count: d)
        for row in stride(from: 0, to: tables.base.count, by: d) {
            for j in 0..<d { a[j] = max(a[j], abs(tables.base[row + j])) }
        }
        let perHead = length * v * d
        for head in 0..<heads {
            var headMax = [Double](repeating: 0, count: d)
            for row in stride(from: head * perHead, to: (head + 1) * perHead, by: d) {
                for j in 0..<d { headMax[j] = max(headMax[j], abs(tables.headOutputs[row + j])) }
            }
            for j in 0..<d { a[j] += headMax[j] }
        }
        var projectionScale = [Double](repeating: 0, count: m)
        for j in 0..<d { for i in 0..<m { projectionScale[i] += abs(u[j * m + i]) * a[j] } }
        // Stored in fp32: a model whose projections do not fit fp32 has no sparse path.
        let storedHeads = projectedHeads.map { Float($0) }, storedBase = projectedBase.map { Float($0) }
        guard storedHeads.allSatisfy(\.isFinite), storedBase.allSatisfy(\.isFinite) else { return nil }
        self.projectedHeads = storedHeads
        digitExtremes = Self.digitExtremes(projectedHeads, heads: fast.heads, length: fast.length, vocabulary: v, m: m).map { Float($0) }
        self.projectedBase = storedBase
        self.offset = offset
        self.offsetScale = offsetScale
        self.projectionScale = projectionScale
        scores = tables.scores
        residualError = fast.bounds.gamma(4 * fast.length + 16) * fast.bounds.residualNorm
        var transposed = [Float](repeating: 0, count: m * d)
        for j in 0..<d { for i in 0..<m { transposed[i * d + j] = w.wIn[j * m + i] } }
        wInTransposed = transposed
        wInTransposedWide = transposed.map(Double.init)
        wOutWide = w.wOut.map(Double.init)
        bInWide = w.bIn.map(Double.init)
    }

    /// The tables of `parent` restricted to `neurons` (ascending): a model whose neuron k is
    /// the parent's neurons[k], for classifying a sub-block only on the neurons its block's
    /// classification left switching (dead and always-active ones stay so on any subset).
    /// Only what ``classify`` reads is kept.
    init(restricting parent: SparseBlockModel, to neurons: [Int32]) {
        let count = neurons.count, v = parent.vocabulary, pm = parent.m
        d = parent.d; m = count; heads = parent.heads; vocabulary = v; length = parent.length; slots = parent.slots
        func gather<Element: BinaryFloatingPoint>(_ table: [Element]) -> [Element] {
            let rows = table.count / pm
            var result = [Element](repeating: 0, count: rows * count)
            table.withUnsafeBufferPointer { source in
                result.withUnsafeMutableBufferPointer { target in
                    for row in 0..<rows {
                        let from = source.baseAddress! + row * pm, to = target.baseAddress! + row * count
                        for (k, neuron) in neurons.enumerated() { to[k] = from[Int(neuron)] }
                    }
                }
            }
            return result
        }
        projectedHeads = gather(parent.projectedHeads)
        projectedBase = gather(parent.projectedBase)
        digitExtremes = gather(parent.digitExtremes)
        offset = gather(parent.offset)
        projectionScale = gather(parent.projectionScale)
        offsetScale = gather(parent.offsetScale)
        scores = parent.scores
        residualError = parent.residualError
        eps = parent.eps
        wInTransposed = []; wInTransposedWide = []; wOutWide = []; bInWide = []; uTransposed = []; uNorms = []
    }

    /// The columns in the order blocks for `slot` fix them: the digit's own column
    /// k = n − slot and those below it (k, k−1, …, 0, within 0..<n), then those above it
    /// from the highest down (after its own carry chain, a digit's certificates depend on
    /// the high columns most: measured on the n = 5 fixture).
    static func columnOrder(slot: Int, digitCount n: Int) -> [Int] {
        let k = n - slot
        let below = stride(from: min(k, n - 1), through: 0, by: -1).map { $0 }
        let above = stride(from: n - 1, to: k, by: -1).map { $0 }
        return below + above
    }

    /// The columns a block for `slot` fixes: the first `depth` of ``columnOrder(slot:digitCount:)``;
    /// if that is every column, the last is left to vary so that blocks have more than one question.
    static func fixedColumns(slot: Int, digitCount n: Int, depth: Int) -> [Int] {
        let order = columnOrder(slot: slot, digitCount: n)
        return Array(order.prefix(min(max(1, depth), n > 1 ? n - 1 : n)))
    }

    /// Sound bounds on LN2's scale s = 1/√(var(r) + ε) over rows whose fast-path
    /// residuals have centred norms `centredNorms` (computed in fp64 from the fp32
    /// residuals): the exact residual is within ``residualError`` of each.
    func scaleRange(centredNorms: [Double]) -> (low: Double, high: Double) {
        var largest = 0.0, smallest = Double.infinity
        for norm in centredNorms {
            let padded = residualError + norm * Self.relativePad
            largest = max(largest, norm + padded)
            smallest = min(smallest, max(0, norm - padded))
        }
        let dd = Double(d)
        let low = 1 / (largest * largest / dd + eps).squareRoot() * (1 - Self.relativePad)
        let high = 1 / (smallest * smallest / dd + eps).squareRoot() * (1 + Self.relativePad)
        return (low, high)
    }

    /// Classifies every neuron over a block at `slot` whose questions have, at input
    /// position p, tokens among `tokenSets[p]` (bit t set: token t occurs), and whose
    /// LN2 scales lie in `scale`.
    ///
    /// For every query token q of the block and neuron i it bounds u_i · r (see
    /// docs/sparse-evaluation.md): the base row, then per head
    /// w_own(q) · own(q)[i] + Σ_keys w_key(q) · high_key[i] + free(q) · max(own(q)[i], max_keys high_key[i])
    /// (and the lower bound likewise with the low rows and minima). The key rows do not
    /// depend on q: they are widened into fp64 once per head, and the weighted sums of all
    /// query tokens are one product (q × keys) · (keys × m) (``weightedKeySums``).
    func classify(slot: Int, equalsPosition: Int, tokenSets: [UInt16], scale: (low: Double, high: Double),
                  slack: Double) -> NeuronClassification {
        let m = self.m, v = vocabulary, length = self.length, slots = self.slots
        let queryPosition = equalsPosition + slot
        let keys = queryPosition + 1
        func tokens(_ mask: UInt16) -> [Int] { (0..<v).filter { mask & (1 << $0) != 0 } }
        let keyTokens = (0..<keys).map { tokens(tokenSets[$0]) }
        let queryTokens = keyTokens[queryPosition]
        let q = queryTokens.count
        let pad = Self.relativePad
        // Per (query token, head): the keys' softmax weight lower bounds, and the free mass's enclosure.
        var weightLow = [Double](repeating: 0, count: q * heads * keys)
        var freeHigh = [Double](repeating: 0, count: q * heads), freeLow = freeHigh
        var scoreLow = [Double](repeating: 0, count: keys), scoreHigh = scoreLow
        for (t, queryToken) in queryTokens.enumerated() {
            for head in 0..<heads {
                // Bounds on each key's score, then on its softmax weight from below.
                let scoreRow = ((head * slots + slot) * v + queryToken) * length * v
                for key in 0..<keys {
                    var low = Double.infinity, high = -Double.infinity
                    if key == queryPosition {
                        low = scores[scoreRow + key * v + queryToken]; high = low
                    } else {
                        for token in keyTokens[key] {
                            let score = scores[scoreRow + key * v + token]
                            low = min(low, score); high = max(high, score)
                        }
                    }
                    scoreLow[key] = low; scoreHigh[key] = high
                }
                let row = (t * heads + head) * keys
                var massBelow = 0.0
                for key in 0..<keys {
                    // w_key ≥ 1 / (1 + Σ_{q≠key} exp(high_q − low_key)).
                    var others = 0.0
                    for other in 0..<keys where other != key { others += Foundation.exp(scoreHigh[other] - scoreLow[key]) }
                    let weight = 1 / (1 + others) * (1 - pad)
                    weightLow[row + key] = weight.isFinite ? max(0, weight) : 0
                    massBelow += weightLow[row + key]
                }
                // Mass not pinned down by the lower bounds (exactly 1 − Σ lower bounds),
                // enclosed in [freeLow, freeHigh] against this sum's own rounding.
                freeHigh[t * heads + head] = min(1, max(0, 1 - massBelow) + pad)
                freeLow[t * heads + head] = max(0, 1 - massBelow - pad)
            }
        }
        // upper / lower [q][m]: bounds on u_i · r per query token, from the base row on.
        let upper = UnsafeMutablePointer<Double>.allocate(capacity: q * m)
        let lower = UnsafeMutablePointer<Double>.allocate(capacity: q * m)
        let others = queryPosition
        let highRows = UnsafeMutablePointer<Double>.allocate(capacity: others * m)
        let lowRows = UnsafeMutablePointer<Double>.allocate(capacity: others * m)
        let keyHigh = UnsafeMutablePointer<Double>.allocate(capacity: m)
        let keyLow = UnsafeMutablePointer<Double>.allocate(capacity: m)
        let weights = UnsafeMutablePointer<Double>.allocate(capacity: max(1, q * others))
        defer {
            upper.deallocate(); lower.deallocate(); highRows.deallocate(); lowRows.deallocate()
            keyHigh.deallocate(); keyLow.deallocate(); weights.deallocate()
        }
        projectedHeads.withUnsafeBufferPointer { headTable in
        projectedBase.withUnsafeBufferPointer { baseTable in
        digitExtremes.withUnsafeBufferPointer { extremes in
            let table = headTable.baseAddress!
            for (t, queryToken) in queryTokens.enumerated() {
                let base = baseTable.baseAddress! + (slot * v + queryToken) * m
                let up = upper + t * m, down = lower + t * m
                for i in 0..<m {
                    up[i] = Self.widenedUp(base[i])
                    down[i] = Self.widenedDown(base[i])
                }
            }
            for head in 0..<heads {
                Self.keyRows(head: head, keys: others, keyTokens: keyTokens, tokenSets: tokenSets, table: table,
                             extremes: extremes.baseAddress!, length: length, vocabulary: v, m: m,
                             highRows: highRows, lowRows: lowRows, keyHigh: keyHigh, keyLow: keyLow)
                for t in 0..<q {
                    for key in 0..<others { weights[t * others + key] = weightLow[(t * heads + head) * keys + key] }
                }
                Self.weightedKeySums(queries: q, keys: others, m: m, weights: weights, rows: highRows, into: upper)
                Self.weightedKeySums(queries: q, keys: others, m: m, weights: weights, rows: lowRows, into: lower)
                for (t, queryToken) in queryTokens.enumerated() {
                    // The query position's own token is the query token.
                    let own = table + ((head * length + queryPosition) * v + queryToken) * m
                    let ownWeight = weightLow[(t * heads + head) * keys + queryPosition]
                    let freeUp = freeHigh[t * heads + head], freeDown = freeLow[t * heads + head]
                    let up = upper + t * m, down = lower + t * m
                    for i in 0..<m {
                        let high = Self.widenedUp(own[i]), low = Self.widenedDown(own[i])
                        let maxHigh = max(high, keyHigh[i]), minLow = min(low, keyLow[i])
                        up[i] += ownWeight * high + (maxHigh >= 0 ? freeUp : freeDown) * maxHigh
                        down[i] += ownWeight * low + (minLow <= 0 ? freeUp : freeDown) * minLow
                    }
                }
            }
        }
        }
        }
        // The bound on z_i below is an increasing function of the bound on u_i · r (fp64
        // rounding is monotone, and both branches meet at 0), so its extreme over the query
        // tokens is its value at their extreme: reduce the query tokens first (a NaN stays).
        for t in 1..<max(1, q) {
            let up = upper + t * m, down = lower + t * m
            for i in 0..<m {
                if up[i] > upper[i] || up[i].isNaN { upper[i] = up[i] }
                if down[i] < lower[i] || down[i].isNaN { lower[i] = down[i] }
            }
        }
        // Without a query token nothing bounds the block: every neuron is left both dead and
        // active (±∞ bounds), as an empty block's classification.
        var upperBounds = [Double](repeating: -.infinity, count: m)
        var lowerBounds = [Double](repeating: .infinity, count: m)
        for i in 0..<m where q > 0 {
            let margin = pad * (offsetScale[i] + scale.high * projectionScale[i]) + slack
            let up = upper[i], down = lower[i]
            let zHigh = (up >= 0 ? scale.high * up : scale.low * up) + offset[i] + margin
            let zLow = (down >= 0 ? scale.low * down : scale.high * down) + offset[i] - margin
            upperBounds[i] = zHigh.isNaN ? .infinity : zHigh
            lowerBounds[i] = zLow.isNaN ? -.infinity : zLow
        }
        // A NaN bound was stored as ±∞, which decides neither way, as NaN would.
        let dead = upperBounds.map { $0 <= 0 }, active = lowerBounds.map { $0 > 0 }
        return NeuronClassification(dead: dead, active: active, lowerBounds: lowerBounds, upperBounds: upperBounds)
    }

    /// Head `head`'s key rows over a block, widened into fp64: highRows[key][i] at least
    /// the largest fp64 projection over the key's tokens, lowRows[key][i] at most the
    /// smallest (the precomputed extremes of a key with all ten digits, the table row of
    /// a single token, else the stored maximum and minimum over its tokens, widened once);
    /// keyHigh[i] / keyLow[i] their maximum / minimum over the keys.
    static func keyRows(head: Int, keys: Int, keyTokens: [[Int]], tokenSets: [UInt16], table: UnsafePointer<Float>,
                        extremes: UnsafePointer<Float>, length: Int, vocabulary v: Int, m: Int,
                        highRows: UnsafeMutablePointer<Double>, lowRows: UnsafeMutablePointer<Double>,
                        keyHigh: UnsafeMutablePointer<Double>, keyLow: UnsafeMutablePointer<Double>) {
        keyHigh.update(repeating: -.infinity, count: m)
        keyLow.update(repeating: .infinity, count: m)
        for key in 0..<keys {
            let high = highRows + key * m, low = lowRows + key * m
            let candidates = keyTokens[key]
            if tokenSets[key] == allDigits || candidates.count == 1 {
                let highSource, lowSource: UnsafePointer<Float>
                if tokenSets[key] == allDigits {
                    highSource = extremes + (head * length + key) * 2 * m
                    lowSource = highSource + m
                } else {
                    highSource = table + ((head * length + key) * v + candidates[0]) * m
                    lowSource = highSource
                }
                for i in 0..<m {
                    high[i] = widenedUp(highSource[i]); low[i] = widenedDown(lowSource[i])
                    keyHigh[i] = max(keyHigh[i], high[i]); keyLow[i] = min(keyLow[i], low[i])
                }
                continue
            }
            let first = table + ((head * length + key) * v + candidates[0]) * m
            for i in 0..<m { high[i] = Double(first[i]); low[i] = high[i] }
            for token in candidates.dropFirst() {
                let row = table + ((head * length + key) * v + token) * m
                for i in 0..<m {
                    let value = Double(row[i])
                    high[i] = max(high[i], value); low[i] = min(low[i], value)
                }
            }
            for i in 0..<m {
                // Widening is increasing, so the widened extreme of stored values bounds the fp64 ones.
                high[i] = widenedUp(Float(high[i])); low[i] = widenedDown(Float(low[i]))
                keyHigh[i] = max(keyHigh[i], high[i]); keyLow[i] = min(keyLow[i], low[i])
            }
        }
    }

    /// into[t][i] += Σ_key weights[t][key] · rows[key][i] for `queries` × `m` values: one
    /// fp64 product (the classification's own rounding is covered by its 10⁻⁹ pads).
    static func weightedKeySums(queries: Int, keys: Int, m: Int, weights: UnsafePointer<Double>,
                                rows: UnsafePointer<Double>, into: UnsafeMutablePointer<Double>) {
        guard queries > 0, keys > 0, m > 0 else { return }
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(queries), Int32(m), Int32(keys),
                    1, weights, Int32(keys), rows, Int32(m), 1, into, Int32(m))
    }

    /// The relative widening of a stored fp32 projection: twice fp32's unit roundoff, so
    /// that the widened value still encloses the fp64 one after the widening's own fp64
    /// rounding; plus fp32's smallest subnormal for values that rounded to or near zero.
    static let storageWidening = 0x1p-23, storageFloor = Double(Float.leastNonzeroMagnitude)

    /// A value at least the fp64 value that rounded to the stored `x` (|x₆₄ − x| ≤ 2⁻²⁴|x| + subnormal spacing).
    @inline(__always) static func widenedUp(_ x: Float) -> Double {
        let value = Double(x)
        return value + storageWidening * abs(value) + storageFloor
    }

    /// A value at most the fp64 value that rounded to the stored `x`.
    @inline(__always) static func widenedDown(_ x: Float) -> Double {
        let value = Double(x)
        return value - storageWidening * abs(value) - storageFloor
    }

    /// The token mask of the ten digits.
    static let allDigits: UInt16 = 0x3FF

    /// Per (head, position): the largest and then the smallest projection over the ten
    /// digit tokens, [head][position][2][m] (the common token set of a varied column).
    static func digitExtremes(_ projectedHeads: [Double], heads: Int, length: Int, vocabulary v: Int, m: Int) -> [Double] {
        var result = [Double](repeating: 0, count: heads * length * 2 * m)
        for head in 0..<heads {
            for position in 0..<length {
                let out = (head * length + position) * 2 * m
                for i in 0..<m {
                    var high = -Double.infinity, low = Double.infinity
                    for token in 0..<10 {
                        let value = projectedHeads[((head * length + position) * v + token) * m + i]
                        high = max(high, value); low = min(low, value)
                    }
                    result[out + i] = high
                    result[out + m + i] = low
                }
            }
        }
        return result
    }
}
