import AdditionTask
import CarryLensTestSupport
import Foundation
import XCTest
@testable import Exhaustive
import Transformer

/// The committed n = 3 enumeration (proofs/add3_l1_h3_s129000/enumeration), which the shared
/// verification reads with `--results`, is what the current evaluator computes: a few shards
/// enumerated afresh agree with the corresponding part of it record for record and byte for
/// byte (`failures.bin` re-encoded over the shard's range), and, with CARRYLENS_LONG_TESTS=1,
/// a fresh whole-space enumeration is byte-identical to it.
final class CommittedEnumerationTests: XCTestCase {
    private let committed = SharedVerification.committedEnumeration

    private func enumerator(_ model: AdditionModel) throws -> Enumerator {
        let fast = FastEvaluator(model)
        return try Enumerator(evaluator: fast, exactEvaluator: fast.exact,
                              options: EnumerationOptions(chunkSize: 4096, threadCount: ProcessInfo.processInfo.activeProcessorCount))
    }

    /// Shards 0, 31 and 63 of 64 (the first, a middle and the last range; 15,625 questions each).
    func testFreshShardsEqualTheCommittedEnumerationOverTheirRanges() throws {
        let model = try Fixtures.model(digits: 3)
        let identity = try ModelIdentity(fileAt: Fixtures.modelURL(digits: 3))
        let whole = try EnumerationResult.load(from: committed)
        let committedFailures = try whole.failures()
        let root = try Fixtures.temporaryDirectory("committed-shards")
        for index in [0, 31, 63] {
            let range = try Shard(index: index, of: 64).range(total: model.task.questionCount)
            let directory = root.appendingPathComponent("shard-\(index)")
            guard case .completed(let fresh, _) = try ShardRun(directory: directory, model: identity, range: range,
                                                                enumerator: enumerator(model)).run(resume: false, force: false) else {
                return XCTFail("shard \(index) did not complete")
            }
            let expected = committedFailures.filter { range.contains($0.index) }
            XCTAssertEqual(try fresh.failures(), expected, "shard \(index): failure records")
            // The counts, recounted from the committed records of the range.
            var tally = EnumerationTally(digitCount: 3)
            for failure in expected { tally.add(failure, digitCount: 3) }
            XCTAssertEqual(fresh.summary.failures, tally.failures)
            XCTAssertEqual(fresh.summary.perDigitFailures, tally.perDigitFailures)
            XCTAssertEqual(fresh.summary.failuresByPattern, tally.failuresByPattern)
            XCTAssertEqual(fresh.summary.failuresByLongestCascade, tally.failuresByLongestCascade)
            XCTAssertEqual(fresh.summary.undecided, whole.summary.undecided.filter(range.contains))
            // failures.bin: the committed records of the range, encoded as one run over it encodes them.
            let sliceURL = root.appendingPathComponent("slice-\(index).bin")
            let writer = try FailureSetWriter(url: sliceURL)
            var encoder = FailureRecordEncoder(firstIndex: range.lowerBound, digitCount: 3)
            var bytes: [UInt8] = []
            for failure in expected { encoder.append(failure, to: &bytes) }
            try writer.append(raw: bytes)
            _ = try writer.finish()
            XCTAssertEqual(try Data(contentsOf: directory.appendingPathComponent("failures.bin")), try Data(contentsOf: sliceURL),
                           "shard \(index): failures.bin differs from the committed records of its range")
        }
        XCTAssertGreaterThan(committedFailures.count, 0)
    }

    /// Every question afresh (about 2 to 3 minutes): summary.json and failures.bin byte-identical to the committed ones.
    func testFreshWholeEnumerationIsByteIdenticalToTheCommittedOne() throws {
        try TestGates.requireLongTests("a fresh enumeration of all 10^6 n = 3 questions")
        let model = try Fixtures.model(digits: 3)
        let identity = try ModelIdentity(fileAt: Fixtures.modelURL(digits: 3))
        let directory = try Fixtures.temporaryDirectory("committed-whole")
        guard case .completed = try ShardRun(directory: directory, model: identity, range: 0..<model.task.questionCount,
                                             enumerator: enumerator(model)).run(resume: false, force: false) else {
            return XCTFail("the enumeration did not complete")
        }
        for file in ["summary.json", "failures.bin"] {
            XCTAssertEqual(try Data(contentsOf: directory.appendingPathComponent(file)), try Data(contentsOf: committed.appendingPathComponent(file)), file)
        }
    }
}
