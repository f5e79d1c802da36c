import AdditionTask
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
    public static let currentFormat = "carrylens-sample/2"
    public var format = SampleSummary.currentFormat
    public var model: ModelIdentity
    public var nDigits: Int
    public var evaluator: String
    public var exactEvaluator: String?
    public var seed: UInt64
    /// Questions evaluated.
    public var sampleSize: Int
    /// 10^(2n), the population sampled from (uniformly, without repeats).
    public var population: Int
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

    enum CodingKeys: String, CodingKey {
        case format, model, evaluator, seed, failures, population
        case nDigits = "n_digits", exactEvaluator = "exact_evaluator", sampleSize = "sample_size"
        case perDigitFailures = "per_digit_failures", failureRate = "failure_rate"
        case perDigitFailureRate = "per_digit_failure_rate", failuresByPattern = "failures_by_pattern"
        case failuresByLongestCascade = "failures_by_longest_cascade", undecided
    }

    /// Reads `summary.json` of a sample directory.
    public static func load(from directory: URL) throws -> SampleSummary {
        try CanonicalJSON.decode(SampleSummary.self, from: directory.appendingPathComponent("summary.json"))
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

    /// Evaluates `sample` on the enumerator's threads, in chunks.
    public func run(_ sample: QuestionSample, progress: ((Int, Int) -> Void)? = nil) throws
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
            seed: sample.seed, sampleSize: size, population: task.questionCount,
            failures: tally.failures, perDigitFailures: tally.perDigitFailures,
            failureRate: WilsonInterval(successes: tally.failures, trials: size),
            perDigitFailureRate: tally.perDigitFailures.map { WilsonInterval(successes: $0, trials: size) },
            failuresByPattern: tally.failuresByPattern, failuresByLongestCascade: tally.failuresByLongestCascade,
            undecided: tally.undecided)
        let margins = EnumerationMargins(firstIndex: nil, count: size, seed: sample.seed, tally: tally)
        return (summary, margins, failures, Date().timeIntervalSince(started))
    }

    /// Writes a sample's results (atomically, file by file).
    public static func write(_ summary: SampleSummary, margins: EnumerationMargins, failures: [FailureRecord], seconds: Double,
                             threads: Int, to directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var csv = FailureRecord.csvHeader + "\n"
        for failure in failures { csv += failure.csvRow(digitCount: summary.nDigits) + "\n" }
        try DurableFile.write(Data(csv.utf8), to: directory.appendingPathComponent("failures.csv"))
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
