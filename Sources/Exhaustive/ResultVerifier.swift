import AdditionTask
import Foundation

/// Checks that a result directory's files are the ones its `summary.json` describes,
/// before anything reads them, in one streaming pass over `failures.bin`: its size and
/// SHA-256 (hashed while it is decompressed and parsed), every record against true
/// addition and the range, and every count of the summary against the records
/// (failures, per digit, per carry pattern, per cascade length); then the margin
/// histogram's total against the question count and the undecided questions against
/// the near-tie log of `margins.json`. A mismatch names the file and the check.
public enum ResultVerifier {
    public static func verify(summary: EnumerationSummary, margins: EnumerationMargins, directory: URL) throws {
        let files = ResultFiles(directory: directory)
        func fail(_ url: URL, _ reason: String) -> ExhaustiveError { .malformedResult(file: url.path, reason: reason) }

        guard let record = summary.dataFiles[FailureSetFile.fileName] else {
            throw fail(files.summary, "records no size and digest for \(FailureSetFile.fileName)")
        }
        let task = try AdditionTask(digitCount: summary.nDigits)
        let n = task.digitCount
        guard summary.perDigitFailures.count == n + 1, summary.count >= 0, summary.firstIndex >= 0,
              summary.range.upperBound <= task.questionCount else {
            throw fail(files.summary, "its range or per-digit counts do not fit \(n)-digit addition")
        }
        var tally = EnumerationTally(digitCount: n)
        try FailureSetReader.forEach(in: files.failures, expected: record, task: task, range: summary.range) { failure in
            tally.add(failure, digitCount: n)
            return true
        }
        if tally.failures != summary.failures {
            throw fail(files.failures, "has \(tally.failures) records, summary.json counts \(summary.failures) failures")
        }
        if tally.perDigitFailures != summary.perDigitFailures {
            throw fail(files.summary, "per_digit_failures \(summary.perDigitFailures) disagree with \(FailureSetFile.fileName) (\(tally.perDigitFailures))")
        }
        if tally.failuresByPattern != summary.failuresByPattern {
            throw fail(files.summary, "failures_by_pattern disagrees with \(FailureSetFile.fileName)")
        }
        if tally.failuresByLongestCascade != summary.failuresByLongestCascade {
            throw fail(files.summary, "failures_by_longest_cascade disagrees with \(FailureSetFile.fileName)")
        }
        try margins.check(count: summary.count, undecided: summary.undecided, range: summary.range, file: files.margins)
    }
}
