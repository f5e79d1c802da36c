import XCTest
@testable import Transformer

/// ``ResidualNorms`` (eight interleaved partial sums) against the plain two-pass sums in
/// index order, and its fp64 copy of the row against the row.
final class ResidualNormsTests: XCTestCase {
    private func plainNorms(_ row: [Float]) -> (centred: Double, plain: Double) {
        let values = row.map(Double.init)
        var sum = 0.0
        for x in values { sum += x }
        let mean = sum / Double(values.count)
        var centred = 0.0, plain = 0.0
        for x in values {
            centred += (x - mean) * (x - mean)
            plain += x * x
        }
        return (centred.squareRoot(), plain.squareRoot())
    }

    func testNormsMatchPlainSumsAtEveryLength() {
        var generator = SystemRandomNumberGenerator()
        // Lengths below, at and around multiples of the eight lanes, and d_model of the fixtures.
        for length in [1, 2, 7, 8, 9, 15, 16, 17, 510, 513] {
            for offset in [0.0, 1e3] {
                let row = (0..<length).map { _ in Float(offset + Double.random(in: -4...4, using: &generator)) }
                let wide = UnsafeMutablePointer<Double>.allocate(capacity: length)
                defer { wide.deallocate() }
                let norms = row.withUnsafeBufferPointer { ResidualNorms($0.baseAddress!, count: length, wide: wide) }
                let expected = plainNorms(row)
                // Any order of d fp64 terms is within about d · 2⁻⁵³ relative of another; the
                // classification pads these norms by 10⁻⁹ relative.
                XCTAssertEqual(norms.centred, expected.centred, accuracy: 1e-12 * max(1, expected.plain), "length \(length)")
                XCTAssertEqual(norms.plain, expected.plain, accuracy: 1e-12 * expected.plain, "length \(length)")
                for j in 0..<length { XCTAssertEqual(wide[j], Double(row[j]), "length \(length), element \(j)") }
                let withoutCopy = row.withUnsafeBufferPointer { ResidualNorms($0.baseAddress!, count: length) }
                XCTAssertEqual(withoutCopy.centred, norms.centred)
                XCTAssertEqual(withoutCopy.plain, norms.plain)
            }
        }
    }

    func testConstantRowHasZeroCentredNorm() {
        let row = [Float](repeating: 2.5, count: 510)
        let norms = row.withUnsafeBufferPointer { ResidualNorms($0.baseAddress!, count: 510) }
        XCTAssertEqual(norms.centred, 0)
        XCTAssertEqual(norms.plain, (510 * 6.25).squareRoot(), accuracy: 1e-12)
    }
}
