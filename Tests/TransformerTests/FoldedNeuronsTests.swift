import AdditionTask
import CarryLensTestSupport
import XCTest
@testable import Transformer

/// The sparse path with its always-active neurons folded into one map per block, against
/// the same rows unfolded and against the fp64 table evaluator.
final class FoldedNeuronsTests: XCTestCase {
    /// 1,000 questions of the n = 5 fixture (a = 31415, b = 0…999): blocks of 10 to 1,000
    /// questions per answer position, so with the minimum block size 8 every position but
    /// A2 runs sparse, and with ``FoldPolicy/always`` every sparse block is folded.
    private let indices = Array((31415 * 100_000)..<(31415 * 100_000 + 1_000))

    private func evaluator(_ model: AdditionModel, fold: FoldPolicy, slack: Double = 0) -> FastEvaluator {
        FastEvaluator(model, path: .sparse, sparseOptions: SparseBlockOptions(minimumBlockSize: 8, slack: slack, fold: fold,
                                                                                     certificates: false))
    }

    /// Largest |margin difference| between two evaluations of the same questions, over rows
    /// both evaluated sparse (every row here), and how many rows exceed the two bounds.
    private func compare(_ x: [QuestionEvaluation], _ y: [QuestionEvaluation]) -> (largest: Float, beyondBounds: Int) {
        var largest: Float = 0, beyond = 0
        for (p, q) in zip(x, y) {
            XCTAssertEqual(p.index, q.index)
            for slot in p.margins.indices {
                let difference = abs(p.margins[slot] - q.margins[slot])
                largest = max(largest, difference)
                if difference > p.roundingBounds[slot] + q.roundingBounds[slot] { beyond += 1 }
            }
        }
        return (largest, beyond)
    }

    /// Folded rows stay within their rounding bound of the fp64 evaluation (the bound that
    /// decides whether a digit is re-decided), every row; and they agree with the same rows
    /// unfolded (same classification) to rounding noise, far inside the bounds.
    func testFoldedRowsAreWithinTheirBoundOfExactArithmetic() throws {
        let model = try Fixtures.model(digits: 5)
        let folded = evaluator(model, fold: .always)
        let foldedRows = folded.evaluate(indices: indices)
        let report = folded.evaluationPathReport()
        XCTAssertGreaterThan(report.foldedRows, indices.count * 3, "most positions folded")
        XCTAssertGreaterThan(report.foldedBlocks, 0)
        let exact = folded.exact.evaluate(indices: indices)
        let againstExact = compare(foldedRows, exact)
        XCTAssertEqual(againstExact.beyondBounds, 0, "a folded row outside its rounding bound of exact arithmetic")
        let unfolded = evaluator(model, fold: .never).evaluate(indices: indices)
        let againstUnfolded = compare(foldedRows, unfolded)
        XCTAssertEqual(againstUnfolded.beyondBounds, 0)
        XCTAssertLessThan(againstUnfolded.largest, 1e-3, "folding changes a margin by more than rounding noise")
        let bounds = foldedRows.flatMap(\.roundingBounds), plain = unfolded.flatMap(\.roundingBounds)
        print("folded: \(report.foldedRows) rows in \(report.foldedBlocks) blocks; largest |Δmargin| vs fp64 \(againstExact.largest), vs unfolded \(againstUnfolded.largest); mean bound folded \(bounds.reduce(0, +) / Float(bounds.count)), unfolded \(plain.reduce(0, +) / Float(plain.count))")
    }

    /// A fold that includes a neuron which is not active on every question of its block
    /// (pre-activation bounds moved inwards on purpose: slack −0.5, the same classification
    /// with and without folding) changes margins far beyond rounding noise, so the check
    /// above would catch an unsound fold.
    func testUnsoundFoldIsCaught() throws {
        let model = try Fixtures.model(digits: 5)
        let folded = evaluator(model, fold: .always, slack: -0.5).evaluate(indices: indices)
        let unfolded = evaluator(model, fold: .never, slack: -0.5).evaluate(indices: indices)
        let difference = compare(folded, unfolded)
        print("unsound fold: largest |Δmargin| \(difference.largest)")
        XCTAssertGreaterThan(difference.largest, 1e-2, "an unsound fold goes unnoticed")
    }

    /// The cost model: folding pays only on blocks large enough to amortise forming the map.
    func testFoldPaysOnlyOnLargeBlocks() throws {
        let model = try Fixtures.model(digits: 5)
        let fast = evaluator(model, fold: .whenItPays)
        let d = model.config.dModel
        XCTAssertFalse(fast.foldPays(rows: 100_000, active: d / 2), "no saving per row with |A| ≤ d/2")
        XCTAssertFalse(fast.foldPays(rows: 100, active: 430))
        XCTAssertTrue(fast.foldPays(rows: 10_000, active: 430))
        XCTAssertFalse(fast.shouldFold(policy: .never, rows: 10_000, active: 430))
        XCTAssertTrue(fast.shouldFold(policy: .always, rows: 10, active: 1))
    }
}
