import AdditionTask
import Foundation

/// A finished result directory (`summary.json`, `failures.csv`, `margins.json`,
/// `timing.json`): what the interpretation and report stages read.
public struct EnumerationResult: Sendable {
    public let directory: URL
    public let summary: EnumerationSummary
    /// The fast path's margins and near ties (machine-dependent).
    public let margins: EnumerationMargins
    /// Run-dependent facts; nil if `timing.json` is missing.
    public let timing: EnumerationTiming?

    /// Loads a complete result and verifies it (``ResultVerifier``) before anything reads it.
    public static func load(from directory: URL) throws -> EnumerationResult {
        let files = ResultFiles(directory: directory)
        guard files.exists(files.summary) else {
            if files.exists(files.checkpoint) { throw ExhaustiveError.incompleteResult(directory.path) }
            throw ExhaustiveError.notAResultDirectory(directory.path)
        }
        let summary = try CanonicalJSON.decode(EnumerationSummary.self, from: files.summary)
        guard summary.complete else { throw ExhaustiveError.incompleteResult(directory.path) }
        guard summary.format == EnumerationSummary.currentFormat else {
            throw ExhaustiveError.malformedResult(file: files.summary.path, reason: "format '\(summary.format)' is not \(EnumerationSummary.currentFormat); results of older versions must be computed again")
        }
        guard files.exists(files.margins) else {
            throw ExhaustiveError.malformedResult(file: files.margins.path, reason: "missing")
        }
        let margins = try CanonicalJSON.decode(EnumerationMargins.self, from: files.margins)
        guard margins.format == EnumerationMargins.currentFormat, margins.firstIndex == summary.firstIndex, margins.count == summary.count else {
            throw ExhaustiveError.malformedResult(file: files.margins.path, reason: "does not describe the range of summary.json")
        }
        guard files.exists(files.failures) else {
            throw ExhaustiveError.malformedResult(file: files.failures.path, reason: "missing")
        }
        try ResultVerifier.verify(summary: summary, margins: margins, directory: directory)
        let timing = files.exists(files.timing) ? try? CanonicalJSON.decode(EnumerationTiming.self, from: files.timing) : nil
        return EnumerationResult(directory: directory, summary: summary, margins: margins, timing: timing)
    }

    /// Counts and near ties together (for merging).
    public var tally: EnumerationTally { summary.tally(margins: margins) }

    /// The task the result is about.
    public func task() throws -> AdditionTask { try AdditionTask(digitCount: summary.nDigits) }

    /// Calls `body` with each failure in index order, streaming `failures.csv`.
    public func forEachFailure(_ body: (FailureRecord) throws -> Void) throws {
        try FailureRecord.forEachRecord(inCSV: ResultFiles(directory: directory).failures, task: task(), body)
    }

    /// The failures `filter` selects, in index order.
    public func failures(matching filter: FailureFilter) throws -> [FailureRecord] {
        var selected: [FailureRecord] = []
        try forEachFailure { if filter.matches($0) { selected.append($0) } }
        return selected
    }

    /// All failures in index order (fine for up to a few million).
    public func failures() throws -> [FailureRecord] {
        var all: [FailureRecord] = []
        try forEachFailure { all.append($0) }
        return all
    }
}
