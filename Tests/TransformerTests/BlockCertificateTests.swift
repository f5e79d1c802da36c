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
    /// dense path's decisions catches; the sound certificate gives none. The questions
    /// are a = 49999, b = 50,000…54,999: long carry chains, where some digits depend on
    /// neurons that switch inside their block (on plainer questions the certificate's
    /// likely winner is right even when its bound is not).
    func testUnsoundCertificateIsCaught() throws {
        let model = try Fixtures.model(digits: 5)
        let indices = Array((49999 * 100_000 + 50_000)..<(49999 * 100_000 + 55_000))
        let dense = FastEvaluator(model).evaluate(indices: indices)
        let sound = sparse(model).evaluate(indices: indices)
        XCTAssertEqual(differingDigits(sound, dense), 0)
        let unsound = sparse(model, certificateSlack: -20).evaluate(indices: indices)
        let wrong = differingDigits(unsound, dense)
        print("digits certified wrongly with the bound shrunk by 20 logits: \(wrong)")
        XCTAssertGreaterThan(wrong, 0)
    }

    /// Functionals updated along a chain of neuron sets (neurons joining and leaving, as
    /// between consecutive blocks) equal the functionals formed anew for the last set, to
    /// within the rounding the chain's counted scales allow; and the chain restarts from
    /// scratch when the sets differ in half the neurons or more.
    func testUpdatedFunctionalsMatchFreshOnes() throws {
        let model = try Fixtures.model(digits: 5)
        let fast = sparse(model)
        let certificates = try XCTUnwrap(fast.certificateModel), blocks = try XCTUnwrap(fast.sparseModel)
        let m = fast.m, d = fast.d, v = fast.vocabulary
        var generator = SeededGenerator(seed: 41)
        var set = Set((0..<m).filter { _ in generator.next() % 4 == 0 }.map { Int32($0) })
        let scratch = CertificateScratch(d: d, m: m, v: v)
        let first = certificates.functionals(active: set.sorted(), sparse: blocks, scratch: scratch, slot: 2)
        var chained = first
        for _ in 0..<40 {
            // About 30 neurons leave and 30 join.
            for neuron in set where generator.next() % 17 == 0 { set.remove(neuron) }
            for _ in 0..<30 { set.insert(Int32(generator.next() % UInt64(m))) }
            chained = certificates.functionals(active: set.sorted(), sparse: blocks, scratch: scratch, slot: 2)
            XCTAssertTrue(chained === first, "a small change updates the same functionals")
        }
        XCTAssertGreaterThan(chained.chainTerms, set.count + 40 * 30)
        let fresh = certificates.functionals(active: set.sorted(), sparse: blocks, scratch: CertificateScratch(d: d, m: m, v: v), slot: 2)
        XCTAssertEqual(chained.isLinear, fresh.isLinear)
        let gamma = Double(chained.chainTerms + d) * Double.ulpOfOne
        for t in 0..<v {
            // ‖V_t(chain) − V_t(fresh)‖ ≤ γ (Σ counted |w| ‖u‖), the term the certificate pads by.
            var squares = 0.0
            for j in 0..<d {
                let difference = chained.values[(v + t) * d + j] - fresh.values[(v + t) * d + j]
                squares += difference * difference
            }
            XCTAssertLessThanOrEqual(squares.squareRoot(), gamma * chained.scale[t])
            XCTAssertGreaterThanOrEqual(chained.scale[t], fresh.scale[t])
            XCTAssertEqual(chained.offset[t], fresh.offset[t], accuracy: gamma * chained.offsetScale[t])
            XCTAssertGreaterThan(abs(fresh.offset[t]) + chained.scale[t], 0, "the comparison compares something")
        }
        for j in 0..<(v * d) { XCTAssertEqual(chained.values[j], fresh.values[j], "the g_t part is the model's own") }
        // Half the neurons replaced: formed anew.
        let other = Set((0..<m).filter { _ in generator.next() % 4 == 1 }.map { Int32($0) })
        let restarted = certificates.functionals(active: other.sorted(), sparse: blocks, scratch: scratch, slot: 2)
        XCTAssertFalse(restarted === first)
        XCTAssertEqual(restarted.chainTerms, other.count)
    }

    /// A projection stored in fp32 and widened up and down encloses the fp64 value it was
    /// rounded from, across magnitudes, signs, zero and subnormals.
    func testWidenedStoredProjectionsEncloseTheirValues() {
        var generator = SeededGenerator(seed: 7)
        // Every value fp32 holds finitely (a model with larger projections has no sparse path).
        var values: [Double] = [0, 1e-46, -1e-46, 1e-40, -3e-39, Double(Float.leastNormalMagnitude), 1, -1,
                                Double(Float.greatestFiniteMagnitude), -Double(Float.greatestFiniteMagnitude)]
        for _ in 0..<100_000 {
            let unit = Double(generator.next() >> 11) / Double(1 << 53)
            let exponent = Double(generator.next() % 78) - 40
            values.append((unit - 0.5) * pow(10, exponent))
        }
        for value in values {
            let stored = Float(value)
            XCTAssertLessThanOrEqual(value, SparseBlockModel.widenedUp(stored), "\(value)")
            XCTAssertGreaterThanOrEqual(value, SparseBlockModel.widenedDown(stored), "\(value)")
        }
    }
}
