import AdditionTask
import CarryLensTestSupport
import XCTest
@testable import Transformer

/// The reference forward pass reproduces the PyTorch logits of the three fixtures (n = 3, 4, 5).
final class ReferenceForwardTests: XCTestCase {
    func testMatchesPyTorchLogitsOnFixtureVectors() throws {
        for digits in [3, 4, 5] {
            let model = try Fixtures.model(digits: digits)
            let vectors = try TestVectors(digits: digits)
            XCTAssertGreaterThan(vectors.a.count, 900)
            let fp32 = ReferenceTransformer<Float>(model)
            let fp64 = ReferenceTransformer<Double>(model)
            var worst32: Float = 0
            var worst64: Double = 0
            var worstBetween: Double = 0
            // fp32 on every special case and every other random vector, fp64 on every
            // fourth (all of them in both precisions with CARRYLENS_LONG_TESTS=1).
            let doublePositions = Set(vectors.positions(everyRandom: 4))
            let positions = vectors.positions(everyRandom: 2)
            let passes = positions.concurrentMap { index in
                let question = Question(a: vectors.a[index], b: vectors.b[index], task: model.task)
                return (fp32.run(question).answerLogits, doublePositions.contains(index) ? fp64.run(question).answerLogits : nil)
            }
            for (index, (single, double)) in zip(positions, passes) {
                let question = Question(a: vectors.a[index], b: vectors.b[index], task: model.task)
                XCTAssertEqual(question.answerDigits, vectors.answerTokens[index], "true answer of \(question)")
                for row in 0...digits {
                    let expected = vectors.logits[index][row]
                    XCTAssertEqual(argmax(single[row]), argmax(expected), "fp32 argmax of \(question) row \(row)")
                    for token in 0..<12 { worst32 = max(worst32, abs(single[row][token] - expected[token])) }
                    guard let double else { continue }
                    XCTAssertEqual(argmax(double[row]), argmax(expected), "fp64 argmax of \(question) row \(row)")
                    for token in 0..<12 {
                        worst64 = max(worst64, abs(double[row][token] - Double(expected[token])))
                        worstBetween = max(worstBetween, abs(Double(single[row][token]) - double[row][token]))
                    }
                }
            }
            XCTAssertLessThanOrEqual(worst32, 1e-4, "n = \(digits): max |Δlogit| fp32 vs PyTorch")
            XCTAssertLessThanOrEqual(worst64, 1e-4, "n = \(digits): max |Δlogit| fp64 vs PyTorch")
            XCTAssertLessThanOrEqual(worstBetween, 1e-4, "n = \(digits): max |Δlogit| fp32 vs fp64")
            print("n = \(digits): \(vectors.positions(everyRandom: 2).count) of \(vectors.a.count) vectors in fp32, \(doublePositions.count) in fp64, max |Δlogit| fp32 \(worst32), fp64 \(worst64), fp32-fp64 \(worstBetween)")
        }
    }
}
