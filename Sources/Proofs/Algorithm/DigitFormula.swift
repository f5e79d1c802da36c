/// A comparison in a ``DigitFormula``.
public enum ComparisonOperator: String, Codable, CaseIterable, Hashable, Sendable {
    /// =, ≠, <, ≤, >, ≥.
    case eq, ne, lt, le, gt, ge

    /// Applies the comparison to two integers.
    public func holds(_ lhs: Int, _ rhs: Int) -> Bool {
        switch self {
        case .eq: return lhs == rhs
        case .ne: return lhs != rhs
        case .lt: return lhs < rhs
        case .le: return lhs <= rhs
        case .gt: return lhs > rhs
        case .ge: return lhs >= rhs
        }
    }
}

/// A small expression giving an answer digit's value from column features.
///
/// Values are integers; truth values are 0 (false) and 1 (true), and any non-zero
/// integer counts as true where a condition is expected. JSON forms:
/// - `{"const": 7}`
/// - `{"feature": "BA", "offset": 0}` (see ``ColumnFeature``)
/// - `{"op": "add", "args": [e1, e2, …]}`, `{"op": "mod10", "args": [e]}`
/// - `{"op": "and" | "or", "args": [c1, c2, …]}`, `{"op": "not", "args": [c]}`
/// - `{"op": "ite", "args": [condition, then, else]}`
/// - `{"op": "eq" | "ne" | "lt" | "le" | "gt" | "ge", "args": [lhs, rhs]}`
/// - `{"table": <truth table>}` (see ``TruthTable``)
public indirect enum DigitFormula: Hashable, Sendable {
    /// An integer constant.
    case constant(Int)
    /// A column feature relative to the answer digit.
    case feature(ColumnFeature)
    /// Sum of the terms.
    case add([DigitFormula])
    /// The term mod 10 (0…9).
    case mod10(DigitFormula)
    /// 1 if every term is non-zero, else 0.
    case and([DigitFormula])
    /// 1 if some term is non-zero, else 0.
    case or([DigitFormula])
    /// 1 if the term is 0, else 0.
    case not(DigitFormula)
    /// `then` if the condition is non-zero, else `otherwise`.
    case ifThenElse(DigitFormula, DigitFormula, DigitFormula)
    /// 1 if the comparison holds, else 0.
    case compare(ComparisonOperator, DigitFormula, DigitFormula)
    /// The value looked up in a table (e.g. a learned carry over operand digits).
    case lookup(TruthTable)

    /// Evaluates the formula for answer digit `place` given pair sums `pairSums[j] = s_j`
    /// (digit features see the split ``OperandColumns/split(pairSum:)``).
    public func evaluate(place: Int, pairSums: [Int]) -> Int {
        evaluate(place: place, columns: OperandColumns(pairSums: pairSums))
    }

    /// Evaluates the formula for answer digit `place` given the operands' digits.
    public func evaluate(place: Int, columns: OperandColumns) -> Int {
        switch self {
        case .constant(let value): return value
        case .feature(let feature): return feature.value(place: place, columns: columns)
        case .add(let terms): return terms.reduce(0) { $0 + $1.evaluate(place: place, columns: columns) }
        case .mod10(let term):
            let value = term.evaluate(place: place, columns: columns) % 10
            return value < 0 ? value + 10 : value
        case .and(let terms): return terms.allSatisfy { $0.evaluate(place: place, columns: columns) != 0 } ? 1 : 0
        case .or(let terms): return terms.contains { $0.evaluate(place: place, columns: columns) != 0 } ? 1 : 0
        case .not(let term): return term.evaluate(place: place, columns: columns) == 0 ? 1 : 0
        case .ifThenElse(let condition, let then, let otherwise):
            return condition.evaluate(place: place, columns: columns) != 0
                ? then.evaluate(place: place, columns: columns)
                : otherwise.evaluate(place: place, columns: columns)
        case .compare(let op, let lhs, let rhs):
            return op.holds(lhs.evaluate(place: place, columns: columns), rhs.evaluate(place: place, columns: columns)) ? 1 : 0
        case .lookup(let table): return table.evaluate(place: place, columns: columns)
        }
    }
}

extension DigitFormula: Codable {
    private enum CodingKeys: String, CodingKey {
        case constant = "const", feature, offset, op, args, table
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let value = try container.decodeIfPresent(Int.self, forKey: .constant) {
            self = .constant(value)
            return
        }
        if let table = try container.decodeIfPresent(TruthTable.self, forKey: .table) {
            self = .lookup(table)
            return
        }
        if container.contains(.feature) {
            self = .feature(try ColumnFeature(from: decoder))
            return
        }
        guard let op = try container.decodeIfPresent(String.self, forKey: .op) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                debugDescription: "a formula needs one of \"const\", \"feature\", \"table\" or \"op\""))
        }
        let args = try container.decode([DigitFormula].self, forKey: .args)
        func arity(_ expected: Int) throws {
            guard args.count == expected else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                    debugDescription: "operator \"\(op)\" takes \(expected) argument(s), got \(args.count)"))
            }
        }
        switch op {
        case "add": self = .add(args)
        case "and": self = .and(args)
        case "or": self = .or(args)
        case "mod10": try arity(1); self = .mod10(args[0])
        case "not": try arity(1); self = .not(args[0])
        case "ite": try arity(3); self = .ifThenElse(args[0], args[1], args[2])
        default:
            guard let comparison = ComparisonOperator(rawValue: op) else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                    debugDescription: "unknown operator \"\(op)\" (expected add, mod10, and, or, not, ite, eq, ne, lt, le, gt, ge)"))
            }
            try arity(2)
            self = .compare(comparison, args[0], args[1])
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .constant(let value): try container.encode(value, forKey: .constant)
        case .feature(let feature):
            try container.encode(feature.kind, forKey: .feature)
            try container.encode(feature.offset, forKey: .offset)
        case .add(let terms): try container.encode("add", forKey: .op); try container.encode(terms, forKey: .args)
        case .mod10(let term): try container.encode("mod10", forKey: .op); try container.encode([term], forKey: .args)
        case .and(let terms): try container.encode("and", forKey: .op); try container.encode(terms, forKey: .args)
        case .or(let terms): try container.encode("or", forKey: .op); try container.encode(terms, forKey: .args)
        case .not(let term): try container.encode("not", forKey: .op); try container.encode([term], forKey: .args)
        case .ifThenElse(let c, let t, let e): try container.encode("ite", forKey: .op); try container.encode([c, t, e], forKey: .args)
        case .compare(let op, let lhs, let rhs): try container.encode(op.rawValue, forKey: .op); try container.encode([lhs, rhs], forKey: .args)
        case .lookup(let table): try container.encode(table, forKey: .table)
        }
    }
}
