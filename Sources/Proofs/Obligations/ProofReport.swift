/// The verdict of a proof obligation or of a whole run.
public enum Verdict: String, Codable, Sendable {
    /// Z3 showed the property holds for every input (unsat of its negation), or, where Z3 gave up,
    /// the exact case split found no input where it fails.
    case proved
    /// Z3 (or, where Z3 gave up, the exact case split) found an input where it fails (a witness is
    /// given and checked concretely).
    case refuted
    /// Neither finished (timeout, resource limit, cube limit); never counts as proved.
    case unknown

    /// The verdict of several parts together: refuted if any part is, else unknown if any
    /// part is, else proved (so nothing is proved unless every part is).
    public static func combined<S: Sequence>(_ parts: S) -> Verdict where S.Element == Verdict {
        var result = Verdict.proved
        for part in parts {
            if part == .refuted { return .refuted }
            if part == .unknown { result = .unknown }
        }
        return result
    }
}

/// Where an exact count of wrong questions came from.
public enum CountSource: String, Codable, Sendable {
    /// Z3's characterization of the set as disjoint cubes (re-checked); the exact case split was off or stopped at its limit.
    case z3 = "z3"
    /// The exact case split (``ExactDifferenceCounter``) alone; Z3 did not characterize the set within its limits.
    case exactCaseSplit = "exact_case_split"
    /// Both, with equal counts (a mismatch is an error, never reported).
    case z3AndExactCaseSplit = "z3_and_exact_case_split"
}

/// A question on which the algorithm gives a wrong answer, checked by plain arithmetic.
public struct Witness: Codable, Hashable, Sendable {
    /// `a+b`, zero padded to n digits.
    public var question: String
    /// The algorithm's answer A(n)…A0.
    public var algorithmAnswer: String
    /// The true answer A(n)…A0.
    public var trueAnswer: String
    /// The wrong answer digits, e.g. `["A3"]`.
    public var wrongDigits: [String]
}

/// A cube of the difference set with its exact size.
public struct CubeRecord: Codable, Hashable, Sendable {
    /// Column constraints, most significant column first (see ``ColumnConstraint/text``).
    public var pattern: String
    /// Number of questions in the cube, as a decimal string.
    public var questions: String
}

/// An SMT-LIB2 file written beside the summary and the result `z3 FILE` must print.
public struct SMTCheck: Codable, Hashable, Sendable {
    /// File name relative to the summary.
    public var file: String
    /// `sat` or `unsat`.
    public var expected: String
    /// What the file asserts.
    public var meaning: String
}

/// The results for one answer digit A(k).
public struct DigitReport: Codable, Hashable, Sendable {
    /// `A3` etc.
    public var digit: String
    /// k.
    public var place: Int
    /// Whether A(k) equals true addition on every input.
    public var verdict: Verdict
    /// Z3's reason when it gave up on the obligation or on characterizing the set (the verdict and the
    /// count may still come from the exact case split; see ``countSource``).
    public var unknownReason: String?
    /// A wrong question from Z3's model (refuted only), checked concretely.
    public var witness: Witness?
    /// Exact number of questions where A(k) is wrong (decimal string), nil if unknown.
    public var counterexamples: String?
    /// Where ``counterexamples`` came from (nil when unknown).
    public var countSource: CountSource? = nil
    /// The difference set of A(k) as disjoint cubes, sorted by pattern.
    public var cubes: [CubeRecord]?
    /// Wall-clock seconds (non-deterministic; omitted in reproducible output).
    public var seconds: Double?
}

/// The full result of proving one algorithm for one n; this is `summary.json`.
public struct ProofReport: Codable, Hashable, Sendable {
    /// Algorithm name.
    public var algorithm: String
    /// n.
    public var nDigits: Int
    /// proved (every digit equals true addition), refuted (some digit is wrong somewhere), or unknown.
    public var verdict: Verdict
    /// 10^(2n), the number of questions (decimal string).
    public var questionCount: String
    /// Exact number of questions with at least one wrong digit (decimal string), nil if unknown.
    public var counterexamples: String?
    /// Exact counts per answer digit A(n)…A0 (decimal strings), nil entries unknown.
    public var perDigitCounterexamples: [String?]
    /// Per-digit details, A(n)…A0.
    public var digits: [DigitReport]
    /// The set of questions with any wrong digit as disjoint cubes, sorted by pattern.
    public var differenceSet: [CubeRecord]?
    /// Why the difference set is unknown, if it is.
    public var differenceSetUnknownReason: String?
    /// How ``counterexamples`` was obtained when not from the difference set's own cubes (nil: from them).
    public var counterexamplesMethod: String? = nil
    /// A few wrong questions, one per cube of the difference set (first cubes by pattern), checked concretely.
    public var witnesses: [Witness]
    /// The SMT-LIB2 files beside the summary and their expected results.
    public var smt2Checks: [SMTCheck]
    /// How cube patterns are written.
    public var cubeNotation: String
    /// Wall-clock seconds of the whole run (non-deterministic; omitted in reproducible output).
    public var seconds: Double?

    /// The report without timing fields (for reproducible, committed output).
    public var withoutTimings: ProofReport {
        var copy = self
        copy.seconds = nil
        copy.digits = digits.map { var digit = $0; digit.seconds = nil; return digit }
        return copy
    }

    /// Total counterexamples as a number, if known.
    public var counterexampleCount: UInt128? { counterexamples.flatMap { UInt128($0) } }
}

extension ProofReport {
    /// `n=5 refuted counterexamples=… per-digit A5..A0=[…]` (`unknown`/`?` where a count is missing).
    public var oneLineSummary: String {
        "n=\(nDigits) \(verdict.rawValue) counterexamples=\(counterexamples ?? "unknown") per-digit A\(nDigits)..A0=["
            + perDigitCounterexamples.map { $0 ?? "?" }.joined(separator: ",") + "]"
    }
}
