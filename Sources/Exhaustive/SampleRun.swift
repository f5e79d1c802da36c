import AdditionTask
import Diagnostics
import Dispatch
import Foundation
import Transformer

/// The Wilson score interval for `successes` out of `trials` at 95% confidence.
public struct WilsonInterval: Codable, Hashable, Sendable {
    /// Lower end of the interval.
    public var low: Double
    /// Upper end of the interval.
    public var high: Double

    /// Computes the interval (z = 1.96).
    public init(successes: Int, trials: Int) {
        guard trials > 0 else {
            low = 0
            high = 1
            return
        }
        let z = 1.959963984540054
        let n = Double(trials), p = Double(successes) / n
        let denominator = 1 + z * z / n
        let centre = (p + z * z / (2 * n)) / denominator
        let half = z * ((p * (1 - p) / n + z * z / (4 * n * n)).squareRoot()) / denominator
        low = max(0, centre - half)
        high = min(1, centre + half)
    }
}

/// What a sampled run found: the same tallies as an enumeration, over a stated
/// uniform sample, with 95% Wilson intervals for the failure rates. Nothing here
/// is a statement about the questions outside the sample.
public struct SampleSummary: Codable, Equatable, Sendable {
    /// Format 3: `data_files` with the size and SHA-256 of `failures.csv` (format 2 had none).
    public static let currentFormat = "carrylens-sample/3"
    public var format = SampleSummary.currentFormat
    public var model: ModelIdentity
    public var nDigits: Int
    public var evaluator: String
    public var exactEvaluator: String?
    public var seed: UInt64
    /// Questions evaluated.
    public var sampleSize: Int
    /// The questions sampled from (uniformly, without repeats): 10^(2n), or the size of ``frame``.
    public var population: Int
    /// The index ranges sampled from when not the whole space (e.g. the questions a partial
    /// set of enumeration results did not measure); nil for the whole space.
    public var frame: [Range<Int>]?
    public var failures: Int
    public var perDigitFailures: [Int]
    /// 95% Wilson interval of the failure rate (questions with any wrong digit).
    public var failureRate: WilsonInterval
    /// 95% Wilson intervals per answer digit, A(n)..A0.
    public var perDigitFailureRate: [WilsonInterval]
    public var failuresByPattern: [String: Int]
    public var failuresByLongestCascade: [String: Int]
    /// Questions that even the exact evaluator could not decide, in sample order (see
    /// ``EnumerationSummary/undecided``). The near ties and fp32 margins, which depend on
    /// the machine, are in the sample's `margins.json`.
    public var undecided: [Int]
    /// Size and SHA-256 of `failures.csv` beside it (set by ``SampleRun/write(_:margins:failures:seconds:threads:to:)``).
    public var dataFiles: [String: DataFileRecord] = [:]

    /// Reads `summary.json` of a sample directory after verifying the directory
    /// (``SampleResult/load(from:)``).
    public static func load(from directory: URL) throws -> SampleSummary {
        try SampleResult.load(from: directory).summary
    }
}

/// A verified sample directory: `summary.json`, `failures.csv`, `margins.json`.
public struct SampleResult: Sendable {
    /// The sample directory.
    public let directory: URL
    /// Its `summary.json`.
    public let summary: SampleSummary
    /// Its `margins.json` (machine-dependent).
    public let margins: EnumerationMargins
    /// The failing questions, in index order.
    public let failures: [FailureRecord]

    /// Loads a sample directory and verifies it as ``ResultVerifier`` does an
    /// enumeration, reading `failures.csv` once: its size and SHA-256 against
    /// `summary.json`, every row against true addition and against the sample the seed
    /// gives (in index order, no repeats), every count and interval of the summary
    /// against the rows, and `margins.json` against the sample size and the undecided
    /// list. A mismatch names the file and the check.
    public static func load(from directory: URL) throws -> SampleResult {
        let summaryURL = directory.appendingPathComponent("summary.json")
        let csvURL = directory.appendingPathComponent("failures.csv")
        let marginsURL = directory.appendingPathComponent("margins.json")
        func fail(_ url: URL, _ reason: String) -> ExhaustiveError { .malformedResult(file: url.path, reason: reason) }
        guard FileManager.default.fileExists(atPath: summaryURL.path) else { throw ExhaustiveError.notAResultDirectory(directory.path) }
        struct FormatOnly: Decodable { var format: String }
        try ResultFormat.check(try CanonicalJSON.decode(FormatOnly.self, from: summaryURL).format, current: SampleSummary.currentFormat, file: summaryURL)
        let summary = try CanonicalJSON.decode(SampleSummary.self, from: summaryURL)
        let task = try AdditionTask(digitCount: summary.nDigits)
        let n = task.digitCount
        guard summary.population == (summary.frame.map(Self.frameSize) ?? task.questionCount),
              summary.frame.map({ Self.isValidFrame($0, questionCount: task.questionCount) }) ?? true,
              summary.sampleSize >= 0, summary.sampleSize <= summary.population,
              summary.perDigitFailures.count == n + 1 else {
            throw fail(summaryURL, "its population, frame, sample size or per-digit counts do not fit \(n)-digit addition")
        }
        guard let record = summary.dataFiles["failures.csv"] else { throw fail(summaryURL, "records no size and digest for failures.csv") }
        // One read: the digest and the rows come from the same bytes.
        let data: Data
        do { data = try Data(contentsOf: csvURL) } catch {
            throw ExhaustiveError.io("cannot read \(csvURL.path): \(systemReason(of: error))")
        }
        guard data.count == record.bytes else { throw fail(csvURL, "has \(data.count) bytes, summary.json records \(record.bytes)") }
        let digest = FileDigest.sha256Hex(data)
        guard digest == record.sha256 else { throw fail(csvURL, "SHA-256 \(digest) differs from the \(record.sha256) summary.json records") }
        let sample = summary.frame.map { QuestionSample(size: summary.sampleSize, frame: $0, seed: summary.seed) }
            ?? QuestionSample(size: summary.sampleSize, population: summary.population, seed: summary.seed)
        var lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.first == Substring(FailureRecord.csvHeader) else { throw fail(csvURL, "missing header '\(FailureRecord.csvHeader)'") }
        if lines.last == "" { lines.removeLast() }
        var tally = EnumerationTally(digitCount: n)
        var failures: [FailureRecord] = []
        var samplePosition = 0
        for line in lines.dropFirst() {
            let failure: FailureRecord
            do { failure = try FailureRecord(csvRow: line, task: task) } catch let error as ExhaustiveError {
                throw fail(csvURL, error.description)
            }
            // In the sample, after the previous row (both sorted by index).
            while samplePosition < sample.indices.count, sample.indices[samplePosition] < failure.index { samplePosition += 1 }
            guard samplePosition < sample.indices.count, sample.indices[samplePosition] == failure.index else {
                throw fail(csvURL, "row \(failure.a)+\(failure.b) is not a question of the sample (seed \(summary.seed)) or is out of index order")
            }
            samplePosition += 1
            guard failure.agreesWithTrueAddition(task: task) else {
                throw fail(csvURL, "row \(failure.a)+\(failure.b) is not what true addition gives for that answer")
            }
            tally.add(failure, digitCount: n)
            failures.append(failure)
        }
        guard tally.failures == summary.failures else { throw fail(csvURL, "has \(tally.failures) rows, summary.json counts \(summary.failures) failures") }
        guard tally.perDigitFailures == summary.perDigitFailures, tally.failuresByPattern == summary.failuresByPattern,
              tally.failuresByLongestCascade == summary.failuresByLongestCascade else {
            throw fail(summaryURL, "its per-digit, per-pattern or per-cascade counts disagree with failures.csv")
        }
        guard summary.failureRate == WilsonInterval(successes: summary.failures, trials: summary.sampleSize),
              summary.perDigitFailureRate == summary.perDigitFailures.map({ WilsonInterval(successes: $0, trials: summary.sampleSize) }) else {
            throw fail(summaryURL, "its failure-rate intervals are not those of its counts")
        }
        guard FileManager.default.fileExists(atPath: marginsURL.path) else { throw fail(marginsURL, "missing") }
        try ResultFormat.check(try CanonicalJSON.decode(FormatOnly.self, from: marginsURL).format, current: EnumerationMargins.currentFormat, file: marginsURL)
        let margins = try CanonicalJSON.decode(EnumerationMargins.self, from: marginsURL)
        guard margins.seed == summary.seed, margins.firstIndex == nil else { throw fail(marginsURL, "does not describe the sample of summary.json") }
        try margins.check(count: summary.sampleSize, undecided: summary.undecided, range: nil, file: marginsURL)
        let inSample = Set(sample.indices)
        guard summary.undecided.allSatisfy(inSample.contains) else { throw fail(summaryURL, "lists undecided questions outside the sample") }
        return SampleResult(directory: directory, summary: summary, margins: margins, failures: failures)
    }

    static func frameSize(_ frame: [Range<Int>]) -> Int { frame.reduce(0) { $0 + $1.count } }

    /// Non-empty ranges in increasing order, not touching, inside the question space.
    static func isValidFrame(_ frame: [Range<Int>], questionCount: Int) -> Bool {
        var end = -1
        for range in frame {
            guard !range.isEmpty, range.lowerBound > end, range.upperBound <= questionCount, range.lowerBound >= 0 else { return false }
            end = range.upperBound
        }
        return true
    }
}

extension FailureRecord {
    /// Whether every field is what true addition gives for this index and model answer.
    func agreesWithTrueAddition(task: AdditionTask) -> Bool {
        let n = task.digitCount
        guard (0..<task.questionCount).contains(index) else { return false }
        let digits = modelAnswer.map { character -> UInt8 in
            switch character {
            case "+": return UInt8(Token.plus)
            case "=": return UInt8(Token.equals)
            default: return character.wholeNumberValue.map(UInt8.init) ?? 255
            }
        }
        guard digits.count == n + 1, let expected = FailureRecord.check(question: task.question(atIndex: index), predicted: digits) else { return false }
        return expected == self
    }
}

/// Runs the network on a uniform sample of questions and writes `summary.json`,
/// `failures.csv` and `timing.json` to a directory.
public struct SampleRun {
    public let enumerator: Enumerator
    public let model: ModelIdentity

    public init(enumerator: Enumerator, model: ModelIdentity) {
        self.enumerator = enumerator
        self.model = model
    }

    /// Evaluates `sample` on the enumerator's threads, in chunks. `frame` is the index
    /// ranges it was drawn from (``QuestionSample/init(size:frame:seed:)``), nil for the whole space.
    public func run(_ sample: QuestionSample, frame: [Range<Int>]? = nil, progress: ((Int, Int) -> Void)? = nil) throws
        -> (summary: SampleSummary, margins: EnumerationMargins, failures: [FailureRecord], seconds: Double) {
        let started = Date()
        let task = enumerator.task
        let chunkSize = enumerator.options.chunkSize
        let chunks = stride(from: 0, to: sample.indices.count, by: chunkSize).map {
            Array(sample.indices[$0..<min(sample.indices.count, $0 + chunkSize)])
        }
        let collector = ChunkCollector(count: chunks.count)
        DispatchQueue.concurrentPerform(iterations: max(1, min(enumerator.options.threadCount, chunks.count))) { _ in
            while let i = collector.claim() {
                collector.store(i, Result { try enumerator.decide(indices: chunks[i]) })
                progress?(collector.completed * chunkSize, sample.indices.count)
            }
        }
        var tally = EnumerationTally(digitCount: task.digitCount)
        var failures: [FailureRecord] = []
        for result in try collector.results() {
            tally.add(result.tally)
            failures += result.failures
        }
        let size = sample.indices.count
        let summary = SampleSummary(
            model: model, nDigits: task.digitCount, evaluator: enumerator.evaluatorName,
            exactEvaluator: enumerator.exactEvaluator.map { String(describing: type(of: $0)) },
            seed: sample.seed, sampleSize: size, population: frame.map(SampleResult.frameSize) ?? task.questionCount, frame: frame,
            failures: tally.failures, perDigitFailures: tally.perDigitFailures,
            failureRate: WilsonInterval(successes: tally.failures, trials: size),
            perDigitFailureRate: tally.perDigitFailures.map { WilsonInterval(successes: $0, trials: size) },
            failuresByPattern: tally.failuresByPattern, failuresByLongestCascade: tally.failuresByLongestCascade,
            undecided: tally.undecided)
        let margins = EnumerationMargins(firstIndex: nil, count: size, seed: sample.seed, tally: RunTally(tally))
        return (summary, margins, failures, Date().timeIntervalSince(started))
    }

    /// Writes a sample's results (atomically, file by file; `summary.json` last, with the
    /// size and SHA-256 of `failures.csv`, so that ``SampleResult/load(from:)`` can verify it).
    public static func write(_ summary: SampleSummary, margins: EnumerationMargins, failures: [FailureRecord], seconds: Double,
                             threads: Int, to directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var csv = FailureRecord.csvHeader + "\n"
        for failure in failures { csv += failure.csvRow(digitCount: summary.nDigits) + "\n" }
        let csvData = Data(csv.utf8)
        var summary = summary
        summary.dataFiles = ["failures.csv": DataFileRecord(bytes: csvData.count, sha256: FileDigest.sha256Hex(csvData))]
        try DurableFile.write(csvData, to: directory.appendingPathComponent("failures.csv"))
        let timing = EnumerationTiming(seconds: seconds, sumsPerSecond: seconds > 0 ? Double(summary.sampleSize) / seconds : 0,
                                       threads: threads, chunkSize: 0, resumes: 0)
        try DurableFile.write(try CanonicalJSON.encode(margins), to: directory.appendingPathComponent("margins.json"))
        try DurableFile.write(try CanonicalJSON.encode(timing), to: directory.appendingPathComponent("timing.json"))
        try DurableFile.write(try CanonicalJSON.encode(summary), to: directory.appendingPathComponent("summary.json"))
    }
}

/// Results of chunks evaluated by several threads, in chunk order.
private final class ChunkCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Result<(tally: EnumerationTally, failures: [FailureRecord]), Error>?]
    private var next = 0
    private(set) var completed = 0

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func claim() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard next < slots.count else { return nil }
        next += 1
        return next - 1
    }

    func store(_ index: Int, _ result: Result<(tally: EnumerationTally, failures: [FailureRecord]), Error>) {
        lock.lock()
        defer { lock.unlock() }
        slots[index] = result
        completed += 1
    }

    func results() throws -> [(tally: EnumerationTally, failures: [FailureRecord])] {
        try slots.map { slot in
            guard let slot else { throw ExhaustiveError.io("a sample chunk was not evaluated") }
            return try slot.get()
        }
    }
}
