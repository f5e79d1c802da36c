import AdditionTask
import Exhaustive
import Diagnostics
import Foundation
import Interpretation
import Proofs
import Transformer

/// The model facts a report starts with.
public struct ModelCard: Codable, Equatable, Sendable {
    public var name: String
    public var file: String
    public var sha256: String
    public var config: ModelConfig
    public var parameterCount: Int
    public var layout: String
    /// Training steps and the last recorded loss, when the file's metadata has them.
    public var trainingSteps: Int?
    public var finalTrainingLoss: Double?
    public var loadNotes: [String]

    public init(model: AdditionModel, identity: ModelIdentity) {
        name = model.name
        file = identity.file
        sha256 = identity.sha256
        config = model.config
        parameterCount = model.config.parameterCount
        layout = model.task.description
        loadNotes = model.notes
        trainingSteps = model.training?.steps
        finalTrainingLoss = model.training?.finalLoss
    }
}

/// How much of the network's behaviour was evaluated.
public enum NetworkCoverage: Sendable {
    /// Every question in the stated range (all 10^(2n) for a full run).
    case exhaustive(EnumerationResult)
    /// A seeded uniform sample.
    case sampled(SampleSummary, failures: [FailureRecord])
    /// Every question of some index ranges, and a seeded uniform sample of the rest.
    case partial(PartialCoverage)

    /// The failures found, in index order.
    public var failures: [FailureRecord] {
        get throws {
            switch self {
            case .exhaustive(let result): return try result.failures()
            case .sampled(_, let failures): return failures
            case .partial(let partial): return try partial.failures()
            }
        }
    }
}

/// Enumeration results that measured only some index ranges, and the uniform sample of the
/// unmeasured questions (its frame) that stands in for the rest.
public struct PartialCoverage: Sendable {
    /// The measured results: every question of ``ResultSet/coverage``'s ranges.
    public var measured: ResultSet
    /// The sample of the unmeasured questions.
    public var rest: SampleSummary
    /// The sample's failures, in index order.
    public var restFailures: [FailureRecord]

    public init(measured: ResultSet, rest: SampleSummary, restFailures: [FailureRecord]) {
        self.measured = measured
        self.rest = rest
        self.restFailures = restFailures
    }

    /// Failures of the measured ranges and of the sample, in index order.
    public func failures() throws -> [FailureRecord] {
        var all = restFailures
        try measured.forEachFailure { all.append($0) }
        return all.sorted { $0.index < $1.index }
    }

    /// 95% interval of the failure rate over the whole space: the measured failures exactly,
    /// the unmeasured questions at the ends of the sample's Wilson interval.
    public var wholeSpaceFailureRate: WilsonInterval {
        let coverage = measured.coverage
        let unmeasured = Double(coverage.population - coverage.measuredCount)
        let population = Double(max(1, coverage.population))
        let exact = Double(measured.counts.failures)
        var interval = rest.failureRate
        interval.low = (exact + unmeasured * rest.failureRate.low) / population
        interval.high = (exact + unmeasured * rest.failureRate.high) / population
        return interval
    }
}

/// The files `carrylens verify` writes and `carrylens report` reads:
///
/// ```
/// DIR/model.json                 ModelCard
/// DIR/enumeration/               every question (carrylens enumerate layout), or
/// DIR/sample/                    a seeded uniform sample (summary.json, failures.csv, timing.json), or
/// DIR/measured/range-FIRST-END/  every question of some ranges (enumerate layout, `verify --results`
///                                with partial results) plus DIR/sample/ over the unmeasured rest
/// DIR/explanation/               carrylens explain output
/// DIR/proofs/paper/, extracted/  carrylens prove output for the paper's and the extracted algorithm
/// DIR/timings.json               seconds per stage (run-dependent)
/// ```
public struct VerificationResults: Sendable {
    public var directory: URL
    public var model: ModelCard
    public var coverage: NetworkCoverage
    public var explanation: Explanation
    /// Proof reports by algorithm folder name (`paper`, `extracted`).
    public var proofs: [String: ProofReport]
    /// Seconds per stage, when recorded.
    public var timings: [String: Double]?

    public static func modelFile(in directory: URL) -> URL { directory.appendingPathComponent("model.json") }
    public static func enumerationDirectory(in directory: URL) -> URL { directory.appendingPathComponent("enumeration") }
    public static func sampleDirectory(in directory: URL) -> URL { directory.appendingPathComponent("sample") }
    public static func measuredDirectory(in directory: URL) -> URL { directory.appendingPathComponent("measured") }
    public static func explanationDirectory(in directory: URL) -> URL { directory.appendingPathComponent("explanation") }
    public static func proofDirectory(in directory: URL, algorithm: String) -> URL {
        directory.appendingPathComponent("proofs").appendingPathComponent(algorithm)
    }
    public static func timingsFile(in directory: URL) -> URL { directory.appendingPathComponent("timings.json") }
    public static let proofAlgorithms = ["paper", "extracted"]

    /// Reads a results directory; every part must be present.
    public static func load(from directory: URL) throws -> VerificationResults {
        let fileManager = FileManager.default
        func readJSON<T: Decodable>(_ type: T.Type, _ url: URL) throws -> T {
            guard let data = fileManager.contents(atPath: url.path) else { throw ReportError.missing(url.path) }
            do { return try CanonicalJSON.decode(type, from: data) } catch { throw ReportError.malformed(url.path, systemReason(of: error)) }
        }
        let model = try readJSON(ModelCard.self, modelFile(in: directory))
        let coverage: NetworkCoverage
        let enumeration = enumerationDirectory(in: directory)
        let sample = sampleDirectory(in: directory)
        if fileManager.fileExists(atPath: enumeration.appendingPathComponent("summary.json").path) {
            coverage = .exhaustive(try EnumerationResult.load(from: enumeration))
        } else if fileManager.fileExists(atPath: measuredDirectory(in: directory).path) {
            let measured = try ResultSet.load(from: measuredDirectory(in: directory))
            let rest = try SampleResult.load(from: sample)
            guard rest.summary.model.sha256 == measured.model.sha256, rest.summary.nDigits == measured.nDigits,
                  rest.summary.frame == measured.coverage.unmeasured else {
                throw ReportError.malformed(sample.appendingPathComponent("summary.json").path,
                                            "its model, n or frame is not the unmeasured rest of \(measuredDirectory(in: directory).path)")
            }
            coverage = .partial(PartialCoverage(measured: measured, rest: rest.summary, restFailures: rest.failures))
        } else if fileManager.fileExists(atPath: sample.appendingPathComponent("summary.json").path) {
            let summary = try SampleSummary.load(from: sample)
            let task = try AdditionTask(digitCount: summary.nDigits)
            coverage = .sampled(summary, failures: try FailureRecord.readCSV(at: sample.appendingPathComponent("failures.csv"), task: task))
        } else {
            throw ReportError.missing("\(enumeration.path)/summary.json or \(sample.path)/summary.json")
        }
        let explanation = try Explanation.load(from: explanationDirectory(in: directory))
        var proofs: [String: ProofReport] = [:]
        for algorithm in proofAlgorithms {
            proofs[algorithm] = try readJSON(ProofReport.self, proofDirectory(in: directory, algorithm: algorithm).appendingPathComponent("summary.json"))
        }
        let timings = try? readJSON([String: Double].self, timingsFile(in: directory))
        return VerificationResults(directory: directory, model: model, coverage: coverage, explanation: explanation,
                                   proofs: proofs, timings: timings)
    }
}

/// Errors reading results or writing a report.
public enum ReportError: Error, CustomStringConvertible {
    case missing(String)
    case malformed(String, String)

    public var description: String {
        switch self {
        case .missing(let path): return "missing result file \(path): run `carrylens verify` first, or point at its output directory"
        case .malformed(let path, let reason): return "malformed result file \(path): \(reason)"
        }
    }
}
