import AdditionTask
import CarryLensTestSupport
import XCTest
@testable import Exhaustive

final class SampleRunTests: XCTestCase {
    func testSampleIsUniformReproducibleAndWithoutRepeats() {
        let first = QuestionSample(size: 5_000, population: 1_000_000, seed: 7)
        let again = QuestionSample(size: 5_000, population: 1_000_000, seed: 7)
        let other = QuestionSample(size: 5_000, population: 1_000_000, seed: 8)
        XCTAssertEqual(first.indices, again.indices)
        XCTAssertNotEqual(first.indices, other.indices)
        XCTAssertEqual(Set(first.indices).count, 5_000)
        XCTAssertEqual(first.indices, first.indices.sorted())
        XCTAssertTrue(first.indices.allSatisfy { (0..<1_000_000).contains($0) })
        // Roughly uniform: each tenth of the population gets 10% ± 2%.
        for decile in 0..<10 {
            let count = first.indices.filter { $0 / 100_000 == decile }.count
            XCTAssertEqual(Double(count) / 5_000, 0.1, accuracy: 0.02)
        }
        XCTAssertEqual(QuestionSample(size: 500, population: 100, seed: 1).indices, Array(0..<100))
    }

    /// With the one-level carry algorithm as "network", the sampled failures are exactly
    /// the sampled questions of pattern 99C, and the interval covers the true rate 4,500 / 10^6.
    func testSampledFailuresAndIntervals() throws {
        let task = try AdditionTask(digitCount: 3)
        let evaluator = OneLevelCarryEvaluator(task: task)
        let enumerator = try Enumerator(evaluator: evaluator, exactEvaluator: TrueAdditionEvaluator(task: task),
                                        options: EnumerationOptions(chunkSize: 1000, threadCount: 2))
        let sample = QuestionSample(size: 100_000, population: task.questionCount, seed: 3)
        let run = SampleRun(enumerator: enumerator, model: ModelIdentity(file: "toy", sha256: "0"))
        let (summary, margins, failures, _) = try run.run(sample)
        let expected = sample.indices.filter { task.question(atIndex: $0).pattern.description == "99C" }
        XCTAssertEqual(failures.map(\.index), expected)
        XCTAssertEqual(summary.failures, expected.count)
        XCTAssertEqual(summary.sampleSize, 100_000)
        XCTAssertEqual(summary.perDigitFailures, [expected.count, 0, 0, 0])
        XCTAssertLessThanOrEqual(summary.failureRate.low, 0.0045)
        XCTAssertGreaterThanOrEqual(summary.failureRate.high, 0.0045)
        let directory = try Fixtures.temporaryDirectory("sample")
        try SampleRun.write(summary, margins: margins, failures: failures, seconds: 1, threads: 2, to: directory)
        var loaded = try SampleSummary.load(from: directory)
        XCTAssertEqual(Array(loaded.dataFiles.keys), ["failures.csv"])
        loaded.dataFiles = [:]
        XCTAssertEqual(loaded, summary)
        XCTAssertEqual(margins.count, 100_000)
        XCTAssertEqual(margins.seed, 3)
        XCTAssertEqual(margins.marginHistogram.counts.reduce(0, +), 100_000)
        XCTAssertTrue(FileManager.default.fileExists(atPath: directory.appendingPathComponent("margins.json").path))
    }

    func testWilsonIntervalKnownValues() {
        // 0 of 100: upper end 0.0370 (Wilson, z = 1.96).
        let none = WilsonInterval(successes: 0, trials: 100)
        XCTAssertEqual(none.low, 0, accuracy: 1e-12)
        XCTAssertEqual(none.high, 0.0370, accuracy: 1e-4)
        let half = WilsonInterval(successes: 50, trials: 100)
        XCTAssertEqual(half.low, 0.4038, accuracy: 1e-4)
        XCTAssertEqual(half.high, 0.5962, accuracy: 1e-4)
    }
}
