/// The digit counts a `prove` run covers: one n (`5`) or a closed range (`1...12`), each
/// between 1 and ``maximum``.
public struct DigitCountRange: Hashable, Sendable, CustomStringConvertible {
    /// The largest n the prover accepts.
    public static let maximum = 30

    /// The digit counts.
    public let range: ClosedRange<Int>

    /// Reads `5` or `1...12`.
    public init(parsing text: String) throws(DigitCountRangeError) {
        let bounds = text.components(separatedBy: "...").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        switch (bounds.count, bounds.first ?? nil, bounds.last ?? nil) {
        case (1, let n?, _): range = n...n
        case (2, let low?, let high?) where low <= high: range = low...high
        default: throw .malformed(text)
        }
        guard range.lowerBound >= 1, range.upperBound <= Self.maximum else { throw .outOfRange(text) }
    }

    public var description: String {
        range.count == 1 ? "\(range.lowerBound)" : "\(range.lowerBound)...\(range.upperBound)"
    }
}

/// Why a digit count or range was refused.
public enum DigitCountRangeError: Error, Equatable, CustomStringConvertible {
    /// Not a number or a range `low...high` with low ≤ high.
    case malformed(String)
    /// Outside 1…``DigitCountRange/maximum``.
    case outOfRange(String)

    public var description: String {
        switch self {
        case .malformed(let text): return "expected a number like 5 or a range like 1...12, got '\(text)'"
        case .outOfRange(let text): return "digit counts must lie between 1 and \(DigitCountRange.maximum), got '\(text)'"
        }
    }
}
