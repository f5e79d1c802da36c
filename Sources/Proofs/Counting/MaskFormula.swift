import AdditionTask

/// How a cube is cut when a value is not constant on it: one column's digit pairs split by a
/// feature's value (one part per value) or by pair-sum class (C, 9, _).
enum MaskSplit: Equatable {
    /// Split column `column` by the value of `kind`.
    case feature(column: Int, kind: FeatureKind)
    /// Split column `column` by pair-sum class (what true addition's carry reads).
    case pairSumClass(column: Int)

    /// The column cut.
    var column: Int {
        switch self {
        case .feature(let column, _), .pairSumClass(let column): return column
        }
    }

    /// The parts the column's pairs are cut into (disjoint, covering all 100 pairs).
    var parts: [UInt128] {
        switch self {
        case .feature(_, let kind): return DigitPairMask.partition(kind).masks
        case .pairSumClass: return DigitPairMask.classes
        }
    }
}

/// A value over a cube: constant on every question of the cube, or not known to be until the
/// cube is split as given.
enum MaskValue: Equatable {
    /// The same value on every question of the cube.
    case constant(Int)
    /// Not shown constant; splitting the cube this way brings the evaluation closer to constants.
    case split(MaskSplit)
}

/// A truth table prepared for evaluation over cubes.
final class MaskTable: Sendable {
    let inputs: [ColumnFeature]
    let outputs: [[Int]: Int]
    let defaultOutput: Int
    /// The output when every row gives the default (then the inputs need not be known).
    let constantOutput: Int?

    init(_ table: TruthTable) {
        inputs = table.inputs
        outputs = Dictionary(table.rows.map { ($0.match, $0.output) }, uniquingKeysWith: { first, _ in first })
        defaultOutput = table.defaultOutput
        constantOutput = table.rows.allSatisfy { $0.output == table.defaultOutput } ? table.defaultOutput : nil
    }
}

/// A ``DigitFormula`` (or ``DigitRule``) prepared for evaluation over cubes of digit-pair masks.
///
/// Evaluation over a cube (one digit-pair mask per column) gives `.constant(v)` only when every
/// question of the cube gives v under ``DigitFormula/evaluate(place:columns:)``: a feature is
/// constant when every pair of its column's mask gives the same value (columns outside 0…n-1 are
/// the pair 0+0), and each operator combines constants exactly as the concrete evaluator does.
/// Shortcuts that skip an unknown part are taken only where the result does not depend on it
/// (`and` with a constant 0 term, `or` with a constant non-zero term, `ite` whose branches are the
/// same constant, a table whose rows all give its default).
indirect enum MaskFormula: Sendable {
    case constant(Int)
    case feature(ColumnFeature)
    case add([MaskFormula])
    case mod10(MaskFormula)
    case and([MaskFormula])
    case or([MaskFormula])
    case not(MaskFormula)
    case ifThenElse(MaskFormula, MaskFormula, MaskFormula)
    case compare(ComparisonOperator, MaskFormula, MaskFormula)
    case lookup(MaskTable)

    init(_ formula: DigitFormula) {
        switch formula {
        case .constant(let value): self = .constant(value)
        case .feature(let feature): self = .feature(feature)
        case .add(let terms): self = .add(terms.map(MaskFormula.init))
        case .mod10(let term): self = .mod10(MaskFormula(term))
        case .and(let terms): self = .and(terms.map(MaskFormula.init))
        case .or(let terms): self = .or(terms.map(MaskFormula.init))
        case .not(let term): self = .not(MaskFormula(term))
        case .ifThenElse(let condition, let then, let otherwise):
            self = .ifThenElse(MaskFormula(condition), MaskFormula(then), MaskFormula(otherwise))
        case .compare(let op, let lhs, let rhs): self = .compare(op, MaskFormula(lhs), MaskFormula(rhs))
        case .lookup(let table): self = .lookup(MaskTable(table))
        }
    }

    init(_ rule: DigitRule) {
        switch rule {
        case .formula(let formula): self.init(formula)
        case .truthTable(let table): self = .lookup(MaskTable(table))
        }
    }

    /// The feature's value over the cube `columns` for answer digit `place`.
    static func value(of feature: ColumnFeature, place: Int, columns: [UInt128]) -> MaskValue {
        let column = place + feature.offset
        guard columns.indices.contains(column) else { return .constant(feature.kind.value(first: 0, second: 0)) }
        let mask = columns[column]
        let partition = DigitPairMask.partition(feature.kind)
        var found = -1
        for index in partition.masks.indices where partition.masks[index] & mask != 0 {
            if found >= 0 { return .split(.feature(column: column, kind: feature.kind)) }
            found = index
        }
        precondition(found >= 0, "empty column mask")
        return .constant(partition.values[found])
    }

    /// The formula's value over the cube `columns` for answer digit `place`.
    func evaluate(place: Int, columns: [UInt128]) -> MaskValue {
        switch self {
        case .constant(let value): return .constant(value)
        case .feature(let feature): return Self.value(of: feature, place: place, columns: columns)
        case .add(let terms):
            var sum = 0
            for term in terms {
                switch term.evaluate(place: place, columns: columns) {
                case .constant(let value): sum += value
                case .split(let split): return .split(split)
                }
            }
            return .constant(sum)
        case .mod10(let term):
            switch term.evaluate(place: place, columns: columns) {
            case .constant(let value): return .constant(((value % 10) + 10) % 10)
            case .split(let split): return .split(split)
            }
        case .and(let terms):
            var pending: MaskSplit?
            for term in terms {
                switch term.evaluate(place: place, columns: columns) {
                case .constant(let value): if value == 0 { return .constant(0) }
                case .split(let split): if pending == nil { pending = split }
                }
            }
            return pending.map(MaskValue.split) ?? .constant(1)
        case .or(let terms):
            var pending: MaskSplit?
            for term in terms {
                switch term.evaluate(place: place, columns: columns) {
                case .constant(let value): if value != 0 { return .constant(1) }
                case .split(let split): if pending == nil { pending = split }
                }
            }
            return pending.map(MaskValue.split) ?? .constant(0)
        case .not(let term):
            switch term.evaluate(place: place, columns: columns) {
            case .constant(let value): return .constant(value == 0 ? 1 : 0)
            case .split(let split): return .split(split)
            }
        case .ifThenElse(let condition, let then, let otherwise):
            switch condition.evaluate(place: place, columns: columns) {
            case .constant(let value):
                return value != 0 ? then.evaluate(place: place, columns: columns) : otherwise.evaluate(place: place, columns: columns)
            case .split(let split):
                if case .constant(let a) = then.evaluate(place: place, columns: columns),
                   case .constant(let b) = otherwise.evaluate(place: place, columns: columns), a == b {
                    return .constant(a)
                }
                return .split(split)
            }
        case .compare(let op, let lhs, let rhs):
            switch (lhs.evaluate(place: place, columns: columns), rhs.evaluate(place: place, columns: columns)) {
            case (.constant(let a), .constant(let b)): return .constant(op.holds(a, b) ? 1 : 0)
            case (.split(let split), _), (_, .split(let split)): return .split(split)
            }
        case .lookup(let table):
            if let constant = table.constantOutput { return .constant(constant) }
            var key: [Int] = []
            key.reserveCapacity(table.inputs.count)
            for input in table.inputs {
                switch Self.value(of: input, place: place, columns: columns) {
                case .constant(let value): key.append(value)
                case .split(let split): return .split(split)
                }
            }
            return .constant(table.outputs[key] ?? table.defaultOutput)
        }
    }
}
