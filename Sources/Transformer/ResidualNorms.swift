/// The fp64 norms of one fp32 residual row that the sparse path's bounds start from:
/// ‖r − mean(r)‖₂ (LN2's and LN_final's scales) and ‖r‖₂ (the certificate's rounding
/// pads), each computed from the row's values widened exactly to fp64.
///
/// The sums run in eight interleaved partial sums, so that the loop (run once per
/// question and answer position, several times on the sparse path) is vectorised.
/// Nothing depends on the order: every bound that uses these norms pads them by a
/// relative 10⁻⁹, far above the relative error (about d · 2⁻⁵³) of any order of d terms.
struct ResidualNorms {
    var centred: Double
    var plain: Double

    /// The norms of `row` (`d` values); with `wide`, the row's fp64 values are also written there.
    init(_ row: UnsafePointer<Float>, count d: Int, wide: UnsafeMutablePointer<Double>? = nil) {
        let whole = d - d % 8
        let raw = UnsafeRawPointer(row)
        @inline(__always) func lanes(_ j: Int) -> SIMD8<Double> {
            SIMD8<Double>(raw.loadUnaligned(fromByteOffset: 4 * j, as: SIMD8<Float>.self))
        }
        var sums = SIMD8<Double>()
        for j in stride(from: 0, to: whole, by: 8) {
            let x = lanes(j)
            if let wide { UnsafeMutableRawPointer(wide + j).storeBytes(of: x, as: SIMD8<Double>.self) }
            sums += x
        }
        var sum = sums.sum()
        for j in whole..<d {
            wide?[j] = Double(row[j])
            sum += Double(row[j])
        }
        let mean = sum / Double(d)
        var centredSquares = SIMD8<Double>(), plainSquares = SIMD8<Double>()
        for j in stride(from: 0, to: whole, by: 8) {
            let x = lanes(j), c = x - mean
            centredSquares += c * c
            plainSquares += x * x
        }
        var centredSum = centredSquares.sum(), plainSum = plainSquares.sum()
        for j in whole..<d {
            let x = Double(row[j]), c = x - mean
            centredSum += c * c
            plainSum += x * x
        }
        centred = centredSum.squareRoot()
        plain = plainSum.squareRoot()
    }
}
