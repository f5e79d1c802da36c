import ArgumentParser
import Foundation
import Interpretation
import Transformer

/// `carrylens explain`: attention, ablation, dependencies, the extracted per-digit
/// algorithm, the three-way comparison and the paper's claims for one model.
struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Interpret a one-layer addition model: attention, ablations, head roles, dependencies, extracted algorithm, three-way check, claims.",
        discussion: """
        Writes attention.json, ablation.json, roles.json, dependencies.json, algorithm.json
        (carrylens.per-digit-algorithm.v1, usable with `carrylens prove --algorithm`),
        extraction.json, three_way.json and claims.json into DIR (sorted keys, deterministic).
        Models with at most 10^6 questions (n ≤ 3) are evaluated exhaustively; larger ones on a
        seeded uniform sample of --sample questions. See docs/interpretation.md.
        """
    )

    @OptionGroup var modelOptions: ModelOptions

    @Option(help: "Output directory.")
    var out = OutputRoot.directory(for: "explain")

    @Option(name: .long, help: "Uniform sample size for models too large to evaluate exhaustively.")
    var sample: Int = 20_000

    @Option(name: .long, help: "Seed of every sample.")
    var seed: UInt64 = 129

    func validate() throws {
        guard sample >= 100 else { throw ValidationError("--sample must be at least 100, got \(sample)") }
    }

    func run() throws {
        let loaded = try modelOptions.load()
        var options = ExplainOptions()
        options.sampleSize = sample
        options.seed = seed
        let start = Date()
        let explanation = try Interpretation.explain(model: loaded, options: options) { message in
            printError("[\(String(format: "%6.1f", Date().timeIntervalSince(start)))s] \(message)")
        }
        let directory = URL(fileURLWithPath: out)
        try explanation.write(to: directory)
        print(explanation.summary)
        print("wrote \(Explanation.fileNames.count + (explanation.fidelity == nil ? 0 : 2)) files to \(directory.path)")
    }
}
