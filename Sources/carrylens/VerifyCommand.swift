import AdditionTask
import ArgumentParser
import Exhaustive
import Foundation
import Interpretation
import Proofs
import Reports
import Transformer

/// `carrylens verify`: the main job, end to end — enumerate (every question the
/// machine can afford, else a stated sample), explain, prove, report.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Enumerate, explain, prove and report on a model, end to end.",
        discussion: """
        Models with at most --max-exhaustive questions (n ≤ 3 by default) are run on every \
        question; larger ones on a seeded uniform sample of --sample questions, and the report \
        says so. Interrupted runs continue where they stopped (the enumeration checkpoints). \
        Writes the stage results and report.md, report.html, summary.json and failures.csv to --out.
        """)

    @OptionGroup var modelOptions: ModelOptions

    @Option(help: "Output directory.")
    var out = "out/verify"

    @Option(help: "Worker threads.")
    var threads = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Largest number of questions to enumerate exhaustively (10^(2n)).")
    var maxExhaustive = 10_000_000

    @Option(help: "Sample size when the model has more questions than --max-exhaustive.")
    var sample = 200_000

    @Option(help: "Seed of the sample and of every sampled interpretation step.")
    var seed: UInt64 = 129

    @Option(help: "Uniform sample size for interpretation on models too large to treat exhaustively.")
    var explainSample = 20_000

    @Flag(help: "Leave timings out of report files so they are byte-for-byte reproducible.")
    var reproducible = false

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        guard sample >= 1 else { throw ValidationError("--sample must be at least 1") }
        guard explainSample >= 1 else { throw ValidationError("--explain-sample must be at least 1") }
        guard maxExhaustive >= 0 else { throw ValidationError("--max-exhaustive must be non-negative") }
    }

    func run() throws {
        let model = try modelOptions.load()
        let directory = URL(fileURLWithPath: out)
        let identity = try ModelIdentity(fileAt: model.url)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var timings: [String: Double] = [:]
        let stages = 4
        func stage<T>(_ number: Int, _ name: String, _ body: () throws -> T) rethrows -> T {
            printError("[\(number)/\(stages)] \(name)…")
            let started = Date()
            let value = try body()
            let seconds = Date().timeIntervalSince(started)
            timings[name] = seconds
            printError("[\(number)/\(stages)] \(name) done in \(String(format: "%.1f", seconds)) s")
            return value
        }
        let card = ModelCard(model: model, identity: identity)
        try CanonicalJSON.encode(card).write(to: VerificationResults.modelFile(in: directory), options: .atomic)

        // 1. The network on every question it can afford, else a sample.
        try stage(1, model.task.questionCount <= maxExhaustive ? "enumerate every question" : "evaluate a sample") {
            let fast = FastEvaluator(model)
            let enumerator = try Enumerator(evaluator: fast, exactEvaluator: fast.exact,
                                            options: EnumerationOptions(chunkSize: 4096, threadCount: threads))
            if model.task.questionCount <= maxExhaustive {
                try? FileManager.default.removeItem(at: VerificationResults.sampleDirectory(in: directory))
                let run = ShardRun(directory: VerificationResults.enumerationDirectory(in: directory), model: identity,
                                   range: 0..<model.task.questionCount, enumerator: enumerator)
                switch try run.run(resume: true, force: false) {
                case .completed(let result, _), .alreadyComplete(let result):
                    printError("    \(result.summary.failures) wrong of \(result.summary.count) questions, \(result.margins.nearTies.count) near ties re-decided in fp64, \(result.summary.undecided.count) undecided")
                case .interrupted(let next):
                    throw CLIError("enumeration stopped at index \(next); run verify again to continue", status: .internalError)
                }
            } else {
                try? FileManager.default.removeItem(at: VerificationResults.enumerationDirectory(in: directory))
                let progress = isatty(2) != 0 ? ProgressReporter(total: sample) : nil
                let (summary, margins, failures, seconds) = try SampleRun(enumerator: enumerator, model: identity)
                    .run(QuestionSample(size: sample, population: model.task.questionCount, seed: seed)) { done, _ in progress?.report(done: done) }
                try SampleRun.write(summary, margins: margins, failures: failures, seconds: seconds, threads: threads,
                                    to: VerificationResults.sampleDirectory(in: directory))
                printError("    \(summary.failures) wrong of \(summary.sampleSize) sampled questions (of \(summary.population)), \(margins.nearTies.count) near ties re-decided in fp64, \(summary.undecided.count) undecided")
            }
        }

        // 2. The mechanism.
        let explanation = try stage(2, "explain") {
            var options = ExplainOptions()
            options.sampleSize = explainSample
            options.seed = seed
            let explanation = try Interpretation.explain(model: model, options: options) { printError("    \($0)") }
            try explanation.write(to: VerificationResults.explanationDirectory(in: directory))
            return explanation
        }

        // 3. Proofs for the paper's and the extracted algorithm.
        try stage(3, "prove") {
            for (name, algorithm) in [("paper", PerDigitAlgorithm.paper), ("extracted", explanation.algorithm)] {
                let run = try AdditionProver.prove(algorithm, digitCount: model.task.digitCount)
                let target = VerificationResults.proofDirectory(in: directory, algorithm: name)
                try? FileManager.default.removeItem(at: target)
                try run.write(to: target, reproducible: true)
                printError("    \(name): \(run.report.verdict.rawValue), \(run.report.counterexamples ?? "unknown") wrong questions")
            }
        }

        // 4. The report.
        try stage(4, "report") {
            try CanonicalJSON.encode(timings).write(to: VerificationResults.timingsFile(in: directory), options: .atomic)
            let results = try VerificationResults.load(from: directory)
            try VerificationReport(results: results, reproducible: reproducible).write(to: directory)
        }
        print("report: \(directory.appendingPathComponent("report.html").path)")
        print("        \(directory.appendingPathComponent("report.md").path)")
    }
}

/// `carrylens report`: the report files from the results `verify` wrote.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write report.md, report.html, summary.json and failures.csv from verify results.")

    @Argument(help: "A directory written by `carrylens verify`.")
    var results: String

    @Option(help: "Output directory (default: the results directory).")
    var out: String?

    @Flag(help: "Leave timings out so the files are byte-for-byte reproducible.")
    var reproducible = false

    func run() throws {
        let source = URL(fileURLWithPath: results)
        do {
            let loaded = try VerificationResults.load(from: source)
            let target = out.map { URL(fileURLWithPath: $0) } ?? source
            let written = try VerificationReport(results: loaded, reproducible: reproducible).write(to: target)
            for url in written where ["md", "html", "json", "csv"].contains(url.pathExtension) { print(url.path) }
        } catch let error as ReportError {
            throw CLIError(classifying: error)
        }
    }
}
