import AdditionTask
import CarryLensTestSupport
import Exhaustive
import Transformer
import XCTest

/// ``NetworkDecisions``: each question decided once, and decided as the enumerator decides it.
final class NetworkDecisionsTests: XCTestCase {
    private func enumerator() throws -> Enumerator {
        let fast = FastEvaluator(try Fixtures.model(digits: 3))
        return try Enumerator(evaluator: fast, exactEvaluator: fast.exact, options: EnumerationOptions(chunkSize: 512, threadCount: 2))
    }

    func testAnswersAreTheEnumeratorsDecisionsAndAreNotDecidedTwice() throws {
        let enumerator = try enumerator()
        let decisions = NetworkDecisions(enumerator: enumerator)
        // The network's one failure (459+451 → 0900), its neighbours, a sample, and a repeat.
        let indices = [459_451, 459_450, 0, 999_999] + QuestionSample(size: 3_000, population: 1_000_000, seed: 11).indices + [459_451]
        let answers = try decisions.answers(indices)
        XCTAssertEqual(decisions.questionsDecided, Set(indices).count)
        let task = enumerator.task
        let failures = try enumerator.decide(indices: Array(Set(indices)).sorted()).failures
        let wrong = Dictionary(uniqueKeysWithValues: failures.map { ($0.index, $0.modelAnswer) })
        for (offset, index) in indices.enumerated() {
            let digits = answers[(offset * 4)..<(offset * 4 + 4)].map { String($0) }.joined()
            // The expected answer: the failure's text, else true addition written out here.
            let question = task.question(atIndex: index)
            let sum = question.a + question.b
            XCTAssertEqual(digits, wrong[index] ?? String(format: "%04d", sum), "\(index)")
        }
        XCTAssertEqual(answers[0..<4].map { Int($0) }, [0, 9, 0, 0])
        // Asking again decides nothing new.
        XCTAssertEqual(try decisions.answers(indices.reversed()).count, indices.count * 4)
        XCTAssertEqual(decisions.questionsDecided, Set(indices).count)
    }

    func testRecordedDecisionsAreReadNotDecidedAgain() throws {
        let decisions = NetworkDecisions(enumerator: try enumerator())
        // A recorded range with an invented failure: the record is what is read back.
        let invented = FailureRecord.check(question: try AdditionTask(digitCount: 3).question(atIndex: 123_456), predicted: [1, 1, 1, 1])!
        decisions.record(range: 100_000..<200_000, failures: [invented])
        decisions.record(indices: [5, 7], failures: [])
        let answers = try decisions.answers([123_456, 150_000, 5, 7])
        XCTAssertEqual(decisions.questionsDecided, 0)
        XCTAssertEqual(answers[0..<4].map { Int($0) }, [1, 1, 1, 1])
        XCTAssertEqual(answers[4..<8].map { Int($0) }, [0, 1, 5, 0])  // 150+000 = 0150
        XCTAssertTrue(decisions.isDecided(199_999))
        XCTAssertFalse(decisions.isDecided(200_000))
        _ = try decisions.answers([200_000])
        XCTAssertEqual(decisions.questionsDecided, 1)
    }
}
