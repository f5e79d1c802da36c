/// The per-column quantities a per-digit algorithm may read, in the paper's vocabulary.
public enum FeatureKind: String, Codable, CaseIterable, Hashable, Sendable {
    /// BA(j) = s_j mod 10 (base add), 0…9.
    case baseAdd = "BA"
    /// MC1(j) = s_j ≥ 10 (makes a carry), Boolean (0/1).
    case makesCarry = "MC1"
    /// MS9(j) = s_j = 9 (sum nine), Boolean (0/1).
    case sumNine = "MS9"
    /// S(j) = s_j, the raw pair sum D_j + D'_j, 0…18.
    case pairSum = "S"
    /// D(j) = the first operand's digit in column j, 0…9.
    case firstDigit = "D"
    /// D'(j) = the second operand's digit in column j, 0…9.
    case secondDigit = "D'"

    /// Whether the feature is a truth value (0 or 1).
    public var isBoolean: Bool { self == .makesCarry || self == .sumNine }

    /// Whether the feature reads an operand digit rather than the pair sum.
    public var readsOperandDigit: Bool { self == .firstDigit || self == .secondDigit }

    /// The feature's value for the digit pair (`first`, `second`) of a column (Booleans as 0/1).
    public func value(first: Int, second: Int) -> Int {
        let s = first + second
        switch self {
        case .baseAdd: return s % 10
        case .makesCarry: return s >= 10 ? 1 : 0
        case .sumNine: return s == 9 ? 1 : 0
        case .pairSum: return s
        case .firstDigit: return first
        case .secondDigit: return second
        }
    }

    /// The feature's value for pair sum `s` (Booleans as 0/1). Digit features see the
    /// split ``OperandColumns/split(pairSum:)`` of `s`; use ``value(first:second:)`` when the digits are known.
    public func value(pairSum s: Int) -> Int {
        let (first, second) = OperandColumns.split(pairSum: s)
        return value(first: first, second: second)
    }
}

/// The operand digits of a question, column by column (column 0 least significant),
/// as read by a per-digit algorithm. Columns outside 0…n-1 read as the digit pair 0+0.
public struct OperandColumns: Hashable, Sendable {
    /// a_j, the first operand's digits, least significant first.
    public var first: [Int]
    /// b_j, the second operand's digits, least significant first.
    public var second: [Int]

    /// Creates the columns from operand digits (least significant first, equal lengths).
    public init(first: [Int], second: [Int]) {
        precondition(first.count == second.count, "operands need the same number of digits")
        self.first = first
        self.second = second
    }

    /// Columns with these pair sums, each split as ``split(pairSum:)``; for algorithms that read only pair-sum features.
    public init(pairSums: [Int]) {
        let splits = pairSums.map(Self.split(pairSum:))
        self.init(first: splits.map(\.0), second: splits.map(\.1))
    }

    /// The fixed split of a pair sum used when only the sum is known: (s - min(s, 9), min(s, 9)).
    public static func split(pairSum s: Int) -> (Int, Int) { (s - min(s, 9), min(s, 9)) }

    /// n.
    public var count: Int { first.count }

    /// s_j = a_j + b_j.
    public var pairSums: [Int] { zip(first, second).map { $0 + $1 } }

    /// The digit pair of column j (0+0 outside the operands).
    public func digits(_ column: Int) -> (Int, Int) {
        first.indices.contains(column) ? (first[column], second[column]) : (0, 0)
    }
}

/// A feature of one column, addressed relative to the answer digit being computed:
/// for answer digit A(k), `offset` 0 is column k, -1 is column k-1, -2 is column k-2.
///
/// Columns outside 0…n-1 (negative, or ≥ n, e.g. column n for A(n)) have pair
/// sum 0: BA = 0, MC1 = MS9 = false (0), S = 0.
/// JSON: `{"feature": "MC1", "offset": -1}`.
public struct ColumnFeature: Codable, Hashable, Sendable, CustomStringConvertible {
    /// Which quantity.
    public var kind: FeatureKind
    /// Column relative to the answer digit's place.
    public var offset: Int

    /// Creates the feature `kind` of column k + `offset`.
    public init(_ kind: FeatureKind, offset: Int) {
        self.kind = kind
        self.offset = offset
    }

    enum CodingKeys: String, CodingKey {
        case kind = "feature"
        case offset
    }

    /// E.g. `MC1(k-1)`.
    public var description: String {
        offset == 0 ? "\(kind.rawValue)(k)" : "\(kind.rawValue)(k\(offset > 0 ? "+" : "")\(offset))"
    }

    /// The feature's value for answer digit `place`, given pair sums `pairSums[j] = s_j`
    /// (digit features see the split ``OperandColumns/split(pairSum:)``).
    public func value(place: Int, pairSums: [Int]) -> Int {
        value(place: place, columns: OperandColumns(pairSums: pairSums))
    }

    /// The feature's value for answer digit `place`, given the operands' digits.
    public func value(place: Int, columns: OperandColumns) -> Int {
        let (first, second) = columns.digits(place + offset)
        return kind.value(first: first, second: second)
    }
}
