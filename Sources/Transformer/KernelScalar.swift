import COpenBLAS
import RealModule

/// How the right-hand matrix of ``KernelScalar/multiplyAdd(rows:columns:inner:_:_:_:_:)`` is stored.
enum ProductOperand {
    /// inner × columns, row-major.
    case rowMajor
    /// columns × inner, row-major: the product uses its transpose.
    case transposed
}

/// A scalar type ``EvaluationKernel`` computes in: swift-numerics' `Real` (its `exp` is
/// the C library's `expf` / `exp`) and the matrix product the MLP and unembedding run on.
///
/// `Float` multiplies with OpenBLAS `sgemm` (fast; its summation order is the CPU's
/// kernel's, which the fp32 rounding bound allows for). `Double` multiplies with
/// ``FixedOrderProduct`` (one chain of fused multiply-adds per output element, in
/// ascending order), so fp64 logits are the same bits on every CPU, in any batch and at
/// any thread count.
protocol KernelScalar: Real, BinaryFloatingPoint, Sendable {
    /// `c (rows × columns) += a (rows × inner) · b`, `a` and `c` row-major and dense; `b`
    /// stored as `layout` says, dense.
    static func multiplyAdd(rows: Int, columns: Int, inner: Int, _ a: UnsafePointer<Self>, _ b: UnsafePointer<Self>,
                            _ layout: ProductOperand, _ c: UnsafeMutablePointer<Self>)
}

extension Float: KernelScalar {
    static func multiplyAdd(rows: Int, columns: Int, inner: Int, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                            _ layout: ProductOperand, _ c: UnsafeMutablePointer<Float>) {
        guard rows > 0, columns > 0, inner > 0 else { return }
        let transposeB = layout == .transposed ? CblasTrans : CblasNoTrans
        let leadingB = layout == .transposed ? inner : columns
        cblas_sgemm(CblasRowMajor, CblasNoTrans, transposeB, Int32(rows), Int32(columns), Int32(inner),
                    1, a, Int32(inner), b, Int32(leadingB), 1, c, Int32(columns))
    }
}

extension Double: KernelScalar {
    static func multiplyAdd(rows: Int, columns: Int, inner: Int, _ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>,
                            _ layout: ProductOperand, _ c: UnsafeMutablePointer<Double>) {
        guard rows > 0, columns > 0, inner > 0 else { return }
        switch layout {
        case .rowMajor:
            FixedOrderProduct.multiplyAdd(rows: rows, columns: columns, inner: inner, a, b, c)
        case .transposed:
            // Copying is exact, so the product's bits are those of the row-major case.
            let copy = UnsafeMutablePointer<Double>.allocate(capacity: inner * columns)
            defer { copy.deallocate() }
            for j in 0..<columns {
                for k in 0..<inner { copy[k * columns + j] = b[j * inner + k] }
            }
            FixedOrderProduct.multiplyAdd(rows: rows, columns: columns, inner: inner, a, copy, c)
        }
    }
}
