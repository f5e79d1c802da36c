/// The vocabulary of the addition model: digits 0–9, `+` = 10, `=` = 11.
public enum Token {
    /// Token id of `+`.
    public static let plus = 10
    /// Token id of `=`.
    public static let equals = 11
    /// Vocabulary size.
    public static let vocabularySize = 12

    /// Printable form of a token id.
    public static func symbol(_ token: Int) -> String {
        switch token {
        case 0...9: return String(token)
        case plus: return "+"
        case equals: return "="
        default: return "?\(token)"
        }
    }
}

/// One answer digit, named by its place: `A(k)` has weight 10^k. A(n) is the final carry.
public struct AnswerDigit: Hashable, Comparable, Sendable, CustomStringConvertible, Codable {
    /// k in A(k); 0 is the units digit.
    public let place: Int
    public init(place: Int) { self.place = place }
    public var description: String { "A\(place)" }
    public static func < (lhs: AnswerDigit, rhs: AnswerDigit) -> Bool { lhs.place < rhs.place }
}
