/// A run of inline content: plain text with a few kinds of emphasis, links and badges.
///
/// Renderers escape every piece of text; callers never pass markup.
public struct RichText: Hashable, Sendable, ExpressibleByStringLiteral, ExpressibleByStringInterpolation, ExpressibleByArrayLiteral {
    /// One piece of inline content.
    public enum Span: Hashable, Sendable {
        /// Plain text.
        case text(String)
        /// Bold text.
        case strong(String)
        /// Inline code, e.g. a question `00445+00555`.
        case code(String)
        /// A link to a relative file or a web address.
        case link(ReportLink)
        /// A verdict badge such as PROVED.
        case verdict(EvidenceBadge)
    }

    /// The spans, in reading order.
    public var spans: [Span]

    /// Creates rich text from spans.
    public init(_ spans: [Span]) { self.spans = spans }

    /// Creates plain text.
    public init(_ text: String) { self.spans = [.text(text)] }

    public init(stringLiteral value: String) { self.init(value) }

    /// `[.verdict(.proved), .text(" by Z3")]`.
    public init(arrayLiteral spans: Span...) { self.init(spans) }

    /// The text without any markup, e.g. for plain-text contexts and tests.
    public var plainText: String {
        spans.map { span -> String in
            switch span {
            case .text(let text), .strong(let text), .code(let text): return text
            case .link(let link): return link.text
            case .verdict(let verdict): return verdict.label
            }
        }.joined()
    }

    /// Concatenates two runs.
    public static func + (lhs: RichText, rhs: RichText) -> RichText {
        RichText(lhs.spans + rhs.spans)
    }

    /// The verdicts used in this run.
    var verdicts: [EvidenceBadge] {
        spans.compactMap { if case .verdict(let v) = $0 { return v } else { return nil } }
    }
}

/// A link: a relative file path (e.g. `proofs/A3.smt2`) or an `http(s)` address.
///
/// Other schemes (`javascript:`, `data:`, …) are never emitted as links; the renderers
/// show them as plain text.
public struct ReportLink: Hashable, Sendable {
    /// The visible text.
    public var text: String
    /// The target, relative to the report's directory or an absolute `http(s)` address.
    public var target: String

    public init(text: String, target: String) {
        self.text = text
        self.target = target
    }

    /// Whether the target is safe to emit as a link: relative paths and http(s) only.
    public var isSafeTarget: Bool {
        let lower = target.lowercased()
        if lower.hasPrefix("http://") || lower.hasPrefix("https://") { return true }
        // A relative path must not carry a scheme ("x:" before any "/").
        if let colon = lower.firstIndex(of: ":") {
            let beforeColon = lower[..<colon]
            if !beforeColon.contains("/") && !beforeColon.contains("#") { return false }
        }
        return !target.isEmpty
    }

    /// The target with characters that are unsafe in a URL percent-encoded (spaces etc.).
    var encodedTarget: String {
        var result = ""
        for scalar in target.unicodeScalars {
            switch scalar {
            case " ": result += "%20"
            case "(": result += "%28"
            case ")": result += "%29"
            case "<": result += "%3C"
            case ">": result += "%3E"
            case "\"": result += "%22"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}
