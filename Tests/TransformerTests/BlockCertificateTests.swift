import AdditionTask
import CarryLensTestSupport
import XCTest
@testable import Transformer

/// Block certificates on the sparse path against the dense path and the fp64 table
/// evaluator, and a certificate made unsound on purpose.
final class BlockCertificateTests: XCTestCase {
    /// 5,000 questions of the n = 5 fixture (a = 27182, b = 40,000…44,999) as one chunk:
    /// blocks of 50 to 5,000 questions per answer position.
    private let indices = Array((27182 * 100_000 + 40_000)..<(27182 * 100_000 + 45_000))

    private func sparse(_ model: AdditionModel, certificateSlack: Double = 0, certificates: Bool = true) -> FastEvaluator {
        FastEvaluator(model, path: .sparse,
                      sparseOptions: SparseBlockOptions(minimumBlockSize: 16, certificates: certificates, certificateSlack: certificateSlack))
    }

    /// Rows (question, slot) whose predicted digit differs between two evaluations.
    private func differingDigits(_ x: [QuestionEvaluation], _ y: [QuestionEvaluation]) -> Int {
        zip(x, y).reduce(0) { count, pair in
            count + zip(pair.0.predicted, pair.1.predicted).filter { $0 != $1 }.count
        }
    }

    /// Every certified row (rounding bound 0, margin = the certified lower bound) has the
    /// fp64 table evaluator's digit, and its certified margin is at most the fp64 margin
    /// plus the fp64 bound: the certificate's bound holds row by row, not only its digit.
    /// Rows both paths trust (margin above the rounding bound) have the same digit.
    func testCertifiedRowsAgreeWithExactArithmetic() throws {
        let model = try Fixtures.model(digits: 5)
        let fast = sparse(model)
        let rows = fast.evaluate(indices: indices)
        let report = fast.evaluationPathReport()
        XCTAssertGreaterThan(report.certificateRows, rows.count * 2, "most rows certified: \(report)")
        let exact = fast.exact.evaluate(indices: indices)
        let dense = FastEvaluator(model).evaluate(indices: indices)
        var certified = 0, checkedAgainstDense = 0
        var smallestSlack = Double.infinity
        for ((row, exactRow), denseRow) in zip(zip(rows, exact), dense) {
            for slot in row.predicted.indices {
                if denseRow.margins[slot] > denseRow.roundingBounds[slot], row.margins[slot] > row.roundingBounds[slot] {
                    XCTAssertEqual(row.predicted[slot], denseRow.predicted[slot], "question \(row.index) slot \(slot)")
                    checkedAgainstDense += 1
                }
                guard row.roundingBounds[slot] == 0 else { continue }
                certified += 1
                XCTAssertEqual(row.predicted[slot], exactRow.predicted[slot], "question \(row.index) slot \(slot)")
                let room = Double(exactRow.margins[slot]) + Double(exactRow.roundingBounds[slot]) - Double(row.margins[slot])
                smallestSlack = min(smallestSlack, room)
                XCTAssertGreaterThanOrEqual(room, 0, "certified margin above the exact one: question \(row.index) slot \(slot)")
            }
        }
        XCTAssertEqual(certified, report.certificateRows)
        // The threshold a certified margin must exceed is far above every fp64 bound seen.
        let threshold = try XCTUnwrap(fast.certificateModel).minimumMargin
        let largestExactBound = exact.flatMap(\.roundingBounds).max() ?? 0
        XCTAssertGreaterThan(threshold, 4 * Double(largestExactBound))
        print("certificate threshold \(threshold); largest fp64 bound \(largestExactBound)")
        XCTAssertGreaterThan(checkedAgainstDense, rows.count * 5)
        print("certified rows: \(certified) of \(rows.count * fast.slots); smallest exact − certified margin: \(smallestSlack)")
    }

    /// Shrinking the certificate's bound on purpose (a certified margin 20 logits larger
    /// than proved) certifies wrong digits on some rows, which the comparison with the
    /// dense path's decisions catches; the sound certificate gives none.
    func testUnsoundCertificateIsCaught() throws {
        let model = try Fixtures.model(digits: 5)
        let dense = FastEvaluator(model).evaluate(indices: indices)
        let sound = sparse(model).evaluate(indices: indices)
        XCTAssertEqual(differingDigits(sound, dense), 0)
        let unsound = sparse(model, certificateSlack: -20).evaluate(indices: indices)
        let wrong = differingDigits(unsound, dense)
        print("digits certified wrongly with the bound shrunk by 20 logits: \(wrong)")
        XCTAssertGreaterThan(wrong, 0)
    }
}
