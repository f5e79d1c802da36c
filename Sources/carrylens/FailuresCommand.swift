import ArgumentParser
import Exhaustive
import Foundation

/// `carrylens failures DIR`: list and filter recorded failures.
struct FailuresCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "failures",
        abstract: "List the failures of a result, filtered by wrong answer digit and carry pattern.")

    enum Format: String, ExpressibleByArgument, CaseIterable { case csv, jsonl }

    @Argument(help: "A result directory (from enumerate or merge).")
    var directory: String

    @Option(help: "Only failures where answer digit A(k) is wrong.")
    var digit: Int?

    @Option(help: "Only failures whose carry pattern (most significant column first; C, 9, _) matches; ? matches any column.")
    var pattern: String?

    @Option(help: "Output format.")
    var format: Format = .csv

    func run() throws {
        do {
            let result = try EnumerationResult.load(from: URL(fileURLWithPath: directory))
            let n = result.summary.nDigits
            let filter = try FailureFilter(digit: digit, pattern: pattern, digitCount: n)
            var output = OutputBuffer()
            if format == .csv { output.append(FailureRecord.csvHeader) }
            try result.forEachFailure { failure in
                guard filter.matches(failure) else { return }
                output.append(format == .csv ? failure.csvRow(digitCount: n) : failure.jsonLine(digitCount: n))
            }
            output.flush()
        } catch let error as ExhaustiveError {
            throw CLIError(error)
        }
    }
}

/// Buffered standard output.
private struct OutputBuffer {
    private var text = ""
    mutating func append(_ line: String) {
        text += line + "\n"
        if text.utf8.count > 1 << 16 { flush() }
    }
    mutating func flush() {
        FileHandle.standardOutput.write(Data(text.utf8))
        text = ""
    }
}
