import AdditionTask
import XCTest
@testable import Transformer

/// The fixed-order product is checked against the obviously correct scalar loop it
/// promises to equal bit for bit, for shapes that exercise every panel and remainder.
final class FixedOrderProductTests: XCTestCase {
    func matrix(_ count: Int, _ rng: inout SeededGenerator) -> [Double] {
        (0..<count).map { _ in Double.random(in: -1...1, using: &rng) }
    }

    /// c[r][j] = fma chain over k ascending, one element at a time (also the expected
    /// value of `EvaluationKernelTests`' product checks).
    static func scalarReference<Scalar: FloatingPoint>(rows: Int, columns: Int, inner: Int, _ a: [Scalar], _ b: [Scalar],
                                                       _ c: [Scalar]) -> [Scalar] {
        var out = c
        for r in 0..<rows {
            for j in 0..<columns {
                var sum = c[r * columns + j]
                for k in 0..<inner { sum = sum.addingProduct(a[r * inner + k], b[k * columns + j]) }
                out[r * columns + j] = sum
            }
        }
        return out
    }

    func testEqualsTheScalarFusedLoopBitForBit() {
        var rng = SeededGenerator(seed: 15)
        // Columns: 16-wide panels, an 8-wide panel and scalar remainders; rows: blocks of 4 and single rows.
        for (rows, columns, inner) in [(1, 1, 1), (4, 16, 3), (7, 31, 17), (9, 40, 64), (13, 510 % 97, 33), (5, 2040 % 113, 510 % 61)] {
            let a = matrix(rows * inner, &rng), b = matrix(inner * columns, &rng), c = matrix(rows * columns, &rng)
            var fast = c
            FixedOrderProduct.multiplyAdd(rows: rows, columns: columns, inner: inner, a, b, &fast)
            let expected = Self.scalarReference(rows: rows, columns: columns, inner: inner, a, b, c)
            XCTAssertEqual(fast.map(\.bitPattern), expected.map(\.bitPattern), "shape \(rows)×\(inner)·\(inner)×\(columns)")
        }
    }

    func testARowGivesTheSameBitsAloneAndInsideAnyBatch() {
        var rng = SeededGenerator(seed: 16)
        let rows = 11, columns = 37, inner = 29
        let a = matrix(rows * inner, &rng), b = matrix(inner * columns, &rng)
        var together = [Double](repeating: 0, count: rows * columns)
        FixedOrderProduct.multiplyAdd(rows: rows, columns: columns, inner: inner, a, b, &together)
        for r in 0..<rows {
            var alone = [Double](repeating: 0, count: columns)
            FixedOrderProduct.multiplyAdd(rows: 1, columns: columns, inner: inner, Array(a[(r * inner)..<((r + 1) * inner)]), b, &alone)
            XCTAssertEqual(alone.map(\.bitPattern), together[(r * columns)..<((r + 1) * columns)].map(\.bitPattern), "row \(r)")
        }
    }
}
