import AdditionTask
import Foundation
import Transformer

/// Combines complete shard results of one model into one result over their union.
///
/// Refuses incomplete shards, shards of different models, n, evaluators or near-tie
/// rules, gaps and overlaps. The merged `summary.json` and `failures.csv` are
/// byte-identical to those of a single run over the union, on any machine; the merged
/// `margins.json` is the union of the shards' (machine-dependent) margins.
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

    /// Merges `results` into `directory`. Refuses a directory that already holds a result unless `force`.
    @discardableResult
    public static func merge(_ results: [EnumerationResult], into directory: URL, force: Bool = false) throws -> EnumerationResult {
        let sorted = try validate(results)
        guard let first = sorted.first else { throw ExhaustiveError.nothingToMerge }
        let end = sorted.map(\.summary.range.upperBound).max() ?? first.summary.firstIndex
        let files = ResultFiles(directory: directory)
        if !force, files.all.contains(where: files.exists) {
            throw ExhaustiveError.existingResult(directory: directory.path)
        }
        do { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) } catch {
            throw ExhaustiveError.io("cannot create \(directory.path): \(error.localizedDescription)")
        }
        if force {
            for url in files.all where files.exists(url) { try? FileManager.default.removeItem(at: url) }
        }
        var tally = EnumerationTally(digitCount: first.summary.nDigits)
        for result in sorted { tally.add(result.tally) }
        var identity = first.summary.identity
        identity.firstIndex = first.summary.firstIndex
        identity.count = end - first.summary.firstIndex

        // failures.csv: header once, then each shard's rows in index order.
        let temporary = directory.appendingPathComponent(".failures.csv.tmp-\(getpid())")
        guard FileManager.default.createFile(atPath: temporary.path, contents: Data((FailureRecord.csvHeader + "\n").utf8)),
              let output = try? FileHandle(forWritingTo: temporary) else {
            throw ExhaustiveError.io("cannot write \(temporary.path)")
        }
        do {
            try output.seekToEnd()
            for result in sorted {
                var reader = try LineReader(url: ResultFiles(directory: result.directory).failures)
                defer { reader.close() }
                guard try reader.nextLine() == FailureRecord.csvHeader else {
                    throw ExhaustiveError.malformedResult(file: result.directory.appendingPathComponent("failures.csv").path, reason: "missing header")
                }
                var block = ""
                while let line = try reader.nextLine() {
                    if line.isEmpty { continue }
                    block += line + "\n"
                    if block.utf8.count > 1 << 20 { try output.write(contentsOf: Data(block.utf8)); block = "" }
                }
                try output.write(contentsOf: Data(block.utf8))
            }
            try output.synchronize()
            try output.close()
        } catch {
            try? output.close()
            throw error
        }
        try DurableFile.rename(temporary, to: files.failures)
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
        try DurableFile.write(CanonicalJSON.encode(EnumerationSummary(identity: identity, tally: tally)), to: files.summary)
        return try EnumerationResult.load(from: directory)
    }

    /// The shards' compute environment when they all ran on the same kind of machine, else nil.
    static func commonEnvironment(_ results: [EnumerationResult]) -> ComputeEnvironment? {
        let environments = results.map { $0.timing?.environment }
        guard let first = environments.first, let common = first, environments.allSatisfy({ $0 == common }) else { return nil }
        return common
    }
}
