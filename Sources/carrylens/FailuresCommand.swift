import ArgumentParser
import Exhaustive
import Foundation

/// `carrylens failures DIR`: list and filter recorded failures.
struct FailuresCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "failures",
        abstract: "List the failures of a result, filtered by wrong answer digit, carry pattern and cascade length.",
        discussion: """
        Reads DIR/failures.bin (after verifying the directory) and writes CSV (the columns of \
        docs/report-schema.md) or JSON lines to standard output, in index order. \
        `carrylens failures DIR > failures.csv` gives the whole failure list as CSV.
        """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case csv, jsonl }

    @Argument(help: "A result directory (from enumerate or merge).")
    var directory: String

    @Option(help: "Only failures where answer digit A(k) is wrong.")
    var digit: Int?

    @Option(help: "Only failures whose carry pattern (most significant column first; C, 9, _) matches; ? matches any column.")
    var pattern: String?

    @Option(help: "Only failures whose longest carry cascade among the wrong digits has this length.")
    var cascade: Int?

    @Option(help: "A uniform random sample of this many of the selected failures (reproducible with --seed).")
    var sample: Int?

    @Option(help: "Seed of --sample.")
    var seed: UInt64 = 0

    @Option(help: "List at most this many.")
    var limit: Int?

    @Option(help: "Output format.")
    var format: Format = .csv

    func validate() throws {
        if let sample, sample < 0 { throw ValidationError("--sample must be non-negative") }
        if let limit, limit < 0 { throw ValidationError("--limit must be non-negative") }
    }

    func run() throws {
        do {
            let result = try EnumerationResult.load(from: URL(fileURLWithPath: directory))
            let n = result.summary.nDigits
            let filter = try FailureFilter(digit: digit, pattern: pattern, cascade: cascade, digitCount: n)
            let selection = try FailureSelection(filter: filter, sample: sample.map { ($0, seed) }, limit: limit)
            var output = OutputBuffer()
            if format == .csv { output.append(FailureRecord.csvHeader) }
            try result.forEachFailure(selectedBy: selection) { failure in
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
