import ArgumentParser
import Foundation
import Verification

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
    var out = OutputRoot.directory(for: "verify")

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

    @Option(help: ArgumentHelp("Build the report from this model's enumeration results (a merged result, one shard, or a directory of shards) instead of evaluating; partial results are completed by a uniform --sample of the rest.", valueName: "dir"))
    var results: String?

    func validate() throws {
        guard threads >= 1, sample >= 1, explainSample >= 1 else { throw ValidationError("--threads, --sample and --explain-sample must be at least 1") }
        guard maxExhaustive >= 0 else { throw ValidationError("--max-exhaustive must be non-negative") }
    }

    func run() throws {
        let options = VerificationOptions(threads: threads, maxExhaustive: maxExhaustive, sampleSize: sample, seed: seed,
                                          explainSampleSize: explainSample, reproducible: reproducible,
                                          results: results.map { URL(fileURLWithPath: $0) })
        let directory = URL(fileURLWithPath: out)
        try VerificationPipeline(model: try modelOptions.load(), options: options).run(to: directory) { printError($0) }
        print("report: \(directory.appendingPathComponent("report.html").path)\n        \(directory.appendingPathComponent("report.md").path)")
    }
}
