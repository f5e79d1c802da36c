import AdditionTask
import Exhaustive
import Foundation
import Interpretation
import Proofs
import Reports
import Transformer

/// What a verification runs and how large its samples are.
public struct VerificationOptions: Sendable {
    /// Worker threads of the evaluation stage.
    public var threads: Int = ProcessInfo.processInfo.activeProcessorCount
    /// Largest number of questions (10^(2n)) run exhaustively; larger models are sampled.
    public var maxExhaustive: Int = 10_000_000
    /// Uniform sample size when the model has more questions than ``maxExhaustive``.
    public var sampleSize: Int = 200_000
    /// Seed of the sample and of every sampled interpretation step.
    public var seed: UInt64 = 129
    /// The interpretation's options (its sample size and seed are set from this value's).
    public var explain = ExplainOptions()
    /// Leave timings out of the report files (byte-for-byte reproducible).
    public var reproducible = false
    /// Enumeration results of this model measured elsewhere (a merged enumeration, one shard,
    /// or a directory of shard directories), read instead of evaluating the network: the whole
    /// space when they cover it, else their ranges plus a uniform sample of ``sampleSize``
    /// questions (seed ``seed``) of the rest. Nil: evaluate here.
    public var results: URL?

    /// Default options, with the values a command line sets.
    public init(threads: Int = ProcessInfo.processInfo.activeProcessorCount, maxExhaustive: Int = 10_000_000,
                sampleSize: Int = 200_000, seed: UInt64 = 129, explainSampleSize: Int? = nil,
                reproducible: Bool = false, results: URL? = nil) {
        self.threads = threads
        self.maxExhaustive = maxExhaustive
        self.sampleSize = sampleSize
        self.seed = seed
        if let explainSampleSize { explain.sampleSize = explainSampleSize }
        self.reproducible = reproducible
        self.results = results
    }
}

/// The stages of a verification, in order.
public enum VerificationStage: Int, CaseIterable, Sendable, CustomStringConvertible {
    /// The network on every question it can afford, else on a sample.
    case evaluate = 1
    /// Attention, ablation, dependencies, extraction, fidelity, claims.
    case explain
    /// The paper's and the extracted algorithm against true addition.
    case prove
    /// report.md, report.html, summary.json, failures.csv.
    case report

    /// The stage's name in progress lines and `timings.json`.
    public var description: String {
        switch self {
        case .evaluate: return "evaluate"
        case .explain: return "explain"
        case .prove: return "prove"
        case .report: return "report"
        }
    }
}

/// The verification pipeline: evaluate (whole space or a stated sample) → explain → prove → report.
///
/// Each question is decided once: the evaluation stage's decisions are recorded in
/// ``decisions``, which the interpretation reads instead of evaluating those questions again.
/// Each proof runs once: the interpretation's proofs are kept in ``proofs`` and written as the
/// proof stage's results. The CLI's `verify` is parsing plus one call of ``run(to:log:)``.
public final class VerificationPipeline {
    /// The model verified.
    public let model: AdditionModel
    /// Options.
    public let options: VerificationOptions
    /// The network's decisions, shared by every stage.
    public let decisions: NetworkDecisions
    /// The proof runs, shared by every stage.
    public let proofs: ProofLedger
    /// The interpretation's run (with the network's answers it read), after ``run(to:log:)``.
    public private(set) var explainRun: ExplainRun?
    let enumerator: Enumerator

    /// A pipeline for `model`: the fast evaluator, near ties re-decided by its fp64 evaluator.
    public init(model: AdditionModel, options: VerificationOptions = VerificationOptions()) throws {
        self.model = model
        self.options = options
        let fast = FastEvaluator(model)
        enumerator = try Enumerator(evaluator: fast, exactEvaluator: fast.exact,
                                    options: EnumerationOptions(chunkSize: 4096, threadCount: options.threads))
        decisions = NetworkDecisions(enumerator: enumerator)
        proofs = ProofLedger(options: options.explain.proofOptions)
    }

    /// Whether the model is run on every question (else on a sample) when no ``VerificationOptions/results`` are given.
    public var isExhaustive: Bool { model.task.questionCount <= options.maxExhaustive }

    /// Runs every stage, writing the results and the report into `directory`; returns what
    /// the report was built from. `log` receives progress lines.
    @discardableResult
    public func run(to directory: URL, log: @escaping (String) -> Void = { _ in }) throws -> VerificationResults {
        let identity = try ModelIdentity(fileAt: model.url)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var timings: [String: Double] = [:]
        func stage<T>(_ stage: VerificationStage, _ title: String, _ body: () throws -> T) rethrows -> T {
            let count = VerificationStage.allCases.count
            log("[\(stage.rawValue)/\(count)] \(title)…")
            let started = Date()
            let value = try body()
            let seconds = Date().timeIntervalSince(started)
            timings[title] = seconds
            log("[\(stage.rawValue)/\(count)] \(title) done in \(String(format: "%.1f", seconds)) s")
            return value
        }
        try CanonicalJSON.encode(ModelCard(model: model, identity: identity))
            .write(to: VerificationResults.modelFile(in: directory), options: .atomic)

        if let results = options.results {
            try stage(.evaluate, "read measured results") {
                try evaluate(results: results, identity: identity, directory: directory, log: log)
            }
        } else {
            try stage(.evaluate, isExhaustive ? "enumerate every question" : "evaluate a sample") {
                try evaluate(identity: identity, directory: directory, log: log)
            }
        }
        let explanation = try stage(.explain, "explain") {
            var explain = options.explain
            explain.seed = options.seed
            let run = try Interpretation.run(model: model, options: explain, decisions: decisions, proofs: proofs) { log("    \($0)") }
            try run.explanation.write(to: VerificationResults.explanationDirectory(in: directory))
            explainRun = run
            return run.explanation
        }
        try stage(.prove, "prove") {
            for (name, algorithm) in [("paper", PerDigitAlgorithm.paper), ("extracted", explanation.algorithm)] {
                let run = try proofs.run(algorithm, digitCount: model.task.digitCount)
                let target = VerificationResults.proofDirectory(in: directory, algorithm: name)
                try? FileManager.default.removeItem(at: target)
                try run.write(to: target, reproducible: true)
                log("    \(name): \(run.report.verdict.rawValue), \(run.report.counterexamples ?? "unknown") wrong questions")
            }
        }
        return try stage(.report, "report") {
            try CanonicalJSON.encode(timings).write(to: VerificationResults.timingsFile(in: directory), options: .atomic)
            let results = try VerificationResults.load(from: directory)
            try VerificationReport(results: results, reproducible: options.reproducible).write(to: directory)
            return results
        }
    }

    /// The evaluation stage: every question (resumable) or the stated sample; its decisions are recorded.
    private func evaluate(identity: ModelIdentity, directory: URL, log: (String) -> Void) throws {
        let task = model.task
        try? FileManager.default.removeItem(at: VerificationResults.measuredDirectory(in: directory))
        if isExhaustive {
            try? FileManager.default.removeItem(at: VerificationResults.sampleDirectory(in: directory))
            let run = ShardRun(directory: VerificationResults.enumerationDirectory(in: directory), model: identity,
                               range: 0..<task.questionCount, enumerator: enumerator)
            switch try run.run(resume: true, force: false) {
            case .completed(let result, _), .alreadyComplete(let result):
                decisions.record(range: 0..<task.questionCount, failures: try result.failures())
                log("    \(result.summary.failures) wrong of \(result.summary.count) questions, \(result.margins.nearTies.count) near ties re-decided in fp64, \(result.summary.undecided.count) undecided")
            case .interrupted(let next):
                throw VerificationError.interrupted(nextIndex: next)
            }
        } else {
            try? FileManager.default.removeItem(at: VerificationResults.enumerationDirectory(in: directory))
            let sample = QuestionSample(size: options.sampleSize, population: task.questionCount, seed: options.seed)
            let progress = ProgressReporter(total: options.sampleSize)
            let (summary, margins, failures, seconds) = try SampleRun(enumerator: enumerator, model: identity)
                .run(sample) { done, _ in progress.report(done: done) }
            try SampleRun.write(summary, margins: margins, failures: failures, seconds: seconds, threads: options.threads,
                                to: VerificationResults.sampleDirectory(in: directory))
            decisions.record(indices: sample.indices, failures: failures)
            log("    \(summary.failures) wrong of \(summary.sampleSize) sampled questions (of \(summary.population)), \(margins.nearTies.count) near ties re-decided in fp64, \(summary.undecided.count) undecided")
        }
    }
}

/// Why a verification stopped.
public enum VerificationError: Error, CustomStringConvertible {
    /// The enumeration stopped before its end (it checkpointed; running again continues).
    case interrupted(nextIndex: Int)
    /// `--results` holds results of another n than the model's.
    case resultsForOtherDigitCount(directory: String, found: Int, expected: Int)

    public var description: String {
        switch self {
        case .interrupted(let next): return "enumeration stopped at index \(next); run verify again to continue"
        case .resultsForOtherDigitCount(let directory, let found, let expected):
            return "\(directory) holds results of \(found)-digit addition; the model adds \(expected)-digit numbers"
        }
    }
}
