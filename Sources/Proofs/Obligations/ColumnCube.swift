import AdditionTask

/// A constraint on one column's pair sum s_j (or, for algorithms that read operand digits,
/// its exact digit pair) inside a ``ColumnCube``.
public enum ColumnConstraint: Hashable, Sendable {
    /// Any pair sum (100 digit pairs). Written `*`.
    case free
    /// A pair-sum class: `C` (s ≥ 10, 45 pairs), `9` (s = 9, 10 pairs), `_` (s < 9, 45 pairs).
    case pairClass(PairSumClass)
    /// One exact pair sum s (digitPairs(withSum: s) pairs). Written `[s]`.
    case pairSum(Int)
    /// One exact digit pair: first operand digit d, second d' (1 pair). Written `(d,d')`.
    case digitPair(Int, Int)

    /// The number of digit pairs (d, d') satisfying the constraint.
    public var digitPairCount: Int {
        switch self {
        case .free: return 100
        case .pairClass(let c): return c.digitPairCount
        case .pairSum(let s): return digitPairs(withSum: s)
        case .digitPair: return 1
        }
    }

    /// The pair sums allowed.
    public var pairSums: ClosedRange<Int> {
        switch self {
        case .free: return 0...18
        case .pairClass(let c): return c.pairSums
        case .pairSum(let s): return s...s
        case .digitPair(let first, let second): return (first + second)...(first + second)
        }
    }

    /// Whether the digit pair (`first`, `second`) satisfies the constraint.
    public func allows(first: Int, second: Int) -> Bool {
        switch self {
        case .digitPair(let a, let b): return a == first && b == second
        default: return pairSums.contains(first + second)
        }
    }

    /// Whether some digit pair satisfies both constraints.
    public func overlaps(_ other: ColumnConstraint) -> Bool {
        if case .digitPair(let a, let b) = self { return other.allows(first: a, second: b) }
        if case .digitPair(let a, let b) = other { return allows(first: a, second: b) }
        return pairSums.overlaps(other.pairSums)
    }

    /// Text form: `*`, `C`, `9`, `_`, `[s]` or `(d,d')`.
    public var text: String {
        switch self {
        case .free: return "*"
        case .pairClass(let c): return String(c.rawValue)
        case .pairSum(let s): return "[\(s)]"
        case .digitPair(let a, let b): return "(\(a),\(b))"
        }
    }
}

/// A set of questions given by one constraint per column (a product set):
/// its size is the product of the columns' digit-pair counts.
public struct ColumnCube: Hashable, Sendable, CustomStringConvertible {
    /// Constraints indexed by column, least significant first.
    public var columns: [ColumnConstraint]

    /// Creates a cube from per-column constraints (least significant first).
    public init(columns: [ColumnConstraint]) { self.columns = columns }

    /// The pattern, most significant column first, e.g. `*99C` (one token per column).
    public var pattern: String { columns.reversed().map(\.text).joined() }

    /// Same as ``pattern``.
    public var description: String { pattern }

    /// The exact number of questions in the cube.
    public var questionCount: UInt128 {
        columns.reduce(UInt128(1)) { $0 * UInt128($1.digitPairCount) }
    }

    /// Whether the two cubes share a question (they overlap in every column).
    public func intersects(_ other: ColumnCube) -> Bool {
        zip(columns, other.columns).allSatisfy { $0.overlaps($1) }
    }

    /// Whether pair sums `pairSums` (least significant first) lie in the cube
    /// (a `(d,d')` column is read as its pair sum here).
    public func contains(pairSums: [Int]) -> Bool {
        zip(columns, pairSums).allSatisfy { $0.pairSums.contains($1) }
    }

    /// One concrete question in the cube, as operand digits (least significant first):
    /// each column gets the smallest first digit that reaches a representative sum
    /// (free and `_` → 0+0, `9` → 4+5, `C` → 5+5, `[s]` → split of s).
    public var representative: (first: [Int], second: [Int]) {
        var first: [Int] = [], second: [Int] = []
        for column in columns {
            if case .digitPair(let a, let b) = column {
                first.append(a)
                second.append(b)
                continue
            }
            let s: Int
            switch column {
            case .free, .pairClass(.belowNine): s = 0
            case .pairClass(.sumNine): s = 9
            case .pairClass(.makesCarry): s = 10
            case .pairSum(let value): s = value
            case .digitPair(let a, let b): s = a + b
            }
            let high = min(9, s - s / 2)
            first.append(s - high)
            second.append(high)
        }
        return (first, second)
    }
}
