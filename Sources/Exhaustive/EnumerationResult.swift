import AdditionTask
import Foundation

/// A finished result directory (`summary.json`, `failures.bin`, `margins.json`,
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
        // The format first, so that an older or newer summary is named as such.
        struct FormatOnly: Decodable { var format: String }
        try ResultFormat.check(try CanonicalJSON.decode(FormatOnly.self, from: files.summary).format,
                               current: EnumerationSummary.currentFormat, file: files.summary)
        let summary = try CanonicalJSON.decode(EnumerationSummary.self, from: files.summary)
        guard summary.complete else { throw ExhaustiveError.incompleteResult(directory.path) }
        guard files.exists(files.margins) else {
            throw ExhaustiveError.malformedResult(file: files.margins.path, reason: "missing")
        }
        try ResultFormat.check(try CanonicalJSON.decode(FormatOnly.self, from: files.margins).format,
                               current: EnumerationMargins.currentFormat, file: files.margins)
        let margins = try CanonicalJSON.decode(EnumerationMargins.self, from: files.margins)
        guard margins.firstIndex == summary.firstIndex, margins.count == summary.count else {
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
    public var tally: RunTally { summary.tally(margins: margins) }

    /// The task the result is about.
    public func task() throws -> AdditionTask { try AdditionTask(digitCount: summary.nDigits) }

    /// Calls `body` with each failure in index order, streaming `failures.bin` (verified
    /// when the result was loaded; every record is checked again as it is read).
    public func forEachFailure(_ body: (FailureRecord) throws -> Void) throws {
        try streamFailures { try body($0); return true }
    }

    /// Calls `body` with each failure in index order until it returns false (the rest of
    /// `failures.bin` is then not read).
    public func streamFailures(_ body: (FailureRecord) throws -> Bool) throws {
        try FailureSetReader.forEach(in: ResultFiles(directory: directory).failures, expected: nil, task: task(),
                                     range: summary.range, body)
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
