import ArgumentParser
import Exhaustive
import Foundation

/// `carrylens merge DIR... --out OUT`: shard results into one.
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Combine complete shard results of one model into one result (no gaps, no overlaps).")

    @Argument(help: "Shard result directories.")
    var directories: [String]

    @Option(help: "Output directory.")
    var out = OutputRoot.directory(for: "merge")

    @Flag(help: "Overwrite a result already in --out.")
    var force = false

    func validate() throws {
        guard !directories.isEmpty else { throw ValidationError("give at least one result directory") }
    }

    func run() throws {
        do {
            let results = try directories.map { try EnumerationResult.load(from: URL(fileURLWithPath: $0)) }
            let merged = try EnumerationMerger.merge(results, into: URL(fileURLWithPath: out), force: force)
            let s = merged.summary
            print("merged \(results.count) results: [\(s.firstIndex), \(s.firstIndex + s.count)), \(s.failures) failures, \(merged.margins.nearTies.count) near ties → \(out)")
        } catch let error as ExhaustiveError {
            throw CLIError(error)
        }
    }
}
