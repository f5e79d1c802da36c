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

    /// Whether the feature is a truth value (0 or 1).
    public var isBoolean: Bool { self == .makesCarry || self == .sumNine }

    /// The feature's value for pair sum `s` (Booleans as 0/1).
    public func value(pairSum s: Int) -> Int {
        switch self {
        case .baseAdd: return s % 10
        case .makesCarry: return s >= 10 ? 1 : 0
        case .sumNine: return s == 9 ? 1 : 0
        case .pairSum: return s
        }
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

    /// The feature's value for answer digit `place`, given pair sums `pairSums[j] = s_j`.
    public func value(place: Int, pairSums: [Int]) -> Int {
        let column = place + offset
        let s = pairSums.indices.contains(column) ? pairSums[column] : 0
        return kind.value(pairSum: s)
    }
}
