import ArgumentParser

/// The `carrylens` command line.
@main
struct CarryLens: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "carrylens",
        abstract: "Exhaustive evaluation, interpretation and Z3 proofs for one-layer addition transformers.",
        version: "carrylens 0.2.0-dev",
        subcommands: [InfoCommand.self, ConvertCommand.self, RunCommand.self, LogitsCommand.self, EnumerateCommand.self, MergeCommand.self, CompareCommand.self,
                      FailuresCommand.self, ProveCommand.self, ExplainCommand.self, VerifyCommand.self, ReportCommand.self,
                      AlgorithmCommand.self]
    )

    /// Runs the command; errors exit with the status of their kind (``ExitStatus``).
    static func main() { runClassifyingErrors() }
}
