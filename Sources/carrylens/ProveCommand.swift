import AdditionTask
import ArgumentParser
import Diagnostics
import Foundation
import Proofs

/// `carrylens prove`: proves a per-digit algorithm against true addition with Z3.
struct ProveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prove",
        abstract: "Prove or refute that a per-digit algorithm equals n-digit addition, with exact counterexample counts.",
        discussion: """
        Writes DIR/summary.json and the .smt2 files it lists (each re-checkable with `z3 FILE`).
        For a range of digit counts, each n goes to DIR/nNN/ and DIR/summary.json lists all runs.
        Counts are decimal strings (exact beyond 2^53). See docs/proofs.md.
        """
    )

    @Option(name: .long, help: "'paper' (the paper's one-level algorithm) or a path to an algorithm JSON file.")
    var algorithm: String = "paper"

    @Option(name: .long, help: "Number of digits n, or a range like 1...12.")
    var digits: String

    @Option(help: "Output directory.")
    var out = OutputRoot.directory(for: "prove")

    @Option(name: .long, help: "Per-check Z3 timeout in seconds (unknown results are never reported as proved).")
    var timeout: Double?

    @Option(name: .long, help: "Wall-clock budget in seconds for each n (digits not decided by then are unknown; counts not finished are left out, never guessed).")
    var budget: Double = 600

    @Option(name: .long, help: "Give up counting a difference set after this many cubes (the count is then reported unknown).")
    var maxCubes = 100_000

    @Flag(name: .long, help: "Keep timings out of summary.json (they go to timings.json) so output is byte-for-byte reproducible.")
    var reproducible = false

    func validate() throws {
        _ = try digitRange()
        if let timeout, !(timeout > 0) { throw ValidationError("--timeout must be a positive number of seconds") }
        guard budget > 0 else { throw ValidationError("--budget must be a positive number of seconds") }
        guard maxCubes >= 1 else { throw ValidationError("--max-cubes must be at least 1") }
    }

    func digitRange() throws -> ClosedRange<Int> {
        let parts = digits.components(separatedBy: "...")
        let bounds = parts.map { Int($0.trimmingCharacters(in: .whitespaces)) }
        let range: ClosedRange<Int>
        if bounds.count == 1, let n = bounds[0] {
            range = n...n
        } else if bounds.count == 2, let low = bounds[0], let high = bounds[1], low <= high {
            range = low...high
        } else {
            throw ValidationError("--digits must be a number like 5 or a range like 1...12, got '\(digits)'")
        }
        guard range.lowerBound >= 1, range.upperBound <= 30 else {
            throw ValidationError("--digits must lie between 1 and 30, got '\(digits)'")
        }
        return range
    }

    func loadAlgorithm() throws -> PerDigitAlgorithm {
        if algorithm == "paper" { return .paper }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: algorithm)) } catch {
            throw CLIError("cannot read algorithm file '\(algorithm)': \(systemReason(of: error))")
        }
        do { return try PerDigitAlgorithm.load(json: data) } catch {
            throw CLIError("algorithm file '\(algorithm)': \(error)")
        }
    }

    func run() throws {
        var options = ProofOptions(timeoutSeconds: timeout, maximumCubes: maxCubes, budgetSeconds: budget)
        options.progress = { printError($0) }
        let runs = try ProofLedger(options: options).runs(try loadAlgorithm(), digitCounts: try digitRange())
        try ProofRun.write(runs, to: URL(fileURLWithPath: out), reproducible: reproducible)
        for report in runs.map(\.report) {
            print("n=\(report.nDigits) \(report.verdict.rawValue) counterexamples=\(report.counterexamples ?? "unknown") per-digit A\(report.nDigits)..A0=[\(report.perDigitCounterexamples.map { $0 ?? "?" }.joined(separator: ","))]")
        }
        print("wrote \(out)/summary.json")
    }
}
