/// The symbolic model of n-digit addition in one Z3 context.
///
/// Digit variables `a_j`, `b_j` (0 ≤ · ≤ 9, j = 0 least significant), pair sums
/// s_j = a_j + b_j, the true carry chain c_0 = false, c_(k+1) = (s_k + c_k ≥ 10),
/// true answer digits A_k = (s_k + c_k) mod 10 and A_n = c_n, and the answer
/// digits of a ``PerDigitAlgorithm``.
public final class SymbolicAddition {
    /// The context all terms live in.
    public let context: Z3Context
    /// n.
    public let digitCount: Int
    /// a_j, the first operand's digits, least significant first.
    public let firstDigits: [Z3Expression]
    /// b_j, the second operand's digits, least significant first.
    public let secondDigits: [Z3Expression]
    /// s_j = a_j + b_j.
    public let pairSums: [Z3Expression]
    /// 0 ≤ a_j ≤ 9 and 0 ≤ b_j ≤ 9 for all j.
    public let bounds: Z3Expression
    /// c_0…c_n (Boolean).
    public let carries: [Z3Expression]
    /// True answer digits indexed by place: trueDigits[k] = A_k, k = 0…n.
    public let trueDigits: [Z3Expression]

    /// Builds the model for `digitCount` digits.
    public init(context: Z3Context, digitCount: Int) throws {
        self.context = context
        self.digitCount = digitCount
        var first: [Z3Expression] = [], second: [Z3Expression] = [], sums: [Z3Expression] = [], bounds: [Z3Expression] = []
        let zero = try context.int(0), nine = try context.int(9), ten = try context.int(10), one = try context.int(1)
        for j in 0..<digitCount {
            let a = try context.intConstant("a_\(j)"), b = try context.intConstant("b_\(j)")
            first.append(a)
            second.append(b)
            sums.append(try context.add([a, b]))
            for digit in [a, b] {
                bounds.append(try context.ge(digit, zero))
                bounds.append(try context.le(digit, nine))
            }
        }
        var carries = [try context.bool(false)]
        var digits: [Z3Expression] = []
        for k in 0..<digitCount {
            let total = try context.add([sums[k], try context.ite(carries[k], one, zero)])
            let makesCarry = try context.ge(total, ten)
            digits.append(try context.ite(makesCarry, try context.sub(total, ten), total))
            carries.append(makesCarry)
        }
        digits.append(try context.ite(carries[digitCount], one, zero))
        self.firstDigits = first
        self.secondDigits = second
        self.pairSums = sums
        self.bounds = try context.and(bounds)
        self.carries = carries
        self.trueDigits = digits
    }

    /// The algorithm's answer digit A(`place`) as an integer term.
    public func algorithmDigit(_ algorithm: PerDigitAlgorithm, place: Int) throws -> Z3Expression {
        try encode(algorithm.rule(place: place, digitCount: digitCount), place: place)
    }

    /// "A(`place`) of the algorithm differs from true addition".
    public func differs(_ algorithm: PerDigitAlgorithm, place: Int) throws -> Z3Expression {
        try context.not(try context.eq(try algorithmDigit(algorithm, place: place), trueDigits[place]))
    }

    // MARK: Encoding rules

    /// An encoded value: integer term or formula. Formulas become 0/1 where
    /// integers are needed; integers are true when non-zero where conditions are needed.
    private enum Value {
        case int(Z3Expression)
        case bool(Z3Expression)
    }

    private func asInt(_ value: Value) throws -> Z3Expression {
        switch value {
        case .int(let term): return term
        case .bool(let formula): return try context.ite(formula, try context.int(1), try context.int(0))
        }
    }

    private func asBool(_ value: Value) throws -> Z3Expression {
        switch value {
        case .bool(let formula): return formula
        case .int(let term): return try context.not(try context.eq(term, try context.int(0)))
        }
    }

    private func encode(_ rule: DigitRule, place: Int) throws -> Z3Expression {
        switch rule {
        case .formula(let formula): return try asInt(try encode(formula, place: place))
        case .truthTable(let table): return try encode(table, place: place)
        }
    }

    private func feature(_ feature: ColumnFeature, place: Int) throws -> Value {
        let column = place + feature.offset
        guard pairSums.indices.contains(column) else {
            return feature.kind.isBoolean ? .bool(try context.bool(false)) : .int(try context.int(0))
        }
        let s = pairSums[column]
        switch feature.kind {
        case .pairSum: return .int(s)
        case .firstDigit: return .int(firstDigits[column])
        case .secondDigit: return .int(secondDigits[column])
        case .baseAdd:
            let ten = try context.int(10)
            return .int(try context.ite(try context.ge(s, ten), try context.sub(s, ten), s))
        case .makesCarry: return .bool(try context.ge(s, try context.int(10)))
        case .sumNine: return .bool(try context.eq(s, try context.int(9)))
        }
    }

    private func encode(_ formula: DigitFormula, place: Int) throws -> Value {
        switch formula {
        case .constant(let value): return .int(try context.int(value))
        case .feature(let column): return try feature(column, place: place)
        case .add(let terms): return .int(try context.add(terms.map { try asInt(try encode($0, place: place)) }))
        case .mod10(let term): return .int(try context.mod(try asInt(try encode(term, place: place)), try context.int(10)))
        case .and(let terms): return .bool(try context.and(terms.map { try asBool(try encode($0, place: place)) }))
        case .or(let terms): return .bool(try context.or(terms.map { try asBool(try encode($0, place: place)) }))
        case .not(let term): return .bool(try context.not(try asBool(try encode(term, place: place))))
        case .ifThenElse(let condition, let then, let otherwise):
            let c = try asBool(try encode(condition, place: place))
            let t = try encode(then, place: place), e = try encode(otherwise, place: place)
            if case .bool(let tb) = t, case .bool(let eb) = e { return .bool(try context.ite(c, tb, eb)) }
            return .int(try context.ite(c, try asInt(t), try asInt(e)))
        case .compare(let op, let lhs, let rhs):
            let l = try asInt(try encode(lhs, place: place)), r = try asInt(try encode(rhs, place: place))
            switch op {
            case .eq: return .bool(try context.eq(l, r))
            case .ne: return .bool(try context.not(try context.eq(l, r)))
            case .lt: return .bool(try context.lt(l, r))
            case .le: return .bool(try context.le(l, r))
            case .gt: return .bool(try context.gt(l, r))
            case .ge: return .bool(try context.ge(l, r))
            }
        case .lookup(let table): return .int(try encode(table, place: place))
        }
    }

    /// A truth table as a decision tree: one case split per input, in input order,
    /// over the values that occur in the rows; feature values without a row give the default.
    private func encode(_ table: TruthTable, place: Int) throws -> Z3Expression {
        let inputs = try table.inputs.map { try feature($0, place: place) }
        let defaultOutput = try context.int(table.defaultOutput)
        func tree(_ rows: [TruthTableRow], depth: Int) throws -> Z3Expression {
            guard depth < inputs.count else {
                return try rows.first.map { try context.int($0.output) } ?? defaultOutput
            }
            var groups: [Int: [TruthTableRow]] = [:]
            for row in rows { groups[row.match[depth], default: []].append(row) }
            switch inputs[depth] {
            case .bool(let formula):
                let whenTrue = try groups[1].map { try tree($0, depth: depth + 1) } ?? defaultOutput
                let whenFalse = try groups[0].map { try tree($0, depth: depth + 1) } ?? defaultOutput
                return try context.ite(formula, whenTrue, whenFalse)
            case .int(let term):
                var result = defaultOutput
                for value in groups.keys.sorted(by: >) {
                    guard let group = groups[value] else { continue }
                    result = try context.ite(try context.eq(term, try context.int(value)), try tree(group, depth: depth + 1), result)
                }
                return result
            }
        }
        return try tree(table.rows, depth: 0)
    }
}
