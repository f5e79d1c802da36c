import AdditionTask
import Foundation

/// Checks that a result directory's files are the ones its `summary.json` describes,
/// before anything reads them: the size and SHA-256 of `failures.csv`, every row
/// against true addition, and every count of the summary against the rows
/// (failures, per digit, per carry pattern, per cascade length), the margin
/// histogram's total against the question count, and the undecided questions
/// against the near-tie list. A mismatch names the file and the check.
public enum ResultVerifier {
    public static func verify(summary: EnumerationSummary, margins: EnumerationMargins, directory: URL) throws {
        let files = ResultFiles(directory: directory)
        func fail(_ url: URL, _ reason: String) -> ExhaustiveError { .malformedResult(file: url.path, reason: reason) }

        // failures.csv is the file the summary recorded.
        guard let record = summary.dataFiles["failures.csv"] else {
            throw fail(files.summary, "records no size and digest for failures.csv")
        }
        let measured = try DataFileRecord(fileAt: files.failures)
        guard measured.bytes == record.bytes else {
            throw fail(files.failures, "has \(measured.bytes) bytes, summary.json records \(record.bytes)")
        }
        guard measured.sha256 == record.sha256 else {
            throw fail(files.failures, "SHA-256 \(measured.sha256) differs from the \(record.sha256) summary.json records")
        }

        // Every row is a real failure in range, in index order, and the counts add up.
        let task = try AdditionTask(digitCount: summary.nDigits)
        let n = task.digitCount
        var tally = EnumerationTally(digitCount: n)
        var previous = summary.firstIndex - 1
        try FailureRecord.forEachRecord(inCSV: files.failures, task: task) { failure in
            guard summary.range.contains(failure.index), failure.index > previous else {
                throw fail(files.failures, "row \(failure.a)+\(failure.b) is outside [\(summary.firstIndex), \(summary.range.upperBound)) or out of index order")
            }
            previous = failure.index
            let question = task.question(atIndex: failure.index)
            let digits = failure.modelAnswer.map { character -> UInt8 in
                switch character {
                case "+": return UInt8(Token.plus)
                case "=": return UInt8(Token.equals)
                default: return character.wholeNumberValue.map(UInt8.init) ?? 255
                }
            }
            guard digits.count == n + 1, let expected = FailureRecord.check(question: question, predicted: digits), expected == failure else {
                throw fail(files.failures, "row \(failure.a)+\(failure.b) is not what true addition gives for that answer")
            }
            tally.add(failure, digitCount: n)
        }
        if tally.failures != summary.failures {
            throw fail(files.failures, "has \(tally.failures) rows, summary.json counts \(summary.failures) failures")
        }
        if tally.perDigitFailures != summary.perDigitFailures {
            throw fail(files.summary, "per_digit_failures \(summary.perDigitFailures) disagree with failures.csv (\(tally.perDigitFailures))")
        }
        if tally.failuresByPattern != summary.failuresByPattern {
            throw fail(files.summary, "failures_by_pattern disagrees with failures.csv")
        }
        if tally.failuresByLongestCascade != summary.failuresByLongestCascade {
            throw fail(files.summary, "failures_by_longest_cascade disagrees with failures.csv")
        }

        // margins.json covers the same questions.
        let histogramTotal = margins.marginHistogram.counts.reduce(0, +)
        guard histogramTotal == summary.count else {
            throw fail(files.margins, "its margin histogram counts \(histogramTotal) questions, summary.json \(summary.count)")
        }
        guard margins.nearTies == margins.nearTieDecisions.count, margins.nearTieDecisions.allSatisfy({ summary.range.contains($0.index) }),
              zip(margins.nearTieDecisions, margins.nearTieDecisions.dropFirst()).allSatisfy({ $0.index < $1.index }) else {
            throw fail(files.margins, "its near ties are not \(margins.nearTies) distinct questions of the range in index order")
        }
        let undecided = margins.nearTieDecisions.filter { $0.exactUndecided == true || $0.exactAnswer == nil }.map(\.index)
        guard undecided == summary.undecided else {
            throw fail(files.summary, "its undecided questions disagree with the near ties of margins.json")
        }
    }
}
