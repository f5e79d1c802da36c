import AdditionTask
import Foundation

/// `summary.json` for a range of digit counts: one entry per n (details in nNN/summary.json).
public struct ProofRangeSummary: Encodable, Sendable {
    /// One n.
    public struct Entry: Encodable, Sendable {
        var nDigits: Int
        var verdict: Verdict
        var counterexamples: String?
        var perDigitCounterexamples: [String?]
        var questionCount: String
        var directory: String
        var seconds: Double?
    }

    var algorithm: String
    var nDigits: [Int]
    var verdict: Verdict
    var runs: [Entry]
    var seconds: Double?

    /// The summary of `reports` (timings left out when `reproducible`).
    public init(runs reports: [ProofReport], reproducible: Bool) {
        algorithm = reports.first?.algorithm ?? ""
        nDigits = reports.map(\.nDigits)
        verdict = Verdict.combined(reports.map(\.verdict))
        runs = reports.map {
            Entry(nDigits: $0.nDigits, verdict: $0.verdict, counterexamples: $0.counterexamples,
                  perDigitCounterexamples: $0.perDigitCounterexamples, questionCount: $0.questionCount,
                  directory: String(format: "n%02d", $0.nDigits), seconds: reproducible ? nil : $0.seconds)
        }
        seconds = reproducible ? nil : reports.compactMap(\.seconds).reduce(0, +)
    }
}

extension ProofRun {
    /// Writes one run into `directory`, or several into `directory/nNN/` with a ``ProofRangeSummary``
    /// as `directory/summary.json`.
    public static func write(_ runs: [ProofRun], to directory: URL, reproducible: Bool) throws {
        if runs.count == 1, let run = runs.first {
            try run.write(to: directory, reproducible: reproducible)
            return
        }
        for run in runs {
            try run.write(to: directory.appendingPathComponent(String(format: "n%02d", run.report.nDigits)), reproducible: reproducible)
        }
        try CanonicalJSON.encode(ProofRangeSummary(runs: runs.map(\.report), reproducible: reproducible))
            .write(to: directory.appendingPathComponent("summary.json"))
    }
}
