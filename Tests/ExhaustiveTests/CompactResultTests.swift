import AdditionTask
import CarryLensTestSupport
import Foundation
import Transformer
import XCTest
@testable import Exhaustive

/// Expected values computed here by brute force, independently of the enumerator, the
/// result files and the merger: the toy "network" answers with the one-level carry
/// algorithm, and near ties (every 101st index) are re-decided by true addition.
enum BruteForce {
    /// The one-level carry algorithm's answer A(n)..A0 from the operands' digits.
    static func oneLevelAnswer(a: Int, b: Int, n: Int) -> [Int] {
        func digit(_ x: Int, _ k: Int) -> Int { k < 0 ? 0 : (x / Int(pow(10.0, Double(k)))) % 10 }
        func sum(_ k: Int) -> Int { k < 0 ? 0 : digit(a, k) + digit(b, k) }
        func carryInto(_ k: Int) -> Bool { sum(k - 1) >= 10 || (sum(k - 1) == 9 && sum(k - 2) >= 10) }
        var answer = [carryInto(n) ? 1 : 0]
        for k in stride(from: n - 1, through: 0, by: -1) { answer.append((sum(k) + (carryInto(k) ? 1 : 0)) % 10) }
        return answer
    }

    /// The true answer A(n)..A0.
    static func trueAnswer(a: Int, b: Int, n: Int) -> [Int] {
        var total = a + b
        var digits: [Int] = []
        for _ in 0...n { digits.append(total % 10); total /= 10 }
        return digits.reversed()
    }

    /// The toy run's failures in `range`: index → (model answer, wrong places).
    static func failures(n: Int, range: Range<Int>, nearTieEvery: Int? = 101) -> [(index: Int, answer: [Int], wrongPlaces: [Int])] {
        let operands = Int(pow(10.0, Double(n)))
        var found: [(Int, [Int], [Int])] = []
        for index in range {
            if let every = nearTieEvery, index % every == 0 { continue }  // re-decided by true addition
            let a = index / operands, b = index % operands
            let model = oneLevelAnswer(a: a, b: b, n: n), truth = trueAnswer(a: a, b: b, n: n)
            let wrong = (0...n).filter { place in model[n - place] != truth[n - place] }
            if !wrong.isEmpty { found.append((index, model, wrong.sorted(by: >))) }
        }
        return found
    }
}

/// Counts the questions an evaluator is asked about (thread-safe).
final class CountingEvaluator: BatchEvaluator, @unchecked Sendable {
    let inner: OneLevelCarryEvaluator
    private let lock = NSLock()
    private var counted = 0
    var task: AdditionTask { inner.task }
    init(_ inner: OneLevelCarryEvaluator) { self.inner = inner }
    var evaluated: Int { lock.lock(); defer { lock.unlock() }; return counted }
    func evaluate(_ indices: Range<Int>) -> [QuestionEvaluation] {
        lock.lock(); counted += indices.count; lock.unlock()
        return inner.evaluate(indices)
    }
}

final class CompactResultTests: XCTestCase {
    func testFailureSetHoldsExactlyTheBruteForceFailures() throws {
        let directory = try Fixtures.temporaryDirectory("compact-roundtrip")
        defer { try? FileManager.default.removeItem(at: directory) }
        try Toy.runShard(n: 3, directory: directory, threads: 2)
        let result = try EnumerationResult.load(from: directory)
        let decoded = try result.failures()
        let expected = BruteForce.failures(n: 3, range: 0..<1_000_000)
        XCTAssertGreaterThan(expected.count, 4000)
        XCTAssertEqual(decoded.map(\.index), expected.map(\.index))
        for (record, truth) in zip(decoded, expected) {
            XCTAssertEqual(record.modelAnswer, truth.answer.map(String.init).joined())
            XCTAssertEqual(record.wrongDigits.map(\.place), truth.wrongPlaces)
        }
        XCTAssertEqual(result.summary.failures, expected.count)
        var perDigit = [0, 0, 0, 0]
        for failure in expected { for place in failure.wrongPlaces { perDigit[3 - place] += 1 } }
        XCTAssertEqual(result.summary.perDigitFailures, perDigit)
        // Compact: a few bytes per failure (the CSV row is 33 bytes).
        let bytes = try XCTUnwrap(result.summary.dataFiles["failures.bin"]).bytes
        XCTAssertLessThan(Double(bytes) / Double(expected.count), 4.0, "\(bytes) bytes for \(expected.count) failures")
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory.appendingPathComponent("failures.csv").path))
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory.appendingPathComponent("failures.partial").path))
    }

    func testOneSevenAndSixteenShardsMergeByteIdentically() throws {
        let root = try Fixtures.temporaryDirectory("compact-merge")
        defer { try? FileManager.default.removeItem(at: root) }
        var merged: [URL] = []
        for count in [1, 7, 16] {
            var shards: [EnumerationResult] = []
            for i in 0..<count {
                let directory = root.appendingPathComponent("\(count)-\(i)")
                try Toy.runShard(n: 3, shard: Shard(index: i, of: count), directory: directory, threads: 1 + i % 2)
                shards.append(try EnumerationResult.load(from: directory))
            }
            let out = root.appendingPathComponent("merged-\(count)")
            try EnumerationMerger.merge(shards.reversed(), into: out)
            merged.append(out)
        }
        try assertSameResultFiles(merged[0], merged[1])
        try assertSameResultFiles(merged[0], merged[2])
        let result = try EnumerationResult.load(from: merged[2])
        XCTAssertEqual(try result.failures().map(\.index), BruteForce.failures(n: 3, range: 0..<1_000_000).map(\.index))
    }

    /// Interrupted after chunk 5 as a crash would be (chunk 5 evaluated, not checkpointed),
    /// with a checkpoint after every chunk: the checkpoint holds the end of chunk 4, the
    /// resumed run evaluates exactly one chunk again, and the result is byte-identical.
    func testACheckpointAfterEveryChunkLosesAtMostOneChunk() throws {
        let root = try Fixtures.temporaryDirectory("compact-checkpoint")
        defer { try? FileManager.default.removeItem(at: root) }
        let task = try Toy.task(3)
        let range = 200_000..<260_000
        func run(_ directory: URL, threads: Int, resume: Bool, stopAfter: Int?) throws -> (ShardRunOutcome, Int) {
            let counting = CountingEvaluator(OneLevelCarryEvaluator(task: task, nearTieEvery: 101))
            let enumerator = try Enumerator(evaluator: counting, exactEvaluator: TrueAdditionEvaluator(task: task),
                                            options: EnumerationOptions(chunkSize: 1000, threadCount: threads))
            var shard = ShardRun(directory: directory, model: Toy.model, range: range, enumerator: enumerator)
            shard.checkpointInterval = 0
            shard.stopAfterChunks = stopAfter
            shard.showsProgress = false
            let outcome = try shard.run(resume: resume, force: false)
            return (outcome, counting.evaluated)
        }
        let reference = root.appendingPathComponent("reference")
        _ = try run(reference, threads: 1, resume: false, stopAfter: nil)
        for threads in [1, 2] {
            let directory = root.appendingPathComponent("interrupted-\(threads)")
            let (first, evaluatedFirst) = try run(directory, threads: threads, resume: false, stopAfter: 5)
            guard case .interrupted(let next) = first else { return XCTFail("expected an interruption") }
            XCTAssertEqual(next, range.lowerBound + 5000)
            let checkpoint = try CanonicalJSON.decode(Checkpoint.self, from: directory.appendingPathComponent("checkpoint.json"))
            XCTAssertEqual(checkpoint.nextIndex, range.lowerBound + 4000, "the exact end of the last checkpointed chunk")
            XCTAssertEqual(checkpoint.tally.questions, 4000)
            let (second, evaluatedSecond) = try run(directory, threads: threads, resume: true, stopAfter: nil)
            guard case .completed = second else { return XCTFail("expected completion") }
            XCTAssertEqual(evaluatedSecond, range.count - 4000, "resume evaluates chunk 5 again and nothing else before it")
            // Work lost to the crash: chunk 5 (one thread), or the pipeline's window (2 × threads chunks).
            XCTAssertLessThanOrEqual(evaluatedFirst + evaluatedSecond - range.count, threads == 1 ? 1000 : (1 + 2 * threads) * 1000)
            if threads == 1 { XCTAssertEqual(evaluatedFirst, 5000) }
            try assertSameResultFiles(reference, directory)
        }
    }

    func testCheckpointsAndMarginsOfAnotherFormatAreRefused() throws {
        let directory = try Fixtures.temporaryDirectory("compact-old-checkpoint")
        defer { try? FileManager.default.removeItem(at: directory) }
        _ = try Toy.runShard(n: 3, shard: Shard(index: 2, of: 10), directory: directory, stopAfterChunks: 3, checkpointEveryChunks: 1)
        let checkpoint = directory.appendingPathComponent("checkpoint.json")
        let text = try String(contentsOf: checkpoint, encoding: .utf8)
        try text.replacingOccurrences(of: "carrylens-checkpoint/2", with: "carrylens-checkpoint/1").write(to: checkpoint, atomically: true, encoding: .utf8)
        assertThrowsExhaustive(try Toy.runShard(n: 3, shard: Shard(index: 2, of: 10), directory: directory, resume: true), { error in
            guard case .corruptCheckpoint(_, let reason) = error else { return false }
            return reason.contains("'carrylens-checkpoint/1'")
        })
        try text.write(to: checkpoint, atomically: true, encoding: .utf8)
        guard case .completed(let result, _) = try Toy.runShard(n: 3, shard: Shard(index: 2, of: 10), directory: directory, resume: true) else {
            return XCTFail("expected completion")
        }
        XCTAssertEqual(result.summary.failures, BruteForce.failures(n: 3, range: 200_000..<300_000).count)
        let margins = directory.appendingPathComponent("margins.json")
        try String(contentsOf: margins, encoding: .utf8).replacingOccurrences(of: "carrylens-margins/2", with: "carrylens-margins/1")
            .write(to: margins, atomically: true, encoding: .utf8)
        assertThrowsExhaustive(try EnumerationResult.load(from: directory), { error in
            guard case .malformedResult(let file, let reason) = error else { return false }
            return file.hasSuffix("margins.json") && reason.contains("is older than")
        })
    }

    /// Every question a near tie: the checkpoint and margins.json stay small; the
    /// changed decisions are counted whole and listed up to the limit.
    func testNearTiesAreCountedNotListedSoCheckpointsStaySmall() throws {
        let directory = try Fixtures.temporaryDirectory("compact-near-ties")
        defer { try? FileManager.default.removeItem(at: directory) }
        let task = try Toy.task(3)
        let enumerator = try Enumerator(evaluator: OneLevelCarryEvaluator(task: task, nearTieEvery: 1),
                                        exactEvaluator: TrueAdditionEvaluator(task: task),
                                        options: EnumerationOptions(chunkSize: 10_000, threadCount: 1))
        var run = ShardRun(directory: directory, model: Toy.model, range: 0..<task.questionCount, enumerator: enumerator)
        run.checkpointInterval = 0
        run.showsProgress = false
        run.stopAfterChunks = 99
        _ = try run.run(resume: false, force: false)
        let checkpointBytes = try Data(contentsOf: directory.appendingPathComponent("checkpoint.json")).count
        XCTAssertLessThan(checkpointBytes, 300_000, "989,999 near ties so far")
        run.stopAfterChunks = nil
        _ = try run.run(resume: true, force: false)
        let result = try EnumerationResult.load(from: directory)
        let changed = BruteForce.failures(n: 3, range: 0..<1_000_000, nearTieEvery: nil).count
        XCTAssertEqual(result.summary.failures, 0)
        XCTAssertEqual(result.margins.nearTies.count, 1_000_000)
        XCTAssertEqual(result.margins.nearTies.changed, changed)
        XCTAssertEqual(result.margins.nearTies.listed.count, NearTieLog.listLimit)
        XCTAssertEqual(result.margins.nearTies.unlisted, changed - NearTieLog.listLimit)
        XCTAssertEqual(result.margins.nearTies.listed.map(\.index),
                       Array(BruteForce.failures(n: 3, range: 0..<1_000_000, nearTieEvery: nil).prefix(NearTieLog.listLimit).map(\.index)))
        XCTAssertEqual(result.margins.nearTies.fastMargins.total, 1_000_000)
        XCTAssertLessThan(try Data(contentsOf: directory.appendingPathComponent("margins.json")).count, 300_000)
    }

    func testSelectionsByDigitPatternCascadeLimitAndSample() throws {
        let directory = try Fixtures.temporaryDirectory("compact-select")
        defer { try? FileManager.default.removeItem(at: directory) }
        try Toy.runShard(n: 4, shard: Shard(index: 30, of: 100), directory: directory)
        let result = try EnumerationResult.load(from: directory)
        let range = 30_000_000..<31_000_000
        let all = BruteForce.failures(n: 4, range: range)
        func select(_ selection: FailureSelection) throws -> [FailureRecord] {
            var chosen: [FailureRecord] = []
            try result.forEachFailure(selectedBy: selection) { chosen.append($0) }
            return chosen
        }
        // Wrong digit A3.
        let digit3 = try select(FailureSelection(filter: FailureFilter(digit: 3, digitCount: 4)))
        XCTAssertEqual(digit3.map(\.index), all.filter { $0.wrongPlaces.contains(3) }.map(\.index))
        // Longest cascade 3, and digit and cascade together.
        let cascade = try select(FailureSelection(filter: FailureFilter(cascade: 3, digitCount: 4)))
        XCTAssertFalse(cascade.isEmpty)
        XCTAssertEqual(cascade.map(\.index), try result.failures().filter { $0.longestCascade == 3 }.map(\.index))
        XCTAssertEqual(cascade.count, result.summary.failuresByLongestCascade["3"])
        let both = try select(FailureSelection(filter: FailureFilter(digit: 4, cascade: 3, digitCount: 4)))
        XCTAssertEqual(both.map(\.index), cascade.filter { $0.wrongDigits.contains(AnswerDigit(place: 4)) }.map(\.index))
        // Limit: the first k in index order, read without decoding the rest.
        XCTAssertEqual(try select(FailureSelection(limit: 7)).map(\.index), all.prefix(7).map(\.index))
        // Sample: K distinct failures, in index order, the same for the same seed, another for another seed.
        let sample = try select(FailureSelection(sample: (50, 11)))
        XCTAssertEqual(sample.count, 50)
        XCTAssertEqual(Set(sample.map(\.index)).count, 50)
        XCTAssertEqual(sample.map(\.index), sample.map(\.index).sorted())
        XCTAssertTrue(Set(sample.map(\.index)).isSubset(of: Set(all.map(\.index))))
        XCTAssertEqual(try select(FailureSelection(sample: (50, 11))), sample)
        XCTAssertNotEqual(try select(FailureSelection(sample: (50, 12))), sample)
        XCTAssertEqual(try select(FailureSelection(sample: (all.count + 5, 1))).count, all.count)
        XCTAssertThrowsError(try FailureFilter(cascade: 5, digitCount: 4))
    }

    func testResultSetStatesItsExactCoverage() throws {
        let root = try Fixtures.temporaryDirectory("compact-coverage")
        defer { try? FileManager.default.removeItem(at: root) }
        for i in 0..<8 {
            try Toy.runShard(n: 3, shard: Shard(index: i, of: 8), directory: root.appendingPathComponent("all/s\(i)"))
        }
        // Shards 0, 1 and 3 of 8: [0, 250,000) and [375,000, 500,000).
        let partialRoot = root.appendingPathComponent("partial")
        try FileManager.default.createDirectory(at: partialRoot, withIntermediateDirectories: true)
        for i in [3, 0, 1] {
            try FileManager.default.copyItem(at: root.appendingPathComponent("all/s\(i)"), to: partialRoot.appendingPathComponent("s\(i)"))
        }
        let partial = try ResultSet.load(from: partialRoot, model: Toy.model)
        XCTAssertEqual(partial.coverage.measured, [0..<250_000, 375_000..<500_000])
        XCTAssertEqual(partial.coverage.unmeasured, [250_000..<375_000, 500_000..<1_000_000])
        XCTAssertEqual(partial.coverage.measuredCount, 375_000)
        XCTAssertFalse(partial.coverage.isWholeSpace)
        XCTAssertEqual(partial.model.sha256, Toy.model.sha256)
        let expected = BruteForce.failures(n: 3, range: 0..<250_000) + BruteForce.failures(n: 3, range: 375_000..<500_000)
        XCTAssertEqual(partial.counts.failures, expected.count)
        XCTAssertEqual(partial.counts.questions, 375_000)
        var perDigit = [0, 0, 0, 0]
        for failure in expected { for place in failure.wrongPlaces { perDigit[3 - place] += 1 } }
        XCTAssertEqual(partial.counts.perDigitFailures, perDigit)
        var streamed: [Int] = []
        try partial.forEachFailure { streamed.append($0.index) }
        XCTAssertEqual(streamed, expected.map(\.index))

        let whole = try ResultSet.load(from: root.appendingPathComponent("all"))
        XCTAssertTrue(whole.coverage.isWholeSpace)
        XCTAssertEqual(whole.coverage.measured, [0..<1_000_000])
        XCTAssertEqual(whole.coverage.unmeasured, [])
        XCTAssertEqual(whole.counts.failures, BruteForce.failures(n: 3, range: 0..<1_000_000).count)
        // A merged directory is a whole result set too.
        let merged = root.appendingPathComponent("merged")
        try EnumerationMerger.merge(whole.results, into: merged)
        let fromMerged = try ResultSet.load(from: merged)
        XCTAssertTrue(fromMerged.coverage.isWholeSpace)
        XCTAssertEqual(fromMerged.counts, whole.counts)

        // Another model's results, overlaps and incomplete shards are refused.
        assertThrowsExhaustive(try ResultSet.load(from: partialRoot, model: Toy.otherModel), {
            if case .modelMismatch = $0 { return true } else { return false }
        })
        assertThrowsExhaustive(try ResultSet.load([merged, partialRoot.appendingPathComponent("s3")]), {
            if case .resultsOverlap(let at, _) = $0 { return at == 375_000 } else { return false }
        })
        let unfinished = partialRoot.appendingPathComponent("s5")
        _ = try Toy.runShard(n: 3, shard: Shard(index: 5, of: 8), directory: unfinished, stopAfterChunks: 3)
        assertThrowsExhaustive(try ResultSet.load(from: partialRoot), { $0 == .incompleteResult(unfinished.path) })
    }

    func testSampleDirectoriesAreSelfVerifying() throws {
        let task = try Toy.task(3)
        let enumerator = try Toy.enumerator(n: 3, threads: 2, chunkSize: 1000)
        let sample = QuestionSample(size: 50_000, population: task.questionCount, seed: 5)
        let (summary, margins, failures, seconds) = try SampleRun(enumerator: enumerator, model: Toy.model).run(sample)
        XCTAssertFalse(failures.isEmpty)
        let directory = try Fixtures.temporaryDirectory("compact-sample")
        defer { try? FileManager.default.removeItem(at: directory) }
        func write() throws { try SampleRun.write(summary, margins: margins, failures: failures, seconds: seconds, threads: 2, to: directory) }
        func assertRefused(_ fragment: String, line: UInt = #line) {
            assertThrowsExhaustive(try SampleResult.load(from: directory), { error in
                guard case .malformedResult = error else { return false }
                return error.description.contains(fragment)
            }, line: line)
        }
        try write()
        let loaded = try SampleResult.load(from: directory)
        XCTAssertEqual(loaded.failures, failures)
        let csv = directory.appendingPathComponent("failures.csv")
        let summaryURL = directory.appendingPathComponent("summary.json")
        // A deleted row.
        var lines = try String(contentsOf: csv, encoding: .utf8).split(separator: "\n").map(String.init)
        lines.remove(at: 2)
        try (lines.joined(separator: "\n") + "\n").write(to: csv, atomically: true, encoding: .utf8)
        assertRefused("failures.csv is malformed")
        // The same, with a matching digest: the counts disagree.
        var forged = try CanonicalJSON.decode(SampleSummary.self, from: summaryURL)
        forged.dataFiles["failures.csv"] = try DataFileRecord(fileAt: csv)
        try CanonicalJSON.encode(forged).write(to: summaryURL)
        assertRefused("summary.json counts \(summary.failures) failures")
        // A row of a question outside the sample, digest matching.
        try write()
        let outside = (0..<task.questionCount).first { !sample.indices.contains($0) && BruteForce.failures(n: 3, range: $0..<($0 + 1)).count == 1 }!
        let question = task.question(atIndex: outside)
        let record = try XCTUnwrap(FailureRecord.check(question: question, predicted: BruteForce.oneLevelAnswer(a: question.a, b: question.b, n: 3).map(UInt8.init)))
        try (String(contentsOf: csv, encoding: .utf8) + record.csvRow(digitCount: 3) + "\n").write(to: csv, atomically: true, encoding: .utf8)
        forged = try CanonicalJSON.decode(SampleSummary.self, from: summaryURL)
        forged.dataFiles["failures.csv"] = try DataFileRecord(fileAt: csv)
        try CanonicalJSON.encode(forged).write(to: summaryURL)
        assertRefused("not a question of the sample")
        // An edited count and an older format.
        try write()
        let text = try String(contentsOf: summaryURL, encoding: .utf8)
        try text.replacingOccurrences(of: "\"failures\" : \(summary.failures),", with: "\"failures\" : \(summary.failures + 1),")
            .write(to: summaryURL, atomically: true, encoding: .utf8)
        assertRefused("failures.csv is malformed: has \(summary.failures) rows")
        try text.replacingOccurrences(of: "carrylens-sample/3", with: "carrylens-sample/2").write(to: summaryURL, atomically: true, encoding: .utf8)
        assertRefused("is older than")
        try write()
        XCTAssertNoThrow(try SampleSummary.load(from: directory))
    }
}
