import AdditionTask
import CarryLensTestSupport
import Foundation
import XCTest
import Exhaustive
import Reports
import Transformer
@testable import Verification

/// `verify --results` on n = 3 results that cover only part of the space (shards 3, 459 and
/// 460 of 1,000: the ranges [3000, 4000) and [459000, 461000), the second holding the
/// network's one n = 3 failure, 459+451): the evaluation stage keeps one result per
/// contiguous range and samples the rest uniformly; the report states the ranges, their share
/// and the sample, gives exact counts for the ranges only, and never calls the run exhaustive.
/// The interpretation and proof stages are not run here (the committed ones are reused):
/// they do not depend on how the network's answers were obtained.
final class PartialResultsTests: XCTestCase {
    private let measuredRanges = [3000..<4000, 459_000..<461_000]

    /// Shards 3, 459 and 460 of 1,000, enumerated into `root/shard-I`.
    private func partialShards(model: AdditionModel, in root: URL) throws {
        let identity = try ModelIdentity(fileAt: model.url)
        let fast = FastEvaluator(model)
        let enumerator = try Enumerator(evaluator: fast, exactEvaluator: fast.exact, options: EnumerationOptions(chunkSize: 500, threadCount: 2))
        for index in [3, 459, 460] {
            let range = try Shard(index: index, of: 1000).range(total: model.task.questionCount)
            _ = try ShardRun(directory: root.appendingPathComponent("shard-\(index)"), model: identity, range: range, enumerator: enumerator)
                .run(resume: false, force: false)
        }
    }

    func testPartialResultsAreMeasuredWhereCoveredAndSampledElsewhere() throws {
        let model = try Fixtures.model(digits: 3)
        let shards = try Fixtures.temporaryDirectory("partial-shards")
        try partialShards(model: model, in: shards)
        var options = VerificationOptions()
        options.sampleSize = 5_000
        options.seed = 11
        options.results = shards
        options.reproducible = true
        let pipeline = try VerificationPipeline(model: model, options: options)
        let out = try Fixtures.temporaryDirectory("partial-verify")
        var lines: [String] = []
        try pipeline.evaluate(results: shards, identity: try ModelIdentity(fileAt: model.url), directory: out) { lines.append($0) }

        // One result per contiguous range; the sample's frame is exactly the rest.
        let measuredDirectory = out.appendingPathComponent("measured")
        let names = try FileManager.default.contentsOfDirectory(atPath: measuredDirectory.path).sorted()
        XCTAssertEqual(names, ["range-3000-4000", "range-459000-461000"])
        let rest = try SampleResult.load(from: out.appendingPathComponent("sample"))
        XCTAssertEqual(rest.summary.frame, [0..<3000, 4000..<459_000, 461_000..<1_000_000])
        XCTAssertEqual(rest.summary.population, 1_000_000 - 3000)
        XCTAssertEqual(rest.summary.sampleSize, 5_000)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.appendingPathComponent("enumeration").path))
        // Every decision recorded: the measured ranges and the sample; nothing else.
        XCTAssertEqual(pipeline.decisions.questionsDecided, 0)
        for range in measuredRanges { XCTAssertTrue(range.allSatisfy(pipeline.decisions.isDecided)) }
        let sampled = QuestionSample(size: 5_000, frame: rest.summary.frame ?? [], seed: 11).indices
        XCTAssertTrue(sampled.allSatisfy(pipeline.decisions.isDecided))
        XCTAssertFalse(sampled.contains { index in self.measuredRanges.contains { $0.contains(index) } })
        XCTAssertFalse(pipeline.decisions.isDecided(600_000) && !sampled.contains(600_000))

        // The report, with the committed explanation and proofs (they do not depend on coverage).
        let committed = Fixtures.repositoryRoot.appendingPathComponent("proofs/add3_l1_h3_s129000")
        for part in ["model.json", "explanation", "proofs"] {
            try FileManager.default.copyItem(at: committed.appendingPathComponent(part), to: out.appendingPathComponent(part))
        }
        let results = try VerificationResults.load(from: out)
        guard case .partial(let partial) = results.coverage else { return XCTFail("not read as partial coverage") }
        XCTAssertEqual(partial.measured.coverage.measured, measuredRanges)
        try VerificationReport(results: results, reproducible: true).write(to: out)

        // Expected counts from the committed report's failures.csv (459+451 is the one failure).
        let committedRows = try String(contentsOf: committed.appendingPathComponent("failures.csv"), encoding: .utf8)
            .split(separator: "\n").dropFirst().map { $0.split(separator: ",") }
        let committedIndices = committedRows.map { Int($0[0])! * 1000 + Int($0[1])! }
        let inRanges = committedIndices.filter { index in measuredRanges.contains { $0.contains(index) } }
        XCTAssertEqual(inRanges, [459_451])

        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("summary.json"))) as! [String: Any]
        let coverage = summary["coverage"] as! [String: Any]
        XCTAssertEqual(coverage["kind"] as? String, "partial")
        XCTAssertEqual(coverage["measured"] as? [[Int]], [[3000, 4000], [459_000, 461_000]])
        XCTAssertEqual(coverage["measured_questions"] as? Int, 3000)
        XCTAssertEqual(coverage["population"] as? Int, 1_000_000)
        let restSample = coverage["rest_sample"] as! [String: Any]
        XCTAssertEqual(restSample["questions"] as? Int, 5_000)
        XCTAssertEqual(restSample["population"] as? Int, 997_000)
        XCTAssertEqual(restSample["seed"] as? Int, 11)
        let network = summary["network"] as! [String: Any]
        XCTAssertEqual(network["failures"] as? Int, inRanges.count)
        // The whole-space interval: the measured failures exactly, the rest at the sample's Wilson ends.
        let restFailures = restSample["failures"] as! Int
        let wilson = WilsonInterval(successes: restFailures, trials: 5_000)
        let rate = network["failure_rate"] as! [String: Double]
        XCTAssertEqual(rate["low"]!, (Double(inRanges.count) + 997_000 * wilson.low) / 1_000_000, accuracy: 1e-15)
        XCTAssertEqual(rate["high"]!, (Double(inRanges.count) + 997_000 * wilson.high) / 1_000_000, accuracy: 1e-15)

        let report = try String(contentsOf: out.appendingPathComponent("report.md"), encoding: .utf8)
        XCTAssertTrue(report.contains(#"\[3000, 4000), \[459000, 461000)"#), "ranges not stated")  // Markdown-escaped brackets
        XCTAssertTrue(report.contains("3,000 of the 1,000,000 questions, 0.3% of the space"), "coverage share not stated")
        XCTAssertTrue(report.contains("This is not an exhaustive run"))
        XCTAssertTrue(report.contains("uniform sample of 5,000 of the 997,000 unmeasured questions, seed 11"))
        XCTAssertTrue(report.contains("Contiguous index ranges are not a uniform sample"))
        XCTAssertFalse(report.contains("every one of the"), "a partial run called exhaustive")
        let csv = try String(contentsOf: out.appendingPathComponent("failures.csv"), encoding: .utf8)
        XCTAssertTrue(csv.contains("459,451,0900,0910"))
    }

    /// The sample of a frame: inside it, sorted, without repeats, and the whole-space sample when the frame is everything.
    func testSampleOfAFrameStaysInsideIt() {
        let frame = [10..<20, 100..<105, 900..<1000]
        let sample = QuestionSample(size: 60, frame: frame, seed: 5)
        XCTAssertEqual(sample.indices.count, 60)
        XCTAssertEqual(sample.indices, Array(Set(sample.indices)).sorted())
        XCTAssertTrue(sample.indices.allSatisfy { index in frame.contains { $0.contains(index) } })
        XCTAssertEqual(QuestionSample(size: 115, frame: frame, seed: 5).indices, Array(10..<20) + Array(100..<105) + Array(900..<1000))
        XCTAssertEqual(QuestionSample(size: 50, frame: [0..<1000], seed: 9).indices, QuestionSample(size: 50, population: 1000, seed: 9).indices)
    }
}
