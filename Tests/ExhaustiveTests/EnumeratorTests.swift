import AdditionTask
import Foundation
import Transformer
import XCTest
@testable import Exhaustive

final class EnumeratorTests: XCTestCase {
    /// The one-level algorithm fails exactly where a carry cascades through ≥ 2 sum-9 columns.
    func testFindsExactlyTheCascadeFailures() throws {
        let task = try Toy.task(3)
        let enumerator = try Toy.enumerator(n: 3, nearTieEvery: nil)
        let (tally, failures) = try enumerator.run(0..<task.questionCount)
        let expected = (0..<task.questionCount).filter { index in
            let chain = task.question(atIndex: index).carries
            return (0...3).contains { chain.cascadeLength(into: $0) >= 2 }
        }
        XCTAssertEqual(failures.map(\.index), expected)
        XCTAssertEqual(tally.failures, 4500)  // pattern 99C: 10 · 10 · 45
        XCTAssertEqual(tally.perDigitFailures, [4500, 0, 0, 0])
        XCTAssertEqual(tally.failuresByPattern, ["99C": 4500])
        XCTAssertEqual(tally.failuresByLongestCascade, ["2": 4500])
        XCTAssertEqual(tally.questions, task.questionCount)
        XCTAssertEqual(tally.marginHistogram.counts.reduce(0, +), task.questionCount)
        let first = try XCTUnwrap(failures.first)
        XCTAssertEqual(first.csvRow(digitCount: 3), "001,999,0000,1000,A3,99C,2")
    }

    func testThreadCountAndChunkSizeDoNotChangeResults() throws {
        for n in [2, 3] {
            let total = try Toy.task(n).questionCount
            let single = try Toy.enumerator(n: n, threads: 1, chunkSize: 64).run(0..<total)
            for (threads, chunk) in [(2, 64), (2, 1000), (3, 7)] {
                let other = try Toy.enumerator(n: n, threads: threads, chunkSize: chunk).run(0..<total)
                XCTAssertEqual(other.tally, single.tally, "n=\(n) threads=\(threads) chunk=\(chunk)")
                XCTAssertEqual(other.failures, single.failures, "n=\(n) threads=\(threads) chunk=\(chunk)")
            }
        }
    }

    /// Near ties (smallest margin below the rule) are re-decided by the exact evaluator, which is what counts.
    func testNearTiesAreReDecidedByTheExactEvaluator() throws {
        let task = try Toy.task(3)
        // Index 1999 = 001+999 is a cascade failure of the one-level algorithm; make every 1999th question a near tie.
        let enumerator = try Enumerator(
            evaluator: OneLevelCarryEvaluator(task: task, nearTieEvery: 1999),
            exactEvaluator: TrueAdditionEvaluator(task: task),
            options: EnumerationOptions(chunkSize: 500, threadCount: 2))
        XCTAssertEqual(enumerator.nearTieRule, .fixed(NearTieRule.defaultFixedMargin))
        let (tally, failures) = try enumerator.run(0..<task.questionCount)
        let nearTieIndices = Array(stride(from: 0, to: task.questionCount, by: 1999))
        XCTAssertEqual(tally.nearTies.map(\.index), nearTieIndices)
        let changed = tally.nearTies.filter(\.changedDecision)
        let expectedChanged = nearTieIndices.filter { OneLevelCarryEvaluator.answer(task.question(atIndex: $0)) != task.question(atIndex: $0).answerDigits.map { UInt8($0) } }
        XCTAssertFalse(expectedChanged.isEmpty)
        XCTAssertEqual(changed.map(\.index), expectedChanged)
        XCTAssertTrue(changed.allSatisfy { !$0.fastCorrect && $0.exactCorrect == true })
        XCTAssertEqual(tally.failures, 4500 - expectedChanged.count)
        XCTAssertFalse(failures.contains { expectedChanged.contains($0.index) })
        // A margin of 0 never counts as a near tie.
        let strict = try Enumerator(
            evaluator: OneLevelCarryEvaluator(task: task, nearTieEvery: 1999),
            exactEvaluator: TrueAdditionEvaluator(task: task),
            options: EnumerationOptions(chunkSize: 500, threadCount: 1, nearTieRule: .fixed(0)))
        XCTAssertEqual(try strict.run(0..<task.questionCount).tally.failures, 4500)
    }

    /// Only the untrusted digits of a near tie are sent for re-decision; an exact
    /// evaluator that decides just those gives the same results as whole questions.
    func testOnlyUntrustedDigitsAreReDecided() throws {
        final class Recorder: BatchEvaluator, @unchecked Sendable {
            let base: TrueAdditionEvaluator
            private let lock = NSLock()
            private(set) var requested: [[Int]] = []
            init(task: AdditionTask) { base = TrueAdditionEvaluator(task: task) }
            var task: AdditionTask { base.task }
            func evaluate(_ indices: Range<Int>) -> [QuestionEvaluation] { base.evaluate(indices) }
            func redecide(_ evaluations: [QuestionEvaluation], slots: [[Int]]) -> [QuestionEvaluation] {
                lock.lock(); requested += slots; lock.unlock()
                let truth = base.evaluate(indices: evaluations.map(\.index))
                return zip(evaluations, zip(truth, slots)).map { fast, pair in
                    var decided = fast
                    for slot in pair.1 { decided.predicted[slot] = pair.0.predicted[slot]; decided.margins[slot] = pair.0.margins[slot] }
                    return decided
                }
            }
        }
        let task = try Toy.task(3)
        let recorder = Recorder(task: task)
        let options = EnumerationOptions(chunkSize: 500, threadCount: 2)
        // Every 7th question has margin 0.001 at A0 (slot 3), below the fixed rule's 0.01.
        let digitwise = try Enumerator(evaluator: OneLevelCarryEvaluator(task: task, nearTieEvery: 7),
                                       exactEvaluator: recorder, options: options).run(0..<task.questionCount)
        let nearTieCount = (task.questionCount + 6) / 7
        XCTAssertEqual(recorder.requested.count, nearTieCount)
        XCTAssertTrue(recorder.requested.allSatisfy { $0 == [3] })
        let whole = try Enumerator(evaluator: OneLevelCarryEvaluator(task: task, nearTieEvery: 7),
                                   exactEvaluator: TrueAdditionEvaluator(task: task), options: options).run(0..<task.questionCount)
        // A0 is never wrong under the one-level algorithm, so re-deciding only A0 changes no
        // decision, while whole questions also repair the cascade failures among the near ties.
        XCTAssertEqual(digitwise.tally.nearTies.count, nearTieCount)
        XCTAssertTrue(digitwise.tally.nearTies.allSatisfy { !$0.changedDecision })
        XCTAssertEqual(digitwise.tally.failures, 4500)
        let repaired = whole.tally.nearTies.filter(\.changedDecision).count
        XCTAssertEqual(whole.tally.failures, 4500 - repaired)
    }

    func testEvaluatorProvidedNearTieThreshold() throws {
        struct Bounded: RoundingBoundedEvaluator {
            let base: OneLevelCarryEvaluator
            var task: AdditionTask { base.task }
            // Even questions get a bound of 0.5 on their last digit, odd ones none that matters.
            func evaluate(_ indices: Range<Int>) -> [QuestionEvaluation] {
                base.evaluate(indices).map { evaluation in
                    var bounded = evaluation
                    bounded.roundingBounds = evaluation.margins.indices.map { digit in
                        evaluation.index % 2 == 0 && digit == evaluation.margins.count - 1 ? 0.5 : 0
                    }
                    return bounded
                }
            }
        }
        let task = try Toy.task(2)
        let enumerator = try Enumerator(
            evaluator: Bounded(base: OneLevelCarryEvaluator(task: task, nearTieEvery: 3)),
            exactEvaluator: TrueAdditionEvaluator(task: task))
        XCTAssertEqual(enumerator.nearTieRule, .fromEvaluator)
        let (tally, _) = try enumerator.run(0..<task.questionCount)
        XCTAssertEqual(tally.nearTies.map(\.index), Array(stride(from: 0, to: task.questionCount, by: 6)))
    }

    func testRejectsBadOptionsAndBadEvaluators() throws {
        let task = try Toy.task(2)
        assertThrowsExhaustive(try Enumerator(evaluator: TrueAdditionEvaluator(task: task), exactEvaluator: nil,
                                              options: EnumerationOptions(chunkSize: 0)), { $0 == .invalidChunkSize(0) })
        assertThrowsExhaustive(try Enumerator(evaluator: TrueAdditionEvaluator(task: task), exactEvaluator: nil,
                                              options: EnumerationOptions(threadCount: 0)), { $0 == .invalidThreadCount(0) })
        struct Short: BatchEvaluator {
            let task: AdditionTask
            func evaluate(_ indices: Range<Int>) -> [QuestionEvaluation] { [] }
        }
        let enumerator = try Enumerator(evaluator: Short(task: task), exactEvaluator: nil)
        assertThrowsExhaustive(try enumerator.run(0..<10), {
            if case .evaluatorMismatch = $0 { return true } else { return false }
        })
    }

    func testNonDigitTokensAreWrittenAsSymbols() throws {
        XCTAssertEqual(FailureRecord.answerText([0, 10, 11, 9]), "0+=9")
        let task = try Toy.task(2)
        let failure = try XCTUnwrap(FailureRecord.check(question: task.question(atIndex: 5 * 100 + 7), predicted: [10, 1, 2]))
        XCTAssertEqual(failure.modelAnswer, "+12")
        XCTAssertEqual(failure.trueAnswer, "012")
        XCTAssertEqual(failure.wrongDigits, [AnswerDigit(place: 2)])
        XCTAssertEqual(failure.csvRow(digitCount: 2), "05,07,+12,012,A2,_C,0")
    }
}
