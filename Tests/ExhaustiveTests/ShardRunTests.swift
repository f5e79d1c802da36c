import AdditionTask
import CarryLensTestSupport
import Foundation
import XCTest
@testable import Exhaustive

final class ShardRunTests: XCTestCase {
    private func completed(_ outcome: ShardRunOutcome, file: StaticString = #filePath, line: UInt = #line) -> EnumerationResult? {
        if case .completed(let result, _) = outcome { return result }
        XCTFail("run did not complete: \(outcome)", file: file, line: line)
        return nil
    }

    func testOneRunVersusSevenMergedShardsAreByteIdentical() throws {
        for n in [2, 3] {
            let root = try Fixtures.temporaryDirectory("exhaustive-merge")
            defer { try? FileManager.default.removeItem(at: root) }
            let single = root.appendingPathComponent("single")
            let result = try XCTUnwrap(completed(try Toy.runShard(n: n, directory: single, threads: 2)))
            XCTAssertEqual(result.summary.count, try Toy.task(n).questionCount)
            var shards: [EnumerationResult] = []
            // Shards in scrambled order, run with different thread counts.
            for i in [3, 0, 6, 1, 5, 2, 4] {
                let directory = root.appendingPathComponent("shard\(i)")
                try Toy.runShard(n: n, shard: Shard(index: i, of: 7), directory: directory, threads: 1 + i % 2)
                shards.append(try EnumerationResult.load(from: directory))
            }
            let merged = root.appendingPathComponent("merged")
            try EnumerationMerger.merge(shards, into: merged)
            try assertSameResultFiles(single, merged)
            XCTAssertEqual(try EnumerationResult.load(from: merged).failures(), try result.failures())
        }
    }

    func testMergeRefusesGapsOverlapsOtherModelsAndIncompleteShards() throws {
        let root = try Fixtures.temporaryDirectory("exhaustive-merge-refusals")
        defer { try? FileManager.default.removeItem(at: root) }
        func shard(_ i: Int, of count: Int, model: ModelIdentity = Toy.model, n: Int = 2) throws -> EnumerationResult {
            let directory = root.appendingPathComponent("\(n)-\(model.sha256.prefix(1))-\(i)of\(count)")
            if !FileManager.default.fileExists(atPath: directory.appendingPathComponent("summary.json").path) {
                try Toy.runShard(n: n, shard: Shard(index: i, of: count), directory: directory, model: model)
            }
            return try EnumerationResult.load(from: directory)
        }
        let out = root.appendingPathComponent("out")
        assertThrowsExhaustive(try EnumerationMerger.merge([shard(0, of: 3), shard(2, of: 3)], into: out), {
            if case .mergeGap(let after, let next) = $0 { return after == 3333 && next == 6666 } else { return false }
        })
        assertThrowsExhaustive(try EnumerationMerger.merge([shard(0, of: 2), shard(0, of: 3), shard(1, of: 2)], into: out), {
            if case .mergeOverlap = $0 { return true } else { return false }
        })
        assertThrowsExhaustive(try EnumerationMerger.merge([shard(0, of: 2), shard(1, of: 2, model: Toy.otherModel)], into: out), {
            if case .mergeMismatch(let field, _, _, _) = $0 { return field == "model" } else { return false }
        })
        assertThrowsExhaustive(try EnumerationMerger.merge([shard(0, of: 2), shard(1, of: 2, n: 3)], into: out), {
            if case .mergeMismatch(let field, _, _, _) = $0 { return field == "n_digits" } else { return false }
        })
        assertThrowsExhaustive(try EnumerationMerger.merge([], into: out), { $0 == .nothingToMerge })
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path))
        // Incomplete shard: stopped early, no summary.
        let partial = root.appendingPathComponent("partial")
        let outcome = try Toy.runShard(n: 2, shard: Shard(index: 1, of: 2), directory: partial, chunkSize: 5, stopAfterChunks: 2)
        guard case .interrupted = outcome else { return XCTFail("expected an interruption") }
        assertThrowsExhaustive(try EnumerationResult.load(from: partial), { $0 == .incompleteResult(partial.path) })
        // A complete merge, then a second merge into the same directory is refused without force.
        try EnumerationMerger.merge([shard(0, of: 2), shard(1, of: 2)], into: out)
        assertThrowsExhaustive(try EnumerationMerger.merge([shard(0, of: 2), shard(1, of: 2)], into: out), {
            $0 == .existingResult(directory: out.path)
        })
        XCTAssertNoThrow(try EnumerationMerger.merge([shard(0, of: 2), shard(1, of: 2)], into: out, force: true))
    }

    /// Stop after k chunks (failures appended past the last checkpoint, as in a crash), resume: byte-identical.
    func testResumeAfterSimulatedInterruptionIsByteIdentical() throws {
        let root = try Fixtures.temporaryDirectory("exhaustive-resume")
        defer { try? FileManager.default.removeItem(at: root) }
        let shard = try Shard(index: 1, of: 3)
        let reference = root.appendingPathComponent("reference")
        _ = completed(try Toy.runShard(n: 3, shard: shard, directory: reference, chunkSize: 1000))

        let interrupted = root.appendingPathComponent("interrupted")
        var outcome = try Toy.runShard(n: 3, shard: shard, directory: interrupted, threads: 2, chunkSize: 1000,
                                       stopAfterChunks: 50, checkpointEveryChunks: 7)
        var stops = 0
        while case .interrupted = outcome {
            stops += 1
            let files = ResultFiles(directory: interrupted)
            XCTAssertFalse(FileManager.default.fileExists(atPath: files.summary.path))
            XCTAssertTrue(FileManager.default.fileExists(atPath: files.checkpoint.path))
            // Without --resume or --force the interrupted run is protected.
            assertThrowsExhaustive(try Toy.runShard(n: 3, shard: shard, directory: interrupted), {
                $0 == .interruptedRunPresent(directory: interrupted.path)
            })
            // A different chunk size on resume is overridden by the checkpoint's.
            outcome = try Toy.runShard(n: 3, shard: shard, directory: interrupted, threads: 1 + stops % 2, chunkSize: 999,
                                       resume: true, stopAfterChunks: 120, checkpointEveryChunks: 11)
        }
        XCTAssertEqual(stops, 3)
        _ = completed(outcome)
        try assertSameResultFiles(reference, interrupted)
        let timing = try XCTUnwrap(try EnumerationResult.load(from: interrupted).timing)
        XCTAssertEqual(timing.resumes, 3)
        XCTAssertEqual(timing.chunkSize, 1000)
    }

    func testResumeRefusesOtherModelsAndShardsAndExistingResultsAreProtected() throws {
        let root = try Fixtures.temporaryDirectory("exhaustive-protect")
        defer { try? FileManager.default.removeItem(at: root) }
        let directory = root.appendingPathComponent("run")
        let shard = try Shard(index: 0, of: 4)
        _ = try Toy.runShard(n: 2, shard: shard, directory: directory, chunkSize: 3, stopAfterChunks: 2, checkpointEveryChunks: 1)
        assertThrowsExhaustive(try Toy.runShard(n: 2, shard: shard, directory: directory, model: Toy.otherModel, resume: true), {
            if case .resumeMismatch(_, let field, _, _) = $0 { return field == "model" } else { return false }
        })
        assertThrowsExhaustive(try Toy.runShard(n: 2, shard: Shard(index: 1, of: 4), directory: directory, resume: true), {
            if case .resumeMismatch(_, let field, _, _) = $0 { return field == "range" } else { return false }
        })
        _ = completed(try Toy.runShard(n: 2, shard: shard, directory: directory, resume: true))
        let summary = try Data(contentsOf: directory.appendingPathComponent("summary.json"))
        // A complete result: refused without --force, reported by --resume, mismatch still refused.
        assertThrowsExhaustive(try Toy.runShard(n: 2, shard: shard, directory: directory), {
            $0 == .existingResult(directory: directory.path)
        })
        guard case .alreadyComplete = try Toy.runShard(n: 2, shard: shard, directory: directory, resume: true) else {
            return XCTFail("expected alreadyComplete")
        }
        assertThrowsExhaustive(try Toy.runShard(n: 2, shard: shard, directory: directory, model: Toy.otherModel, resume: true), {
            if case .resumeMismatch = $0 { return true } else { return false }
        })
        XCTAssertEqual(try Data(contentsOf: directory.appendingPathComponent("summary.json")), summary)
        _ = completed(try Toy.runShard(n: 2, shard: shard, directory: directory, force: true))
        XCTAssertEqual(try Data(contentsOf: directory.appendingPathComponent("summary.json")), summary)
        // --resume with nothing to resume starts afresh.
        let fresh = root.appendingPathComponent("fresh")
        _ = completed(try Toy.runShard(n: 2, shard: shard, directory: fresh, resume: true))
        try assertSameResultFiles(directory, fresh)
    }

    func testMergeAcceptsEmptyShardsAndRefusesEmptyShardsBeyondAGap() throws {
        let root = try Fixtures.temporaryDirectory("exhaustive-empty")
        defer { try? FileManager.default.removeItem(at: root) }
        // 10^4 questions in 20,000 shards: every other shard is empty.
        var results: [EnumerationResult] = []
        for i in [0, 1, 2, 3] {
            let directory = root.appendingPathComponent("s\(i)")
            try Toy.runShard(n: 2, shard: Shard(index: i, of: 20_000), directory: directory)
            results.append(try EnumerationResult.load(from: directory))
        }
        XCTAssertEqual(results.map(\.summary.count), [0, 1, 0, 1])
        let merged = try EnumerationMerger.merge(results, into: root.appendingPathComponent("merged"))
        XCTAssertEqual(merged.summary.range, 0..<2)
        assertThrowsExhaustive(try EnumerationMerger.validate([results[0], results[3]]), {
            if case .mergeGap = $0 { return true } else { return false }
        })
    }

    func testADirectoryInUseIsRefused() throws {
        let root = try Fixtures.temporaryDirectory("exhaustive-lock")
        defer { try? FileManager.default.removeItem(at: root) }
        let lock = try DirectoryLock(ResultFiles(directory: root))
        assertThrowsExhaustive(try Toy.runShard(n: 2, directory: root), { $0 == .directoryInUse(root.path) })
        lock.release()
        XCTAssertNoThrow(try Toy.runShard(n: 2, directory: root))
    }

    func testProgressReporterFormats() {
        XCTAssertEqual(ProgressReporter.duration(3723), "1h02m03s")
        XCTAssertEqual(ProgressReporter.duration(65), "1m05s")
        XCTAssertEqual(ProgressReporter.duration(.infinity), "?")
    }

    /// Off a terminal, progress is a plain line every interval and one at the end, with rate and ETA.
    func testProgressReporterWritesPlainLinesOffATerminal() {
        final class Box: @unchecked Sendable { var now = Date(timeIntervalSince1970: 1_000); var text = "" }
        let box = Box()
        let reporter = ProgressReporter(total: 1_000, unit: "sums", style: .lines(interval: 30),
                                        write: { box.text += $0 }, clock: { box.now })
        box.now += 10; reporter.report(done: 100)   // before the first interval: nothing
        XCTAssertEqual(box.text, "")
        box.now += 20; reporter.report(done: 300)   // 30 s, 300 done: 10 sums/s, 700 left
        XCTAssertEqual(box.text, "300/1000 (30.00%)  10 sums/s  ETA 1m10s\n")
        box.now += 5; reporter.report(done: 350)    // 5 s after the last line: nothing
        box.now += 5; reporter.report(done: 1_000)  // the end is always shown
        XCTAssertEqual(box.text.split(separator: "\n").count, 2)
        XCTAssertTrue(box.text.hasSuffix("1000/1000 (100.00%)  25 sums/s  ETA 0m00s\n"), box.text)
        XCTAssertFalse(box.text.contains("\r"))
    }

    /// On a terminal the line is rewritten in place.
    func testProgressReporterRewritesOneLineOnATerminal() {
        final class Box: @unchecked Sendable { var now = Date(timeIntervalSince1970: 0); var text = "" }
        let box = Box()
        let reporter = ProgressReporter(total: 4, unit: "sums", style: .terminal, write: { box.text += $0 }, clock: { box.now })
        box.now += 1; reporter.report(done: 2)
        box.now += 1; reporter.report(done: 4)
        XCTAssertEqual(box.text, "\r2/4 (50.00%)  2 sums/s  ETA 0m01s   \r4/4 (100.00%)  2 sums/s  ETA 0m00s   \n")
    }

    func testSummaryJSONHasTheDocumentedSortedKeys() throws {
        let root = try Fixtures.temporaryDirectory("exhaustive-schema")
        defer { try? FileManager.default.removeItem(at: root) }
        _ = try Toy.runShard(n: 2, directory: root)
        let data = try Data(contentsOf: root.appendingPathComponent("summary.json"))
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        for key in ["model", "n_digits", "first_index", "count", "failures", "per_digit_failures",
                    "complete", "failures_by_pattern", "failures_by_longest_cascade", "undecided"] {
            XCTAssertNotNil(object[key], key)
        }
        XCTAssertNil(object["seconds"], "run-dependent fields belong in timing.json")
        for key in ["near_ties", "near_tie_decisions", "margin_histogram"] {
            XCTAssertNil(object[key], "\(key) depends on the CPU's fp32 kernels: it belongs in margins.json")
        }
        let margins = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: root.appendingPathComponent("margins.json"))) as? [String: Any])
        for key in ["near_ties", "margin_histogram", "first_index", "count"] {
            XCTAssertNotNil(margins[key], key)
        }
        let nearTies = try XCTUnwrap(margins["near_ties"] as? [String: Any])
        for key in ["count", "changed", "undecided", "fast_margins", "listed", "unlisted"] { XCTAssertNotNil(nearTies[key], key) }
        let text = String(decoding: data, as: UTF8.self)
        let keys = text.split(separator: "\n").filter { $0.hasPrefix("  \"") }.map { $0.split(separator: "\"")[1] }
        XCTAssertEqual(keys, keys.sorted())
        let timing = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: root.appendingPathComponent("timing.json"))) as? [String: Any])
        for key in ["seconds", "sums_per_second", "threads", "environment"] { XCTAssertNotNil(timing[key], key) }
        let environment = try XCTUnwrap(timing["environment"] as? [String: Any])
        for key in ["cpu_model", "cpu_features", "built_for", "blas_core", "fast_products", "exact_products"] {
            XCTAssertNotNil(environment[key], key)
        }
    }
}
