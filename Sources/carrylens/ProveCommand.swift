import ArgumentParser
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

    @Option(help: "'paper' (the paper's one-level algorithm) or a path to an algorithm JSON file.")
    var algorithm = "paper"

    @Option(help: "Number of digits n, or a range like 1...12.", transform: { try DigitCountRange(parsing: $0) })
    var digits: DigitCountRange

    @Option(help: "Output directory.")
    var out = OutputRoot.directory(for: "prove")

    @Option(help: "Per-check Z3 timeout in seconds (unknown results are never reported as proved).")
    var timeout: Double?

    @Option(help: "Wall-clock budget in seconds for each n (digits not decided by then are unknown; counts not finished are left out, never guessed).")
    var budget: Double = 600

    @Option(help: "Give up counting a difference set after this many cubes (the count is then reported unknown).")
    var maxCubes = 100_000

    @Option(help: "Cube limit for Z3's characterization of a difference set the exact case split has already counted (0: do not characterize it; default: --max-cubes).")
    var maxCubesWhenCounted: Int?

    @Option(help: "Cubes the exact case split may visit for one count before giving up (the count is then reported unknown; default 20,000,000).")
    var maxExactCubes = ExactDifferenceCounter.defaultMaximumCubes

    @Flag(help: "Keep timings out of summary.json (they go to timings.json) so output is byte-for-byte reproducible.")
    var reproducible = false

    func validate() throws {
        if let timeout, !(timeout > 0) { throw ValidationError("--timeout must be a positive number of seconds") }
        guard budget > 0 else { throw ValidationError("--budget must be a positive number of seconds") }
        guard maxCubes >= 1 else { throw ValidationError("--max-cubes must be at least 1") }
        guard maxExactCubes >= 1 else { throw ValidationError("--max-exact-cubes must be at least 1, got \(maxExactCubes)") }
        if let maxCubesWhenCounted, maxCubesWhenCounted < 0 { throw ValidationError("--max-cubes-when-counted must be 0 or more, got \(maxCubesWhenCounted)") }
    }

    func run() throws {
        var options = ProofOptions(timeoutSeconds: timeout, maximumCubes: maxCubes, budgetSeconds: budget)
        options.maximumCubesWhenCounted = maxCubesWhenCounted
        options.maximumExactCountCubes = maxExactCubes
        options.progress = { printError($0) }
        let runs = try ProofLedger(options: options).runs(try PerDigitAlgorithm.named(algorithm), digitCounts: digits.range)
        try ProofRun.write(runs, to: URL(fileURLWithPath: out), reproducible: reproducible)
        runs.forEach { print($0.report.oneLineSummary) }
        print("wrote \(out)/summary.json")
    }
}
