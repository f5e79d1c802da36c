import COpenBLAS
import Foundation

/// A block's always-active neurons folded into one affine map of LN2's output x:
/// Σ_{i∈A} ReLU(x·W_in[:,i] + b_in[i])·W_out[i,:] = x·M + c on every question of the block,
/// with M = W_in[:,A]·W_out[A,:] (d_model × d_model) and c = b_in[A]·W_out[A,:], because
/// every i ∈ A has an exact pre-activation > 0 there (the classification proves it).
///
/// M and c are formed in fp64 from the fp32 weights (`dgemm`) and rounded to fp32; a row
/// then costs one d_model × d_model product instead of 2·d_model·|A| multiply-adds. The
/// fields `matrixError` and `biasError` bound, in the 2-norm, how far the stored fp32 M and
/// c are from the exact ones (docs/sparse-evaluation.md, "Folding the always-active neurons").
struct FoldedMap {
    /// M̃ (d × d, row-major: out[k] += Σ_j x[j]·M̃[j, k]) and c̃ (d), fp32.
    let matrix: UnsafeMutablePointer<Float>
    let bias: UnsafeMutablePointer<Float>
    /// Rounding constants of the row bound (``RoundingBounds/logitMarginBound(_:fold:)``).
    var statistics = FoldStatistics(matrixNorm: 0, matrixError: 0, biasNorm: 0, biasError: 0)

    init(d: Int) {
        matrix = .allocate(capacity: d * d)
        bias = .allocate(capacity: d)
    }

    func release() {
        matrix.deallocate()
        bias.deallocate()
    }

    /// Forms the map of `active` neurons (ascending indices) from the fp64 weights of
    /// `sparse`, using `workIn`, `workOut` (|A| × d each) and `wide` (d × d) as scratch.
    mutating func form(active: [Int32], sparse: SparseBlockModel, bounds: RoundingBounds,
                       workIn: UnsafeMutablePointer<Double>, workOut: UnsafeMutablePointer<Double>,
                       wide: UnsafeMutablePointer<Double>) {
        let d = sparse.d, count = active.count
        var biasWide = [Double](repeating: 0, count: d)
        sparse.wInTransposedWide.withUnsafeBufferPointer { wInT in
        sparse.wOutWide.withUnsafeBufferPointer { wOut in
            for (k, neuron) in active.enumerated() {
                let i = Int(neuron)
                (workIn + k * d).update(from: wInT.baseAddress! + i * d, count: d)
                (workOut + k * d).update(from: wOut.baseAddress! + i * d, count: d)
                let b = sparse.bInWide[i]
                for j in 0..<d { biasWide[j] += b * wOut[i * d + j] }
            }
        }
        }
        // M = (W_in[:,A]ᵀ)ᵀ · W_out[A,:].
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(d), Int32(d), Int32(count),
                    1, workIn, Int32(d), workOut, Int32(d), 0, wide, Int32(d))
        var wideSquares = 0.0, storedSquares = 0.0
        for k in 0..<(d * d) {
            let value = wide[k]
            wideSquares += value * value
            let stored = Float(value)
            matrix[k] = stored
            storedSquares += Double(stored) * Double(stored)
        }
        var biasWideSquares = 0.0, biasSquares = 0.0
        for j in 0..<d {
            biasWideSquares += biasWide[j] * biasWide[j]
            let stored = Float(biasWide[j])
            bias[j] = stored
            biasSquares += Double(stored) * Double(stored)
        }
        // ‖M̃ − M‖ ≤ ‖M̃ − M64‖ + ‖M64 − M‖ ≤ u32·‖M64‖_F + γ64_|A|·‖|W_in|·|W_out|‖_F, and
        // ‖|W_in[:,A]|·|W_out[A,:]|‖_F ≤ ‖W_in‖_F·‖W_out‖_F; likewise for c. The fp64 norms
        // are padded by a relative 10⁻⁹ (their own rounding is below 10⁻¹¹ here).
        let pad = 1 + 1e-9
        let u32 = Double(Float.ulpOfOne) / 2
        let gamma64 = Double(count) * (Double.ulpOfOne / 2) / (1 - Double(count) * (Double.ulpOfOne / 2))
        statistics = FoldStatistics(
            matrixNorm: storedSquares.squareRoot() * pad,
            matrixError: (u32 * wideSquares.squareRoot() + gamma64 * bounds.wInFrobenius * bounds.wOutFrobenius) * pad,
            biasNorm: biasSquares.squareRoot() * pad,
            biasError: (u32 * biasWideSquares.squareRoot() + gamma64 * bounds.bInNorm * bounds.wOutFrobenius) * pad)
    }
}

/// What the rounding bound needs from a block's folded map: ‖M̃‖_F, a bound on ‖M̃ − M‖₂,
/// ‖c̃‖₂ and a bound on ‖c̃ − c‖₂ (M, c exact; M̃, c̃ as stored in fp32).
struct FoldStatistics: Sendable {
    var matrixNorm: Double, matrixError: Double, biasNorm: Double, biasError: Double
}

/// Scratch for forming folded maps (one per worker call; not shared between threads).
final class FoldScratch {
    let map: UnsafeMutablePointer<FoldedMap>
    let workIn, workOut, wide: UnsafeMutablePointer<Double>

    init(d: Int, m: Int) {
        map = .allocate(capacity: 1)
        map.initialize(to: FoldedMap(d: d))
        workIn = .allocate(capacity: m * d)
        workOut = .allocate(capacity: m * d)
        wide = .allocate(capacity: d * d)
    }

    func release() {
        map.pointee.release()
        map.deinitialize(count: 1)
        map.deallocate()
        workIn.deallocate(); workOut.deallocate(); wide.deallocate()
    }
}

extension FastEvaluator {
    /// Cost of forming a folded map relative to an fp32 product of the same size (fp64 `dgemm`
    /// runs at about half the rate of `sgemm`).
    static let foldFormationCost = 2.0

    /// Whether folding `active` always-active neurons pays on a block of `rows` rows: a row
    /// saves 2·d·|A| − d² multiply-adds, forming the map costs about 2·d²·|A| (fp64).
    func foldPays(rows: Int, active: Int) -> Bool {
        let d = Double(self.d), a = Double(active)
        let saving = Double(rows) * (2 * d * a - d * d)
        return saving > Self.foldFormationCost * d * d * a
    }

    /// Whether the block's always-active neurons are folded under `policy`.
    func shouldFold(policy: FoldPolicy, rows: Int, active: Int) -> Bool {
        switch policy {
        case .never: return false
        case .always: return active > 0
        case .whenItPays: return active > 0 && foldPays(rows: rows, active: active)
        }
    }
}
