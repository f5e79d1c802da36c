import COpenBLAS
import Foundation

/// A bound on how far the fast evaluator's fp32 logit margins can be from the
/// margins of exact real arithmetic on the same fp32 weights.
///
/// Standard forward-error analysis (Higham, "Accuracy and Stability of Numerical
/// Algorithms", §3.1): a length-k dot product computed in any order, with or
/// without fused multiply-adds, is off by at most γ_k·Σ|x_i||y_i|, where
/// γ_k = k·u/(1 − k·u) and u = 2⁻²⁴. The bound follows the error through the
/// evaluator's stages, per row, using norms measured on that row and constants
/// of the weights:
///
/// 1. residual_mid = base + Σ softmax-weighted head outputs (tables built in fp64,
///    stored in fp32): |δ_i| ≤ γ_(4L+16)·A_i with A_i = max|base_i| + Σ_heads max|(V·W_O)_i|
///    (a head whose contribution an ablation replaces counts the larger of that and the
///    replacement's |entry|).
/// 2. LN2 is Lipschitz with constant max|w₂|/σ₂ (σ₂ the row's standard deviation),
///    plus its own rounding γ_(2D+16)·(max|w₂|·√D + ‖b₂‖).
/// 3. The first MLP matrix: ‖δz‖ ≤ ‖δx‖·‖W_in‖₂ + γ_(D+2)·(‖x‖·‖W_in‖_F + ‖b_in‖),
///    with ‖x‖ the norm of the row's computed LN2 output (the dot products' actual
///    inputs); ReLU is 1-Lipschitz. ‖W‖₂ is bounded above by ‖(WᵀW)⁴‖_F^(1/8).
/// 4. The second: ‖δout‖ ≤ ‖δh‖·‖W_out‖₂ + γ_(M+3)·(‖h‖·‖W_out‖_F + ‖A‖ + ‖b_out‖), plus step 1's error.
/// 5. LN_final as in 2 with the row's σ_f, then the unembedding. A margin is the
///    difference of two logits a, b, so the propagated error enters through the
///    column difference: |δ(l_a − l_b)| ≤ ‖δx_f‖·max_(a≠b)‖W_U[:,a] − W_U[:,b]‖
///    + 2·γ_(D+2)·(‖x_f‖·max_t‖W_U[:,t]‖ + max|b_U|), ‖x_f‖ the row's computed output.
/// Row norms computed in the evaluator's own precision are enlarged by (1 + γ_(2D)).
/// The result is doubled, a safety factor for the second-order terms the
/// first-order analysis leaves out (errors in σ itself, products of two small errors).
struct RoundingBounds: Sendable {
    /// u: 2⁻²⁴ for fp32, 2⁻⁵³ for fp64.
    var unitRoundoff: Double
    let length: Int                  // input positions (the softmax mixes up to this many rows)
    var residualNorm: Double         // ‖A‖₂, bounds ‖residual_mid‖₂
    let ln2WeightMax: Double
    let ln2OutputNorm: Double        // bounds ‖x‖₂ after LN2
    let wInSpectral: Double, wInFrobenius: Double, bInNorm: Double
    let wOutSpectral: Double, wOutFrobenius: Double, bOutNorm: Double
    let lnFinalWeightMax: Double, lnFinalOutputNorm: Double
    let unembedColumnNorm: Double, unembedPairDifferenceNorm: Double, unembedBiasMax: Double
    let dModel: Int, dMLP: Int

    func gamma(_ k: Int) -> Double { Double(k) * unitRoundoff / (1 - Double(k) * unitRoundoff) }

    /// - Parameter headReplacements: per (slot · heads + head), the fixed vector that
    ///   replaces that head's contribution in an ablation, if any: a head's term in A_i is
    ///   then the larger of its table maximum and the largest replacement's |entry|.
    init<Table: RandomAccessCollection<Float>>(weights w: TransformerWeights, headOutputs: Table, base: Table, length: Int,
                                               heads: Int, unitRoundoff: Double, headReplacements: [[Float]?] = [])
        where Table.Index == Int {
        self.unitRoundoff = unitRoundoff
        let d = w.config.dModel, m = w.config.dMLP, v = w.config.dVocab
        dModel = d
        dMLP = m
        func norm(_ values: [Float]) -> Double { values.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot() }
        func maxAbs(_ values: [Float]) -> Double { values.reduce(0.0) { max($0, abs(Double($1))) } }
        self.length = length
        residualNorm = Self.residualNormBound(headOutputs: headOutputs, base: base, heads: heads, dModel: d,
                                              headReplacements: headReplacements)
        ln2WeightMax = maxAbs(w.ln2Weight)
        ln2OutputNorm = ln2WeightMax * Double(d).squareRoot() + norm(w.ln2Bias)
        wInSpectral = Self.spectralNormBound(w.wIn, rows: d, columns: m)
        wInFrobenius = norm(w.wIn)
        bInNorm = norm(w.bIn)
        wOutSpectral = Self.spectralNormBound(w.wOut, rows: m, columns: d)
        wOutFrobenius = norm(w.wOut)
        bOutNorm = norm(w.bOut)
        lnFinalWeightMax = maxAbs(w.lnFinalWeight)
        lnFinalOutputNorm = lnFinalWeightMax * Double(d).squareRoot() + norm(w.lnFinalBias)
        unembedColumnNorm = (0..<v).map { t in (0..<d).reduce(0.0) { $0 + Double(w.wU[$1 * v + t]) * Double(w.wU[$1 * v + t]) }.squareRoot() }.max() ?? 0
        var pairDifference = 0.0
        for a in 0..<v {
            for b in (a + 1)..<v {
                let squares = (0..<d).reduce(0.0) { sum, i in
                    let difference = Double(w.wU[i * v + a]) - Double(w.wU[i * v + b])
                    return sum + difference * difference
                }
                pairDifference = max(pairDifference, squares.squareRoot())
            }
        }
        unembedPairDifferenceNorm = pairDifference
        unembedBiasMax = maxAbs(w.bU)
    }

    /// The margin bound for one answer row, from the quantities measured on it.
    ///
    /// - Parameter fold: for a row of a block whose always-active neurons ran as one folded
    ///   map (``FoldedMap``), that map's constants; `row.hiddenNorm` is then the norm of the
    ///   switching neurons' activations only. Step 4 becomes: the propagated error as before
    ///   (x·M is x·W_in[:,A] then ·W_out[A,:], exactly linear, so ‖δx‖·‖W_in‖₂·‖W_out‖₂
    ///   covers it inside ‖δz‖·‖W_out‖₂), plus ‖x‖·‖M̃ − M‖₂ + ‖c̃ − c‖ for the stored map,
    ///   plus the rounding of the one sum r + b_out + c̃ + Σ_j x_j·M̃[j,:] + Σ_(i∈S) h_i·W_out[i,:]
    ///   (at most D + M + 3 terms): γ_(D+M+4)·(‖x‖·‖M̃‖_F + ‖h‖·‖W_out‖_F + ‖A‖ + ‖b_out‖ + ‖c̃‖).
    func logitMarginBound(_ row: RowStatistics, fold: FoldStatistics? = nil) -> Float {
        let normSlack = 1 + gamma(2 * dModel)
        let residualError = gamma(4 * length + 16) * residualNorm
        let ln2Rounding = gamma(2 * dModel + 16) * ln2OutputNorm
        let lnFinalRounding = gamma(2 * dModel + 16) * lnFinalOutputNorm
        let deltaX = ln2WeightMax * residualError * row.ln2Scale + ln2Rounding
        let deltaZ = deltaX * wInSpectral + gamma(dModel + 2) * (row.ln2OutputNorm * normSlack * wInFrobenius + bInNorm)
        let deltaPost: Double
        if let fold {
            let x: Double = row.ln2OutputNorm * normSlack
            let propagated: Double = residualError + deltaZ * wOutSpectral
            let stored: Double = x * fold.matrixError + fold.biasError
            let hidden: Double = row.hiddenNorm * normSlack * wOutFrobenius
            let terms: Double = x * fold.matrixNorm + hidden + residualNorm + bOutNorm + fold.biasNorm
            deltaPost = propagated + stored + gamma(dModel + dMLP + 4) * terms
        } else {
            deltaPost = residualError + deltaZ * wOutSpectral
                + gamma(dMLP + 3) * (row.hiddenNorm * normSlack * wOutFrobenius + residualNorm + bOutNorm)
        }
        let deltaFinal = lnFinalWeightMax * deltaPost * row.finalScale + lnFinalRounding
        let deltaMargin = deltaFinal * unembedPairDifferenceNorm
            + 2 * gamma(dModel + 2) * (row.finalOutputNorm * normSlack * unembedColumnNorm + unembedBiasMax)
        return Float(2 * deltaMargin)
    }

    /// The same bound for arithmetic with unit roundoff `u` (2⁻⁵³ for the fp64 path).
    /// The same bounds for other attention tables or head replacements of the same
    /// weights: only ‖A‖₂ (step 1) depends on them; the weight norms are kept.
    func withTables<Table: RandomAccessCollection<Float>>(headOutputs: Table, base: Table, heads: Int,
                                                         headReplacements: [[Float]?]) -> RoundingBounds where Table.Index == Int {
        var copy = self
        copy.residualNorm = Self.residualNormBound(headOutputs: headOutputs, base: base, heads: heads, dModel: dModel,
                                                   headReplacements: headReplacements)
        return copy
    }

    /// Step 1: ‖A‖₂, A_i = max |base_i| + Σ_heads max |head output_i| (a replaced head
    /// counts the larger of its table maximum and its replacements' |entry|).
    static func residualNormBound<Table: RandomAccessCollection<Float>>(headOutputs: Table, base: Table, heads: Int, dModel d: Int,
                                                                        headReplacements: [[Float]?]) -> Double where Table.Index == Int {
        var a = [Double](repeating: 0, count: d)
        for row in stride(from: 0, to: base.count, by: d) {
            for i in 0..<d { a[i] = max(a[i], abs(Double(base[row + i]))) }
        }
        let perHead = headOutputs.count / heads
        for head in 0..<heads {
            var headMax = [Double](repeating: 0, count: d)
            for row in stride(from: head * perHead, to: (head + 1) * perHead, by: d) {
                for i in 0..<d { headMax[i] = max(headMax[i], abs(Double(headOutputs[row + i]))) }
            }
            for (k, replacement) in headReplacements.enumerated() where k % heads == head {
                guard let replacement else { continue }
                for i in 0..<d { headMax[i] = max(headMax[i], abs(Double(replacement[i]))) }
            }
            for i in 0..<d { a[i] += headMax[i] }
        }
        return a.reduce(0) { $0 + $1 * $1 }.squareRoot()
    }

    func withUnitRoundoff(_ u: Double) -> RoundingBounds {
        var copy = self
        copy.unitRoundoff = u
        return copy
    }

    /// An upper bound on the spectral norm of a row-major matrix: ‖W‖₂ ≤ ‖(WᵀW)⁴‖_F^(1/8),
    /// computed in fp64 (its own rounding is negligible at this scale; a 1% margin is added).
    static func spectralNormBound(_ matrix: [Float], rows: Int, columns: Int) -> Double {
        let small = min(rows, columns)
        let values = matrix.map(Double.init)
        var gram = [Double](repeating: 0, count: small * small)
        if columns <= rows {
            // WᵀW: columns × columns.
            cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(small), Int32(small), Int32(rows),
                        1, values, Int32(columns), values, Int32(columns), 0, &gram, Int32(small))
        } else {
            // WWᵀ: rows × rows, same non-zero spectrum.
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(small), Int32(small), Int32(columns),
                        1, values, Int32(columns), values, Int32(columns), 0, &gram, Int32(small))
        }
        var square = [Double](repeating: 0, count: small * small)
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(small), Int32(small), Int32(small),
                    1, gram, Int32(small), gram, Int32(small), 0, &square, Int32(small))
        var fourth = [Double](repeating: 0, count: small * small)
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(small), Int32(small), Int32(small),
                    1, square, Int32(small), square, Int32(small), 0, &fourth, Int32(small))
        let frobenius = fourth.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return 1.01 * pow(frobenius, 1.0 / 8.0)
    }
}

/// What the rounding bound needs from one evaluated answer row, measured on the row
/// as computed: its LayerNorm scales 1/σ and output norms, and its hidden-activation norm.
struct RowStatistics {
    var ln2Scale: Double, ln2OutputNorm: Double, hiddenNorm: Double, finalScale: Double, finalOutputNorm: Double

    /// Positions in the per-row statistics buffer of ``EvaluationKernel``.
    enum Slot {
        static let ln2Scale = 0, ln2OutputNorm = 1, hiddenNorm = 2, finalScale = 3, finalOutputNorm = 4
    }
    static let count = 5

    init(ln2Scale: Double, ln2OutputNorm: Double, hiddenNorm: Double, finalScale: Double, finalOutputNorm: Double) {
        self.ln2Scale = ln2Scale; self.ln2OutputNorm = ln2OutputNorm; self.hiddenNorm = hiddenNorm
        self.finalScale = finalScale; self.finalOutputNorm = finalOutputNorm
    }

    /// Reads one row of an ``EvaluationKernel``'s statistics buffer (either precision).
    init<Scalar: BinaryFloatingPoint>(_ slots: UnsafePointer<Scalar>) {
        self.init(ln2Scale: Double(slots[Slot.ln2Scale]), ln2OutputNorm: Double(slots[Slot.ln2OutputNorm]),
                  hiddenNorm: Double(slots[Slot.hiddenNorm]), finalScale: Double(slots[Slot.finalScale]),
                  finalOutputNorm: Double(slots[Slot.finalOutputNorm]))
    }
}
