import ArgumentParser

/// The `carrylens` command line.
@main
struct CarryLens: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "carrylens",
        abstract: "Exhaustive evaluation, interpretation and Z3 proofs for one-layer addition transformers.",
        subcommands: [ProveCommand.self, ExplainCommand.self]
    )
}
