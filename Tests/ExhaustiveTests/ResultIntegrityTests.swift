import AdditionTask
import CarryLensTestSupport
import Foundation
import XCTest
@testable import Exhaustive

/// A result directory is verified before it is read: edited counts, removed or cut
/// rows and foreign files are refused, naming the file; a merge never writes into
/// one of its inputs and never leaves a half-written output.
final class ResultIntegrityTests: XCTestCase {
    /// A complete toy result of n = 3 (the one-level carry "network" fails where a carry cascades through a sum-9 column).
    func makeResult(_ label: String) throws -> URL {
        let directory = try Fixtures.temporaryDirectory(label)
        try Toy.runShard(n: 3, directory: directory)
        XCTAssertNoThrow(try EnumerationResult.load(from: directory))
        return directory
    }

    /// Shards 0/2 and 1/2 of the toy n = 3 run, in `root/s0` and `root/s1`.
    func makeTwoShards(_ label: String) throws -> (root: URL, s0: URL, s1: URL) {
        let root = try Fixtures.temporaryDirectory(label)
        let s0 = root.appendingPathComponent("s0"), s1 = root.appendingPathComponent("s1")
        try Toy.runShard(n: 3, shard: try Shard(index: 0, of: 2), directory: s0)
        try Toy.runShard(n: 3, shard: try Shard(index: 1, of: 2), directory: s1)
        return (root, s0, s1)
    }

    func edit(_ url: URL, _ transform: (String) -> String) throws {
        let text = try String(contentsOf: url, encoding: .utf8)
        let edited = transform(text)
        XCTAssertNotEqual(edited, text, "the edit changed nothing")
        try Data(edited.utf8).write(to: url)
    }

    func assertRefused(_ directory: URL, mentioning fragment: String, file: StaticString = #filePath, line: UInt = #line) {
        assertThrowsExhaustive(try EnumerationResult.load(from: directory), { error in
            guard case .malformedResult = error else { return false }
            return error.description.contains(fragment)
        }, file: file, line: line)
    }

    func testAnEditedQuestionCountIsRefused() throws {
        let directory = try makeResult("integrity-count")
        defer { try? FileManager.default.removeItem(at: directory) }
        try edit(directory.appendingPathComponent("summary.json")) { $0.replacingOccurrences(of: "\"count\" : 1000000", with: "\"count\" : 2000000") }
        // The range grows past the questions the histogram of margins.json counts.
        assertRefused(directory, mentioning: "margins.json")
    }

    func testAnEditedFailureCountIsRefused() throws {
        let directory = try makeResult("integrity-failures")
        defer { try? FileManager.default.removeItem(at: directory) }
        let summary = directory.appendingPathComponent("summary.json")
        let failures = try XCTUnwrap(try EnumerationResult.load(from: directory).summary.failures)
        try edit(summary) { $0.replacingOccurrences(of: "\"failures\" : \(failures),", with: "\"failures\" : \(failures - 1),") }
        assertRefused(directory, mentioning: "counts \(failures - 1) failures")
    }

    func testADeletedFailureRowIsRefused() throws {
        let directory = try makeResult("integrity-row")
        defer { try? FileManager.default.removeItem(at: directory) }
        try edit(directory.appendingPathComponent("failures.csv")) { text in
            var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            lines.remove(at: 3)
            return lines.joined(separator: "\n")
        }
        assertRefused(directory, mentioning: "failures.csv")
    }

    func testARowCutInHalfIsRefused() throws {
        let directory = try makeResult("integrity-cut")
        defer { try? FileManager.default.removeItem(at: directory) }
        try edit(directory.appendingPathComponent("failures.csv")) { String($0.dropLast(6)) }
        assertRefused(directory, mentioning: "failures.csv")
    }

    /// Rows that are consistent with each other but not with true addition, with the
    /// digest updated to match: the row check still refuses them.
    func testAForgedRowWithAMatchingDigestIsRefused() throws {
        let directory = try makeResult("integrity-forged")
        defer { try? FileManager.default.removeItem(at: directory) }
        let csv = directory.appendingPathComponent("failures.csv")
        try edit(csv) { text in
            var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            var fields = lines[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            fields[3] = String(repeating: "1", count: fields[3].count)  // a wrong "true answer"
            lines[1] = fields.joined(separator: ",")
            return lines.joined(separator: "\n")
        }
        let record = try DataFileRecord(fileAt: csv)
        let summaryURL = directory.appendingPathComponent("summary.json")
        var summary = try CanonicalJSON.decode(EnumerationSummary.self, from: summaryURL)
        summary.dataFiles["failures.csv"] = record
        try CanonicalJSON.encode(summary).write(to: summaryURL)
        assertRefused(directory, mentioning: "not what true addition gives")
    }

    func testMergeNeverWritesIntoAnInput() throws {
        let (root, s0, s1) = try makeTwoShards("integrity-merge")
        defer { try? FileManager.default.removeItem(at: root) }
        let before = try Data(contentsOf: s0.appendingPathComponent("summary.json"))
        let results = try [s0, s1].map { try EnumerationResult.load(from: $0) }
        for output in [s0, s1, root, s0.appendingPathComponent("inner")] {
            assertThrowsExhaustive(try EnumerationMerger.merge(results, into: output, force: true), { error in
                if case .outputOverlapsInput = error { return true }
                return false
            })
        }
        XCTAssertEqual(try Data(contentsOf: s0.appendingPathComponent("summary.json")), before)
        XCTAssertNoThrow(try EnumerationResult.load(from: s0))
        // A proper output works, and --force replaces a previous merge whole.
        let merged = root.appendingPathComponent("merged")
        try EnumerationMerger.merge(results, into: merged)
        try Data("stale".utf8).write(to: merged.appendingPathComponent("stale.txt"))
        try EnumerationMerger.merge(results, into: merged, force: true)
        XCTAssertFalse(FileManager.default.fileExists(atPath: merged.appendingPathComponent("stale.txt").path))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: root.path).filter { $0.hasPrefix(".") }
        XCTAssertEqual(leftovers, [], "no staging directory is left behind")
    }

    func testMergeRefusesAShardWhoseFilesWereEdited() throws {
        let (root, _, s1) = try makeTwoShards("integrity-merge-edited")
        defer { try? FileManager.default.removeItem(at: root) }
        try edit(s1.appendingPathComponent("failures.csv")) { String($0.dropLast(30)) }
        // Loading (which merge, failures, resume and verify all do first) refuses it.
        assertRefused(s1, mentioning: "failures.csv")
    }
}
