/// Matrix products whose every output element is computed by the same sequence of
/// IEEE operations on every CPU, at any thread count and in any batch.
///
/// `c[r][j] ← fma(a[r][K−1], b[K−1][j], … fma(a[r][1], b[1][j], fma(a[r][0], b[0][j], c[r][j])))`:
/// one fused multiply-add per inner index, in ascending order, starting from the
/// value already in `c`. A fused multiply-add is correctly rounded by definition, so
/// the result does not depend on whether the vector unit is 256 or 512 bits wide,
/// on how rows and columns are blocked, or on which other rows share the batch —
/// unlike an optimised BLAS, which chooses kernels (and so summation orders) by CPU,
/// matrix shape and thread count. This is what makes fp64 decisions and every
/// real number CarryLens derives from them reproducible across machines.
///
/// Rows are taken four at a time against panels of 16 columns (two 8-lane vectors):
/// eight accumulators, which fit the registers of both AVX2 and AVX-512 machines. The
/// last 8 columns and the last 1…7 (zero-padded to 8) run four rows at a time against
/// one 8-lane vector, so no column is left to a scalar chain over the whole inner
/// dimension.
public enum FixedOrderProduct {
    /// `c (rows × columns) += a (rows × inner) · b (inner × columns)`, all row-major and dense.
    public static func multiplyAdd(rows: Int, columns: Int, inner: Int,
                                   _ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ c: UnsafeMutablePointer<Double>) {
        var j = 0
        // With several row panels, each 16-column strip of b is first copied into one
        // contiguous block (inner × 16), read then as a stream instead of one row of b per
        // page; the arithmetic is the same.
        let packed = rows >= 8 && columns >= 16 ? UnsafeMutablePointer<Double>.allocate(capacity: inner * 16) : nil
        defer { packed?.deallocate() }
        while j + 16 <= columns {
            var strip = b + j, stride = columns
            if let packed {
                for k in 0..<inner { (packed + k * 16).update(from: b + k * columns + j, count: 16) }
                strip = UnsafePointer(packed)
                stride = 16
            }
            var r = 0
            while r + 4 <= rows {
                panel4x16(stride: stride, cStride: columns, inner: inner, a + r * inner, strip, c + r * columns + j)
                r += 4
            }
            while r < rows {
                panel1x16(stride: stride, inner: inner, a + r * inner, strip, c + r * columns + j)
                r += 1
            }
            j += 16
        }
        if j + 8 <= columns {
            eightColumns(rows: rows, inner: inner, a, b + j, bStride: columns, c + j, cStride: columns)
            j += 8
        }
        if j < columns {
            // The last 1…7 columns: copied, zero-padded to 8, into a panel of their own so
            // they run through the same 8-lane kernel (padding lanes are computed and
            // dropped); each kept element still sees exactly its own chain of fused
            // multiply-adds.
            let width = columns - j
            let packedB = UnsafeMutablePointer<Double>.allocate(capacity: inner * 8)
            let packedC = UnsafeMutablePointer<Double>.allocate(capacity: rows * 8)
            defer { packedB.deallocate(); packedC.deallocate() }
            packedB.initialize(repeating: 0, count: inner * 8)
            packedC.initialize(repeating: 0, count: rows * 8)
            for k in 0..<inner {
                for t in 0..<width { packedB[k * 8 + t] = b[k * columns + j + t] }
            }
            for r in 0..<rows {
                for t in 0..<width { packedC[r * 8 + t] = c[r * columns + j + t] }
            }
            eightColumns(rows: rows, inner: inner, a, packedB, bStride: 8, packedC, cStride: 8)
            for r in 0..<rows {
                for t in 0..<width { c[r * columns + j + t] = packedC[r * 8 + t] }
            }
        }
    }

    /// Eight columns of `c` (row stride `cStride`) against eight of `b` (row stride `bStride`):
    /// four rows at a time, so four independent chains are in flight, then single rows.
    private static func eightColumns(rows: Int, inner: Int, _ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, bStride: Int,
                                     _ c: UnsafeMutablePointer<Double>, cStride: Int) {
        var r = 0
        while r + 4 <= rows {
            panel4x8(stride: bStride, cStride: cStride, inner: inner, a + r * inner, b, c + r * cStride)
            r += 4
        }
        while r < rows {
            panel1x8(columns: bStride, inner: inner, a + r * inner, b, c + r * cStride)
            r += 1
        }
    }

    private static func panel4x8(stride: Int, cStride: Int, inner: Int, _ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>,
                                 _ c: UnsafeMutablePointer<Double>) {
        let c0 = c, c1 = c + cStride, c2 = c + 2 * cStride, c3 = c + 3 * cStride
        var s0 = load(c0), s1 = load(c1), s2 = load(c2), s3 = load(c3)
        let a0 = a, a1 = a + inner, a2 = a + 2 * inner, a3 = a + 3 * inner
        for k in 0..<inner {
            let row = load(b + k * stride)
            s0.addProduct(SIMD8(repeating: a0[k]), row)
            s1.addProduct(SIMD8(repeating: a1[k]), row)
            s2.addProduct(SIMD8(repeating: a2[k]), row)
            s3.addProduct(SIMD8(repeating: a3[k]), row)
        }
        store(s0, c0); store(s1, c1); store(s2, c2); store(s3, c3)
    }

    @inline(__always)
    private static func load(_ p: UnsafePointer<Double>) -> SIMD8<Double> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Double>.self)
    }

    @inline(__always)
    private static func store(_ value: SIMD8<Double>, _ p: UnsafeMutablePointer<Double>) {
        UnsafeMutableRawPointer(p).storeBytes(of: value, as: SIMD8<Double>.self)
    }

    private static func panel4x16(stride: Int, cStride: Int, inner: Int, _ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>,
                                  _ c: UnsafeMutablePointer<Double>) {
        let c0 = c, c1 = c + cStride, c2 = c + 2 * cStride, c3 = c + 3 * cStride
        var s00 = load(c0), s01 = load(c0 + 8)
        var s10 = load(c1), s11 = load(c1 + 8)
        var s20 = load(c2), s21 = load(c2 + 8)
        var s30 = load(c3), s31 = load(c3 + 8)
        let a0 = a, a1 = a + inner, a2 = a + 2 * inner, a3 = a + 3 * inner
        for k in 0..<inner {
            let row = b + k * stride
            let b0 = load(row), b1 = load(row + 8)
            let x0 = SIMD8(repeating: a0[k]), x1 = SIMD8(repeating: a1[k])
            let x2 = SIMD8(repeating: a2[k]), x3 = SIMD8(repeating: a3[k])
            s00.addProduct(x0, b0); s01.addProduct(x0, b1)
            s10.addProduct(x1, b0); s11.addProduct(x1, b1)
            s20.addProduct(x2, b0); s21.addProduct(x2, b1)
            s30.addProduct(x3, b0); s31.addProduct(x3, b1)
        }
        store(s00, c0); store(s01, c0 + 8)
        store(s10, c1); store(s11, c1 + 8)
        store(s20, c2); store(s21, c2 + 8)
        store(s30, c3); store(s31, c3 + 8)
    }

    private static func panel1x16(stride: Int, inner: Int, _ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>,
                                  _ c: UnsafeMutablePointer<Double>) {
        var s0 = load(c), s1 = load(c + 8)
        for k in 0..<inner {
            let row = b + k * stride
            let x = SIMD8(repeating: a[k])
            s0.addProduct(x, load(row)); s1.addProduct(x, load(row + 8))
        }
        store(s0, c); store(s1, c + 8)
    }

    private static func panel1x8(columns: Int, inner: Int, _ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>,
                                 _ c: UnsafeMutablePointer<Double>) {
        var s = load(c)
        for k in 0..<inner { s.addProduct(SIMD8(repeating: a[k]), load(b + k * columns)) }
        store(s, c)
    }
}
