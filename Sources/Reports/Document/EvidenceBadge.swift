/// The epistemic status of a statement in a report.
///
/// Every claim a report makes should carry one of these, so that a reader never
/// confuses a proof (true for all inputs, by a solver) with a measurement (true for
/// every input that was evaluated) or a sample (true for some inputs only).
public enum EvidenceBadge: String, CaseIterable, Sendable, Codable, Hashable {
    /// A solver proved the statement for every input (e.g. Z3 returned `unsat` for its negation).
    case proved = "PROVED"
    /// A solver or an exhaustive check found a counterexample: the statement is false.
    case refuted = "REFUTED"
    /// The solver gave up (timeout, resource limit); nothing is claimed either way.
    case unknown = "UNKNOWN"
    /// Obtained by evaluating the network on every question in scope (exhaustive enumeration).
    case measured = "MEASURED"
    /// Obtained on a sample of questions only; says nothing certain about the rest.
    case sampled = "SAMPLED"

    /// The badge text, e.g. `PROVED`.
    public var label: String { rawValue }

    /// A short symbol shown before the label, so the badge does not rely on colour alone.
    public var symbol: String {
        switch self {
        case .proved: return "✔"
        case .refuted: return "✘"
        case .unknown: return "?"
        case .measured: return "="
        case .sampled: return "≈"
        }
    }

    /// One sentence saying what the badge means, used in the verdict legend.
    public var meaning: String {
        switch self {
        case .proved: return "Proved for every input in scope (by Z3, or by the exact case split over column digit pairs); not a measurement."
        case .refuted: return "Shown false: a counterexample exists (given in the text)."
        case .unknown: return "The solver did not decide; nothing is claimed either way."
        case .measured: return "Counted by evaluating the network on every question in scope; exact, but not a proof about the mechanism."
        case .sampled: return "Observed on a sample of questions only; not a statement about all inputs."
        }
    }

    /// CSS class suffix used by the HTML renderer.
    var cssClass: String { "verdict-" + rawValue.lowercased() }
}
