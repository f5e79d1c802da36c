import AdditionTask
import COpenBLAS
import Foundation

/// One answer row settled by a block certificate: the token the exact logits' argmax
/// is, and a lower bound on its exact margin over every other token.
struct CertifiedRow: Equatable {
    let token: UInt8
    let marginLowerBound: Double
}

/// The fp64 precomputation behind block certificates, for one model
/// (docs/sparse-evaluation.md, "Block certificates").
///
/// For tokens t, t′ the exact logit difference of an answer row is
/// s_f · (g_t − g_t′) · r_f + (c_t − c_t′), with r_f the residual after the MLP, s_f
/// LN_final's scale, g_t = γ_f ⊙ W_U[:, t] centred and c_t = β_f · W_U[:, t] + b_U[t].
/// g_t · r_f = g_t · r + g_t · b_out + Σ_i ReLU(z_i) w_{i,t} with w_{i,t} = W_out[i, :] · g_t:
/// over a classified block the dead neurons add 0, the always-active ones the linear
/// functional s · (Σ_A w_{i,t} u_i) · r + Σ_A w_{i,t} c_i, and the switching ones lie in
/// intervals from the classification's pre-activation bounds. Each row's residual r is
/// known to within ``SparseBlockModel/residualError`` (the fast path computes it for the
/// classification anyway), so the linear parts are evaluated per row; only the switching
/// neurons and s_f are bounded over the block.
final class BlockCertificateModel: @unchecked Sendable {
    let d: Int, m: Int, v: Int
    /// g_t, [t][d].
    let g: [Double]
    /// ‖g_t‖ and ‖g_a − g_b‖ ([a · v + b]).
    let gNorms: [Double], pairNorms: [Double]
    /// c_t and Σ_j |β_f,j W_U[j, t]| + |b_U[t]| (its rounding scale).
    let logitOffsets: [Double], logitOffsetScales: [Double]
    /// g_t · b_out.
    let outBiasProjections: [Double]
    /// w_{i,t} = W_out[i, :] · g_t, [i][t].
    let outProjections: [Double]
    /// Bounds on ‖W_out‖₂ and ‖b_out‖₂.
    let wOutSpectral: Double, bOutNorm: Double
    let eps: Double
    /// The smallest exact margin a certificate accepts: far above the fp64 re-decision's
    /// largest possible rounding bound, so that a certified digit is one the dense path
    /// decides (never reports undecided).
    let minimumMargin: Double

    static let relativePad = SparseBlockModel.relativePad

    init(fast: FastEvaluator, model: AdditionModel) {
        let w = model.weights
        let d = fast.d, m = fast.m, v = fast.vocabulary
        self.d = d; self.m = m; self.v = v
        eps = Double(fast.kernel.weights.eps)
        var g = [Double](repeating: 0, count: v * d)
        var offsets = [Double](repeating: 0, count: v), offsetScales = [Double](repeating: 0, count: v)
        for t in 0..<v {
            var mean = 0.0
            for j in 0..<d {
                let value = Double(w.lnFinalWeight[j]) * Double(w.wU[j * v + t])
                g[t * d + j] = value
                mean += value
                let term = Double(w.lnFinalBias[j]) * Double(w.wU[j * v + t])
                offsets[t] += term
                offsetScales[t] += abs(term)
            }
            mean /= Double(d)
            for j in 0..<d { g[t * d + j] -= mean }
            offsets[t] += Double(w.bU[t])
            offsetScales[t] += abs(Double(w.bU[t]))
        }
        var gNorms = [Double](repeating: 0, count: v), pairNorms = [Double](repeating: 0, count: v * v)
        for a in 0..<v {
            gNorms[a] = (0..<d).reduce(0.0) { $0 + g[a * d + $1] * g[a * d + $1] }.squareRoot()
            for b in 0..<v {
                pairNorms[a * v + b] = (0..<d).reduce(0.0) { sum, j in
                    let difference = g[a * d + j] - g[b * d + j]
                    return sum + difference * difference
                }.squareRoot()
            }
        }
        var outBias = [Double](repeating: 0, count: v)
        for t in 0..<v { for j in 0..<d { outBias[t] += Double(w.bOut[j]) * g[t * d + j] } }
        var projections = [Double](repeating: 0, count: m * v)
        let wOut = w.wOut.map(Double.init)
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(v), Int32(d),
                    1, wOut, Int32(d), g, Int32(d), 0, &projections, Int32(v))
        self.g = g; self.gNorms = gNorms; self.pairNorms = pairNorms
        logitOffsets = offsets; logitOffsetScales = offsetScales
        outBiasProjections = outBias; outProjections = projections
        wOutSpectral = fast.bounds.wOutSpectral * (1 + Self.relativePad)
        bOutNorm = fast.bounds.bOutNorm * (1 + Self.relativePad)
        minimumMargin = Self.minimumMargin(bounds: fast.bounds, eps: Double(fast.kernel.weights.eps))
    }

    /// Four times the largest rounding bound the fp64 re-decision (``ExactTableEvaluator``:
    /// the fast path's bound with fp64's unit roundoff) can give any row, and at least 10⁻³:
    /// every term of the bound grows with the row's LayerNorm scales and norms, so their
    /// largest values (scales 1/√ε, norms at the bounds the rounding analysis already uses)
    /// give a bound for every row.
    static func minimumMargin(bounds: RoundingBounds, eps: Double) -> Double {
        let wide = bounds.withUnitRoundoff(EvaluationKernel<Double>.unitRoundoff)
        let scale = 1 / eps.squareRoot()
        let hidden = wide.wInSpectral * wide.ln2OutputNorm + wide.bInNorm
        let worst = RowStatistics(ln2Scale: scale, ln2OutputNorm: wide.ln2OutputNorm, hiddenNorm: hidden,
                                  finalScale: scale, finalOutputNorm: wide.lnFinalOutputNorm)
        return max(1e-3, 4 * Double(wide.logitMarginBound(worst)))
    }

    /// The linear functionals of the neurons `active` (proved active on a block: on any
    /// subset of its questions too), for ``certify``. When `slot`'s previous top-level
    /// block left functionals in `scratch` whose neuron set differs from `active` in fewer
    /// than half as many neurons as `active` has, those are updated in place (the
    /// neurons that left subtracted, those that joined added) instead of formed anew;
    /// the previous block is settled by then. The rounding of such a chain of sums is
    /// covered because `scale` and `offsetScale` count every neuron each time it is
    /// added or subtracted, and the chain is restarted before it holds
    /// ``maximumChainTerms`` terms (docs/sparse-evaluation.md, "Block certificates").
    func functionals(active: [Int32], sparse: SparseBlockModel, scratch: CertificateScratch, slot: Int) -> CertificateFunctionals {
        if let previous = scratch.recent[slot] {
            var joined: [Int32] = [], left: [Int32] = []
            var isActive = [Bool](repeating: false, count: m)
            for neuron in active {
                isActive[Int(neuron)] = true
                if !previous.isLinear[Int(neuron)] { joined.append(neuron) }
            }
            for i in 0..<m where previous.isLinear[i] && !isActive[i] { left.append(Int32(i)) }
            let changes = joined.count + left.count
            if 2 * changes < active.count, previous.chainTerms + changes <= Self.maximumChainTerms {
                previous.replaceNeurons(isLinear: isActive)
                accumulate(joined.map { ($0, 1.0) } + left.map { ($0, -1.0) }, into: previous, sparse: sparse, scratch: scratch)
                return previous
            }
        }
        let result = CertificateFunctionals(active: active, d: d, m: m, v: v)
        result.values.update(from: g, count: v * d)
        (result.values + v * d).update(repeating: 0, count: v * d)
        accumulate(active.map { ($0, 1.0) }, into: result, sparse: sparse, scratch: scratch)
        scratch.recent[slot] = result
        return result
    }

    /// Terms a chain of updated functionals may hold before it is formed anew: its rounding
    /// error is at most γ_K times the counted scales, and γ_K for K = 10⁵ is about 10⁻¹¹, far
    /// below the certificate's relative pad of 10⁻⁹.
    static let maximumChainTerms = 100_000

    /// Adds sign · w_{i,t} u_i to V_t and sign · w_{i,t} c_i to the offsets for each
    /// (neuron i, sign), and |w_{i,t}| times the neuron's scales to the rounding scales.
    private func accumulate(_ terms: [(neuron: Int32, sign: Double)], into result: CertificateFunctionals,
                            sparse: SparseBlockModel, scratch: CertificateScratch) {
        guard !terms.isEmpty else { return }
        let d = self.d, v = self.v
        sparse.uTransposed.withUnsafeBufferPointer { uT in
            for (k, term) in terms.enumerated() {
                let i = Int(term.neuron)
                (scratch.gatheredU + k * d).update(from: uT.baseAddress! + i * d, count: d)
                for t in 0..<v {
                    let weight = outProjections[i * v + t]
                    scratch.gatheredW[k * v + t] = term.sign * weight
                    result.offset[t] += term.sign * weight * sparse.offset[i]
                    result.offsetScale[t] += abs(weight) * (sparse.offsetScale[i] + abs(sparse.offset[i]))
                    result.scale[t] += abs(weight) * sparse.uNorms[i]
                }
            }
        }
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(v), Int32(d), Int32(terms.count),
                    1, scratch.gatheredW, Int32(v), scratch.gatheredU, Int32(d), 1, result.values + v * d, Int32(d))
        result.chainTerms += terms.count
    }

    /// Tries to certify each of `rows` answer rows of one classified block, whose fast-path
    /// residuals are `residuals` (rows × d, fp32, each within `sparse.residualError` of
    /// the exact one). `functionals` are those of neurons proved always active on this block
    /// or on a block containing it; every other neuron the classification did not prove
    /// dead enters through its pre-activation interval. Nil for a row the bounds do not
    /// settle. `slack` is subtracted from every certified margin (positive: fewer rows
    /// certified, still sound; negative: unsound, for tests that show the checks catch an
    /// unsound certificate: then the sign check of the residual part is relaxed by
    /// slack / s_f⁻ too, so that the shrunk bound can certify a wrong digit).
    func certify(residuals: UnsafePointer<Float>, rows: Int, classification: NeuronClassification,
                 functionals linear: CertificateFunctionals, sparse: SparseBlockModel, slack: Double,
                 scratch: CertificateScratch) -> [CertifiedRow?] {
        let d = self.d, v = self.v, pad = Self.relativePad
        let lower = classification.lowerBounds, upper = classification.upperBounds
        guard lower.count == m, upper.count == m, rows > 0 else { return [CertifiedRow?](repeating: nil, count: rows) }
        let switching = (0..<m).filter { !classification.dead[$0] && !linear.isLinear[$0] }
        let functionals = linear.values
        let activeOffset = linear.offset, activeOffsetScale = linear.offsetScale, activeScale = linear.scale
        // ‖h‖ over the block: h_i = ReLU(z_i) ∈ [0, max(0, upper_i)] for every neuron not dead.
        var hiddenSquares = 0.0
        for i in 0..<m where !classification.dead[i] {
            let high = max(0, upper[i])
            hiddenSquares += high * high
        }
        let hiddenNorm = hiddenSquares.squareRoot() * (1 + pad)
        let mlpNorm = bOutNorm + wOutSpectral * hiddenNorm
        // Per row: the residual in fp64, its norms, and the 2v projections.
        let wideRows = scratch.wideRows(rows)
        var centredNorms = [Double](repeating: 0, count: rows), norms = centredNorms
        for r in 0..<rows {
            let rowNorms = ResidualNorms(residuals + r * d, count: d, wide: wideRows + r * d)
            centredNorms[r] = rowNorms.centred
            norms[r] = rowNorms.plain
        }
        let projections = scratch.projections(rows)
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(2 * v), Int32(d),
                    1, wideRows, Int32(d), functionals, Int32(d), 0, projections, Int32(2 * v))
        // Per winning token, lazily: the switching neurons' lower bound and rounding scale
        // for every competitor, and ‖V_winner − V_t‖.
        var switchingLow = [[Double]?](repeating: nil, count: v)
        var switchingScale = [[Double]?](repeating: nil, count: v)
        func prepare(_ winner: Int) {
            guard switchingLow[winner] == nil else { return }
            var low = [Double](repeating: 0, count: v), scale = low
            for i in switching {
                let zLow = max(0, lower[i]), zHigh = max(0, upper[i])
                for t in 0..<v where t != winner {
                    let weight = outProjections[i * v + winner] - outProjections[i * v + t]
                    low[t] += weight >= 0 ? weight * zLow : weight * zHigh
                    scale[t] += abs(weight) * zHigh
                }
            }
            switchingLow[winner] = low; switchingScale[winner] = scale
        }
        let error = sparse.residualError, dd = Double(d)
        var results = [CertifiedRow?](repeating: nil, count: rows)
        for r in 0..<rows {
            let a = projections + r * 2 * v, b = a + v
            let norm = centredNorms[r]
            let normPad = error + norm * pad
            let sLow = 1 / ((norm + normPad) * (norm + normPad) / dd + eps).squareRoot() * (1 - pad)
            let sHigh = 1 / (max(0, norm - normPad) * max(0, norm - normPad) / dd + eps).squareRoot() * (1 + pad)
            let sMid = 1 / (norm * norm / dd + eps).squareRoot()
            let finalNorm = (norm + normPad + mlpNorm) * (1 + pad)
            let sfLow = 1 / (finalNorm * finalNorm / dd + eps).squareRoot() * (1 - pad)
            // The likely winner: the largest estimated logit.
            var winner = 0, best = -Double.infinity
            for t in 0..<v {
                let estimate = sfLow * (a[t] + sMid * b[t] + activeOffset[t] + outBiasProjections[t]) + logitOffsets[t]
                if estimate > best { best = estimate; winner = t }
            }
            prepare(winner)
            let low = switchingLow[winner]!, lowScale = switchingScale[winner]!, vNorms = linear.pairNorms(winner: winner)
            var margin = Double.infinity
            for t in 0..<v where t != winner {
                let gDifference = a[winner] - a[t]
                let gError = pairNorms[winner * v + t] * error + pad * (gNorms[winner] + gNorms[t]) * norms[r]
                let vDifference = b[winner] - b[t]
                let vError = vNorms[t] * error + pad * (activeScale[winner] + activeScale[t]) * norms[r]
                let vLow = vDifference - vError
                let scaled = vLow >= 0 ? sLow * vLow : sHigh * vLow
                let constant = activeOffset[winner] - activeOffset[t] + outBiasProjections[winner] - outBiasProjections[t]
                let magnitude = abs(gDifference) + gError + sHigh * (abs(vDifference) + vError)
                    + activeOffsetScale[winner] + activeOffsetScale[t] + abs(constant) + lowScale[t]
                    + abs(outBiasProjections[winner]) + abs(outBiasProjections[t])
                let residualPart = gDifference - gError + scaled + constant + low[t] - pad * magnitude
                guard residualPart > min(0, slack / sfLow) else { margin = -.infinity; break }
                let offsetDifference = logitOffsets[winner] - logitOffsets[t]
                let logitMargin = sfLow * residualPart + offsetDifference
                    - pad * (logitOffsetScales[winner] + logitOffsetScales[t]) - slack
                margin = min(margin, logitMargin)
                if !(margin > minimumMargin) { break }
            }
            if margin > minimumMargin { results[r] = CertifiedRow(token: UInt8(winner), marginLowerBound: margin) }
        }
        return results
    }
}

/// The certificate's linear functionals of one set of always-active neurons A, [2v][d]:
/// g_t, then V_t = Σ_A w_{i,t} u_i; per t, Σ_A w_{i,t} c_i and the rounding scales
/// Σ_A |w_{i,t}| (|c_i| terms) and Σ_A |w_{i,t}| ‖u_i‖. Shared by a block and its sub-blocks.
final class CertificateFunctionals {
    let d: Int, v: Int
    private(set) var isLinear: [Bool]
    let values: UnsafeMutablePointer<Double>
    var offset: [Double], offsetScale: [Double], scale: [Double]
    /// Neuron terms summed into `values` since they were formed (each addition or
    /// subtraction counts), which bounds their rounding error.
    var chainTerms = 0
    private var pairNormCache: [[Double]?]

    init(active: [Int32], d: Int, m: Int, v: Int) {
        self.d = d; self.v = v
        var isLinear = [Bool](repeating: false, count: m)
        for i in active { isLinear[Int(i)] = true }
        self.isLinear = isLinear
        values = .allocate(capacity: 2 * v * d)
        offset = [Double](repeating: 0, count: v); offsetScale = offset; scale = offset
        pairNormCache = [[Double]?](repeating: nil, count: v)
    }

    /// Makes these the functionals of another neuron set: the caller then adds and
    /// subtracts the neurons that differ.
    func replaceNeurons(isLinear: [Bool]) {
        self.isLinear = isLinear
        pairNormCache = [[Double]?](repeating: nil, count: v)
    }

    /// ‖V_winner − V_t‖₂ for every t (padded upwards), computed once per winner.
    func pairNorms(winner: Int) -> [Double] {
        if let cached = pairNormCache[winner] { return cached }
        var norms = [Double](repeating: 0, count: v)
        let vWinner = values + (v + winner) * d
        for t in 0..<v where t != winner {
            let vOther = values + (v + t) * d
            var squares = 0.0
            for j in 0..<d {
                let difference = vWinner[j] - vOther[j]
                squares += difference * difference
            }
            norms[t] = squares.squareRoot() * (1 + BlockCertificateModel.relativePad)
        }
        pairNormCache[winner] = norms
        return norms
    }

    deinit { values.deallocate() }
}

/// Work buffers of ``BlockCertificateModel/certify`` (one per thread).
final class CertificateScratch {
    let d: Int, v: Int
    /// Per answer slot, the functionals of the last top-level block (updated for the next).
    var recent: [Int: CertificateFunctionals] = [:]
    let gatheredU: UnsafeMutablePointer<Double>, gatheredW: UnsafeMutablePointer<Double>
    private var rowCapacity = 0
    private var wide = UnsafeMutablePointer<Double>.allocate(capacity: 0)
    private var projected = UnsafeMutablePointer<Double>.allocate(capacity: 0)

    init(d: Int, m: Int, v: Int) {
        self.d = d; self.v = v
        gatheredU = .allocate(capacity: m * d)
        gatheredW = .allocate(capacity: m * v)
    }

    private func reserve(_ rows: Int) {
        guard rows > rowCapacity else { return }
        wide.deallocate(); projected.deallocate()
        rowCapacity = rows
        wide = .allocate(capacity: rows * d)
        projected = .allocate(capacity: rows * 2 * v)
    }

    func wideRows(_ rows: Int) -> UnsafeMutablePointer<Double> { reserve(rows); return wide }
    func projections(_ rows: Int) -> UnsafeMutablePointer<Double> { reserve(rows); return projected }

    deinit {
        gatheredU.deallocate(); gatheredW.deallocate(); wide.deallocate(); projected.deallocate()
    }
}
