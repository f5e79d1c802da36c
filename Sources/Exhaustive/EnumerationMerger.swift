import AdditionTask
import Diagnostics
import Foundation
import Transformer

/// Combines complete shard results of one model into one result over their union.
///
/// Refuses incomplete shards, shards of different models, n, evaluators or near-tie
/// rules, gaps and overlaps. The merged `summary.json` and `failures.bin` are
/// byte-identical to those of a single run over the union (with the same zlib); the
/// merged `margins.json` adds up the shards' (machine-dependent) margins. Counts come
/// from the shards' summaries; failures are streamed shard by shard, never all in memory.
public enum EnumerationMerger {
    /// Checks that `results` can be merged and returns them sorted by first index.
    public static func validate(_ results: [EnumerationResult]) throws -> [EnumerationResult] {
        guard let first = results.first else { throw ExhaustiveError.nothingToMerge }
        for result in results.dropFirst() {
            if let (field, other, reference) = result.summary.identity.firstDifference(from: first.summary.identity, includingRange: false) {
                throw ExhaustiveError.mergeMismatch(field: field, first: reference, other: other, directory: result.directory.path)
            }
        }
        let sorted = results.sorted {
            ($0.summary.firstIndex, $0.summary.count) < ($1.summary.firstIndex, $1.summary.count)
        }
        // Walk the ranges in order with the end covered so far; empty ranges cover nothing.
        guard let lowest = sorted.first else { throw ExhaustiveError.nothingToMerge }
        var coveredEnd = lowest.summary.firstIndex
        var coveringDirectory = lowest.directory.path
        for result in sorted where result.summary.count > 0 {
            let range = result.summary.range
            if range.lowerBound > coveredEnd { throw ExhaustiveError.mergeGap(after: coveredEnd, nextStart: range.lowerBound) }
            if range.lowerBound < coveredEnd {
                throw ExhaustiveError.mergeOverlap(at: range.lowerBound, directories: [coveringDirectory, result.directory.path])
            }
            coveredEnd = range.upperBound
            coveringDirectory = result.directory.path
        }
        return sorted
    }

    /// Merges `results` into `directory`. Refuses a directory that already holds a result
    /// unless `force`, and an output that is, contains or lies inside an input (checked
    /// before anything is written). The merged result is built in a temporary sibling
    /// directory and renamed into place, so `directory` holds either its old contents or
    /// the complete merged result, never a mixture.
    @discardableResult
    public static func merge(_ results: [EnumerationResult], into directory: URL, force: Bool = false) throws -> EnumerationResult {
        let sorted = try validate(results)
        let fileManager = FileManager.default
        let destination = directory.standardizedFileURL.resolvingSymlinksInPath()
        for result in sorted {
            let input = result.directory.standardizedFileURL.resolvingSymlinksInPath()
            if Self.overlaps(destination, input) {
                throw ExhaustiveError.outputOverlapsInput(output: directory.path, input: result.directory.path)
            }
        }
        let files = ResultFiles(directory: destination)
        var isDirectory: ObjCBool = false
        let exists = fileManager.fileExists(atPath: destination.path, isDirectory: &isDirectory)
        if exists, !isDirectory.boolValue {
            throw ExhaustiveError.io("cannot write the merged result to \(directory.path): it is a file, not a directory")
        }
        if exists, !force, files.all.contains(where: files.exists) {
            throw ExhaustiveError.existingResult(directory: directory.path)
        }
        let parent = destination.deletingLastPathComponent()
        do { try fileManager.createDirectory(at: parent, withIntermediateDirectories: true) } catch {
            throw ExhaustiveError.io("cannot create \(parent.path): \(systemReason(of: error))")
        }
        let staging = parent.appendingPathComponent(".\(destination.lastPathComponent).merging-\(getpid())")
        try? fileManager.removeItem(at: staging)
        do { try fileManager.createDirectory(at: staging, withIntermediateDirectories: false) } catch {
            throw ExhaustiveError.io("cannot create \(staging.path): \(systemReason(of: error))")
        }
        do {
            try write(sorted, into: staging)
        } catch {
            try? fileManager.removeItem(at: staging)
            throw error
        }
        // Into place: the old directory (if any) is moved aside first and removed last.
        if exists {
            let aside = parent.appendingPathComponent(".\(destination.lastPathComponent).replaced-\(getpid())")
            try? fileManager.removeItem(at: aside)
            try DurableFile.rename(destination, to: aside)
            try DurableFile.rename(staging, to: destination)
            try? fileManager.removeItem(at: aside)
        } else {
            try DurableFile.rename(staging, to: destination)
        }
        return try EnumerationResult.load(from: destination)
    }

    /// Whether one of two directories is the other or lies inside it.
    static func overlaps(_ a: URL, _ b: URL) -> Bool {
        let x = a.path.hasSuffix("/") ? a.path : a.path + "/"
        let y = b.path.hasSuffix("/") ? b.path : b.path + "/"
        return x.hasPrefix(y) || y.hasPrefix(x)
    }

    /// Writes the merged files of `sorted` (validated, in index order) into the empty `directory`.
    private static func write(_ sorted: [EnumerationResult], into directory: URL) throws {
        guard let first = sorted.first else { throw ExhaustiveError.nothingToMerge }
        let end = sorted.map(\.summary.range.upperBound).max() ?? first.summary.firstIndex
        let files = ResultFiles(directory: directory)
        var tally = RunTally(digitCount: first.summary.nDigits)
        for result in sorted { tally.add(result.tally) }
        var identity = first.summary.identity
        identity.firstIndex = first.summary.firstIndex
        identity.count = end - first.summary.firstIndex

        // failures.bin: the shards' records in index order, re-encoded into one record
        // stream (only the first gap of each shard changes) and compressed as one run would.
        let writer = try FailureSetWriter(url: files.failures)
        var encoder = FailureRecordEncoder(firstIndex: identity.firstIndex, digitCount: identity.nDigits)
        var buffer: [UInt8] = []
        for result in sorted {
            try result.forEachFailure { failure in
                encoder.append(failure, to: &buffer)
                if buffer.count >= 1 << 16 {
                    try writer.append(raw: buffer)
                    buffer.removeAll(keepingCapacity: true)
                }
            }
        }
        try writer.append(raw: buffer)
        let failuresRecord = try writer.finish()
        try DurableFile.write(CanonicalJSON.encode(EnumerationMargins(firstIndex: identity.firstIndex, count: identity.count, tally: tally)),
                              to: files.margins)
        let seconds = sorted.compactMap { $0.timing?.seconds }.reduce(0, +)
        let timing = EnumerationTiming(
            seconds: seconds, sumsPerSecond: seconds > 0 ? Double(identity.count) / seconds : 0,
            threads: sorted.compactMap { $0.timing?.threads }.max() ?? 0,
            chunkSize: sorted.first?.timing?.chunkSize ?? 0,
            resumes: sorted.compactMap { $0.timing?.resumes }.reduce(0, +),
            environment: Self.commonEnvironment(sorted))
        try DurableFile.write(CanonicalJSON.encode(timing), to: files.timing)
        // summary.json last: the merged directory is complete exactly when it exists.
        let summary = EnumerationSummary(identity: identity, tally: tally, dataFiles: [FailureSetFile.fileName: failuresRecord])
        try DurableFile.write(CanonicalJSON.encode(summary), to: files.summary)
    }

    /// The shards' compute environment when they all ran on the same kind of machine, else nil.
    static func commonEnvironment(_ results: [EnumerationResult]) -> ComputeEnvironment? {
        let environments = results.map { $0.timing?.environment }
        guard let first = environments.first, let common = first, environments.allSatisfy({ $0 == common }) else { return nil }
        return common
    }
}
