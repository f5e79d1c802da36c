import AdditionTask
import CarryLensTestSupport
import XCTest
@testable import Exhaustive
@testable import Transformer

/// The real n = 3 network, every one of its 10^6 questions (the shared verification's
/// enumeration, ``SharedVerification``: the committed one, whose reproduction by the current
/// evaluator CommittedEnumerationTests checks), checked against the slow fp64 reference pass.
final class FixtureEnumerationTests: XCTestCase {
    func testEveryThreeDigitQuestionMatchesTheReferencePass() throws {
        let model = try Fixtures.model(digits: 3)
        let shared = try SharedVerification.threeDigit.run()
        let result = try EnumerationResult.load(from: shared.directory.appendingPathComponent("enumeration"))
        let failures = try result.failures()
        XCTAssertEqual(result.summary.count, 1_000_000)
        XCTAssertEqual(result.summary.firstIndex, 0)
        XCTAssertEqual(result.summary.failures, failures.count)
        XCTAssertEqual(failures.map(\.index), failures.map(\.index).sorted(), "failures in index order")

        // Every listed failure: the reference pass gives the same wrong answer.
        let reference = ReferenceTransformer<Double>(model)
        var perDigit = [Int](repeating: 0, count: 4)
        var byPattern: [String: Int] = [:]
        let failurePredictions = failures.concurrentMap { reference.run(model.task.question(atIndex: $0.index)).predictedDigits }
        for (failure, predicted) in zip(failures, failurePredictions) {
            let question = model.task.question(atIndex: failure.index)
            XCTAssertNotEqual(predicted, question.answerDigits, "\(question) is listed as a failure")
            XCTAssertEqual(predicted.map(String.init).joined(), failure.modelAnswer, "\(question)")
            XCTAssertEqual(failure.trueAnswer, question.answerText)
            XCTAssertEqual(failure.pattern, question.pattern.description)
            for (row, digit) in predicted.enumerated() where digit != question.answerDigits[row] { perDigit[row] += 1 }
            byPattern[question.pattern.description, default: 0] += 1
        }
        // The counts are the failure list's, recounted here from the reference pass.
        XCTAssertEqual(result.summary.perDigitFailures, perDigit)
        XCTAssertEqual(result.summary.failuresByPattern, byPattern)

        // A large random sample of the rest: the reference pass answers them correctly.
        let failed = Set(failures.map(\.index))
        var generator = SeededGenerator(seed: 459_451)
        var sample: [Int] = []
        while sample.count < 1_000 {
            let index = Int.random(in: 0..<model.task.questionCount, using: &generator)
            if !failed.contains(index) { sample.append(index) }
        }
        let samplePredictions = sample.concurrentMap { reference.run(model.task.question(atIndex: $0)).predictedDigits }
        for (index, predicted) in zip(sample, samplePredictions) {
            let question = model.task.question(atIndex: index)
            XCTAssertEqual(predicted, question.answerDigits, "\(question) is not listed as a failure")
        }
        XCTAssertEqual(result.summary.undecided, [], "every near tie decided")
        print("n = 3 fixture: \(failures.count) failures \(failures.map { "\($0.a)+\($0.b)=\($0.modelAnswer)" })")
    }

    /// The real network gives the same tallies and failures with 1 and 2 threads.
    func testThreadCountDoesNotChangeResults() throws {
        let model = try Fixtures.model(digits: 3)
        let evaluator = FastEvaluator(model)
        let range = 445_000..<460_000
        let single = try Enumerator(evaluator: evaluator, exactEvaluator: ReferenceEvaluator<Double>(model),
                                    options: EnumerationOptions(chunkSize: 1000, threadCount: 1)).run(range)
        let double = try Enumerator(evaluator: evaluator, exactEvaluator: ReferenceEvaluator<Double>(model),
                                    options: EnumerationOptions(chunkSize: 777, threadCount: 2)).run(range)
        // Decisions and counts (what summary.json holds) are identical.
        let identity = RunIdentity(model: ModelIdentity(file: "m", sha256: "0"), evaluator: "FastEvaluator", exactEvaluator: "reference",
                                   nearTieRule: "evaluator-per-digit", nDigits: 3, firstIndex: range.lowerBound, count: range.count)
        XCTAssertEqual(try CanonicalJSON.encode(EnumerationSummary(identity: identity, tally: single.tally)),
                       try CanonicalJSON.encode(EnumerationSummary(identity: identity, tally: double.tally)))
        XCTAssertEqual(single.failures, double.failures)
        // The fp32 margins may differ in their last bits (on some CPUs OpenBLAS's sgemm
        // does not give the same bits for the same rows in another batch), so near ties are
        // compared by their fp64 decisions, which are computed in fixed order.
        let exactByIndex = Dictionary(uniqueKeysWithValues: double.tally.nearTies.map { ($0.index, $0.exactAnswer) })
        for tie in single.tally.nearTies {
            if let other = exactByIndex[tie.index] { XCTAssertEqual(tie.exactAnswer, other, "near tie \(tie.index)") }
        }
    }
}
