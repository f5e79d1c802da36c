import ArgumentParser
import Exhaustive
import Foundation

/// `carrylens failures DIR`: list and filter recorded failures.
struct FailuresCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "failures",
        abstract: "List the failures of a result, filtered by wrong answer digit, carry pattern and cascade length.",
        discussion: """
        DIR is any result directory CarryLens writes: an enumeration or merge result \
        (failures.bin), a sample (failures.csv), or a verify output directory (its \
        enumeration/ or sample/). The directory is verified before it is read. Writes CSV (the \
        columns of docs/report-schema.md) or JSON lines to standard output, in index order. \
        `carrylens failures DIR > failures.csv` gives the whole failure list as CSV.
        """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case csv, jsonl }

    @Argument(help: "A result directory (from enumerate, merge or verify, or a sample).")
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
            let source = try FailureSource(at: URL(fileURLWithPath: directory))
            let filter = try FailureFilter(digit: digit, pattern: pattern, cascade: cascade, digitCount: source.digitCount)
            let selection = try FailureSelection(filter: filter, sample: sample.map { ($0, seed) }, limit: limit)
            var output = OutputBuffer()
            if format == .csv { output.append(FailureRecord.csvHeader) }
            try source.forEachFailure(selectedBy: selection) { failure in
                output.append(format == .csv ? failure.csvRow(digitCount: source.digitCount) : failure.jsonLine(digitCount: source.digitCount))
            }
            output.flush()
        } catch let error as ExhaustiveError {
            throw CLIError(error)
        }
    }
}

/// The failures of any result directory: an enumeration or merge result, a sample, or a
/// verify output directory (whose `enumeration/` or `sample/` holds them).
private enum FailureSource {
    case enumeration(EnumerationResult)
    case sample(SampleResult)

    init(at url: URL) throws {
        let manager = FileManager.default
        func has(_ path: String) -> Bool { manager.fileExists(atPath: url.appendingPathComponent(path).path) }
        if has("measured"), has("sample/summary.json") {
            // verify --results with partial results: the failures are in several places.
            throw CLIError("\(url.path) holds partial results (verify --results): give one of its measured/range-* directories or its sample/ directory",
                           status: .badInput)
        }
        if has("enumeration/summary.json") {
            self = .enumeration(try EnumerationResult.load(from: url.appendingPathComponent("enumeration")))
        } else if has("sample/summary.json") {
            self = .sample(try SampleResult.load(from: url.appendingPathComponent("sample")))
        } else if has("summary.json"), has("failures.csv"), !has("failures.bin"), !has("enumeration"), !has("report.md") {
            self = .sample(try SampleResult.load(from: url))
        } else {
            self = .enumeration(try EnumerationResult.load(from: url))
        }
    }

    var digitCount: Int {
        switch self {
        case .enumeration(let result): return result.summary.nDigits
        case .sample(let result): return result.summary.nDigits
        }
    }

    func forEachFailure(selectedBy selection: FailureSelection, _ body: (FailureRecord) throws -> Void) throws {
        switch self {
        case .enumeration(let result):
            try result.forEachFailure(selectedBy: selection, body)
        case .sample(let result):
            try selection.select(from: { each in for failure in result.failures { guard try each(failure) else { return } } }, body)
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
