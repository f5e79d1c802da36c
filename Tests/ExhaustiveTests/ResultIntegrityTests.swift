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

    /// Replaces `failures.bin` with `raw` (a record stream) compressed as CarryLens does,
    /// and records its size and digest in summary.json, as a forger would.
    func forge(_ directory: URL, raw: [UInt8]) throws {
        let url = directory.appendingPathComponent(FailureSetFile.fileName)
        let writer = try FailureSetWriter(url: url)
        try writer.append(raw: raw)
        let record = try writer.finish()
        let summaryURL = directory.appendingPathComponent("summary.json")
        var summary = try CanonicalJSON.decode(EnumerationSummary.self, from: summaryURL)
        summary.dataFiles[FailureSetFile.fileName] = record
        try CanonicalJSON.encode(summary).write(to: summaryURL)
    }

    func testADeletedFailureRecordIsRefusedEvenWithAMatchingDigest() throws {
        let directory = try makeResult("integrity-row")
        defer { try? FileManager.default.removeItem(at: directory) }
        var failures = try EnumerationResult.load(from: directory).failures()
        let count = failures.count
        failures.remove(at: 3)
        var encoder = FailureRecordEncoder(firstIndex: 0, digitCount: 3)
        var raw: [UInt8] = []
        for failure in failures { encoder.append(failure, to: &raw) }
        try forge(directory, raw: raw)
        assertRefused(directory, mentioning: "has \(count - 1) records, summary.json counts \(count) failures")
    }

    func testACutFileIsRefused() throws {
        let directory = try makeResult("integrity-cut")
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("failures.bin")
        let data = try Data(contentsOf: url)
        try data.dropLast(6).write(to: url)
        assertRefused(directory, mentioning: "failures.bin is malformed: has \(data.count - 6) bytes, summary.json records \(data.count)")
    }

    func testAChangedByteIsRefused() throws {
        let directory = try makeResult("integrity-byte")
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("failures.bin")
        var data = try Data(contentsOf: url)
        data[data.count / 2] ^= 0x01
        try data.write(to: url)
        assertRefused(directory, mentioning: "SHA-256")
    }

    /// Records that decode but are not failures of true addition, with the digest updated
    /// to match: the record check still refuses them.
    func testForgedRecordsWithAMatchingDigestAreRefused() throws {
        let directory = try makeResult("integrity-forged")
        defer { try? FileManager.default.removeItem(at: directory) }
        // Question 0 (000+000 = 0000) with A0 "wrong" as 0: the true digit, so not a failure.
        try forge(directory, raw: [0, 0b0001, 0])
        assertRefused(directory, mentioning: "not a wrong answer digit")
        // A mask naming A4 of a 3-digit sum.
        try forge(directory, raw: [0, 0b1_0000, 1])
        assertRefused(directory, mentioning: "wrong-digit mask 16")
        // A gap past the end of the range.
        var raw: [UInt8] = []
        FailureRecordEncoder.appendVarint(1_000_000, to: &raw)
        raw += [0b0001, 5]
        try forge(directory, raw: raw)
        assertRefused(directory, mentioning: "beyond the range")
        // A record cut short at the end of the stream.
        try forge(directory, raw: [0, 0b0011, 1])
        assertRefused(directory, mentioning: "cut short")
    }

    func testOlderAndNewerFormatsAreRefusedByName() throws {
        let directory = try makeResult("integrity-format")
        defer { try? FileManager.default.removeItem(at: directory) }
        try edit(directory.appendingPathComponent("summary.json")) {
            $0.replacingOccurrences(of: "carrylens-enumeration/3", with: "carrylens-enumeration/2")
        }
        assertRefused(directory, mentioning: "format 'carrylens-enumeration/2' is older than the 'carrylens-enumeration/3' this CarryLens reads")
        try edit(directory.appendingPathComponent("summary.json")) {
            $0.replacingOccurrences(of: "carrylens-enumeration/2", with: "carrylens-enumeration/4")
        }
        assertRefused(directory, mentioning: "is newer than")
        try edit(directory.appendingPathComponent("summary.json")) {
            $0.replacingOccurrences(of: "carrylens-enumeration/4", with: "carrylens-enumeration/3")
        }
        XCTAssertNoThrow(try EnumerationResult.load(from: directory))
        // The failure file's own header.
        let url = directory.appendingPathComponent("failures.bin")
        var data = try Data(contentsOf: url)
        data.replaceSubrange(0..<20, with: Data("carrylens-failures/9".utf8))
        try forgeBytes(directory, data)
        assertRefused(directory, mentioning: "format 'carrylens-failures/9' is not carrylens-failures/1")
    }

    /// Writes `data` as failures.bin with a matching digest.
    func forgeBytes(_ directory: URL, _ data: Data) throws {
        try data.write(to: directory.appendingPathComponent("failures.bin"))
        let summaryURL = directory.appendingPathComponent("summary.json")
        var summary = try CanonicalJSON.decode(EnumerationSummary.self, from: summaryURL)
        summary.dataFiles["failures.bin"] = try DataFileRecord(fileAt: directory.appendingPathComponent("failures.bin"))
        try CanonicalJSON.encode(summary).write(to: summaryURL)
    }

    func testCorruptAndTrailingCompressedDataAreRefused() throws {
        let directory = try makeResult("integrity-zlib")
        defer { try? FileManager.default.removeItem(at: directory) }
        let original = try Data(contentsOf: directory.appendingPathComponent("failures.bin"))
        try forgeBytes(directory, original + Data([0x78, 0x9c]))
        assertRefused(directory, mentioning: "bytes after the end of its compressed stream")
        try forgeBytes(directory, original.dropLast(4))  // the Adler-32 trailer gone
        assertRefused(directory, mentioning: "cut short")
        var flipped = original
        flipped[30] ^= 0xFF
        try forgeBytes(directory, flipped)
        assertThrowsExhaustive(try EnumerationResult.load(from: directory), { error in
            guard case .malformedResult(let file, _) = error else { return false }
            return file.hasSuffix("failures.bin")
        })
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
        let url = s1.appendingPathComponent("failures.bin")
        try Data(contentsOf: url).dropLast(30).write(to: url)
        // Loading (which merge, failures, resume and verify all do first) refuses it.
        assertRefused(s1, mentioning: "failures.bin")
    }
}
