import AdditionTask
import Foundation
import Proofs

/// Where a carry look-ahead into column k stops, reading the C/9/_ classes of columns k-1, k-2, … downwards.
public enum LookaheadStop: String, Codable, Hashable, Sendable, CaseIterable {
    /// At a column with pair sum ≥ 10 (C): true addition carries.
    case carry = "C"
    /// At a column with pair sum ≤ 8 (_): true addition does not carry.
    case noCarry = "_"
    /// Every column below k has pair sum 9: true addition does not carry.
    case end
    /// The look-ahead's depth is used up: every column it read has pair sum 9 and more columns lie below.
    case beyond
}

/// One cell of a digit's look-ahead: `run` sum-9 columns (k-1 … k-run) read, then `stop`.
public struct LookaheadCell: Hashable, Codable, Sendable, Comparable, CustomStringConvertible {
    /// Sum-9 columns read below k before stopping.
    public var run: Int
    /// What ends the run.
    public var stop: LookaheadStop

    /// E.g. `99C` (two sum-9 columns, then a carrying column), `999…` (depth used up), `99|` (column 0 reached).
    public var description: String {
        let nines = String(repeating: "9", count: run)
        switch stop {
        case .carry: return nines + "C"
        case .noCarry: return nines + "_"
        case .end: return nines + "|"
        case .beyond: return nines + "…"
        }
    }

    /// True addition's carry in this cell (nil for `beyond`: it depends on columns not read).
    public var trueCarry: Int? {
        switch stop {
        case .carry: return 1
        case .noCarry, .end: return 0
        case .beyond: return nil
        }
    }

    public static func < (lhs: LookaheadCell, rhs: LookaheadCell) -> Bool {
        (lhs.run, lhs.stop.rawValue) < (rhs.run, rhs.stop.rawValue)
    }

    /// The cell of the carry into column `place` for a look-ahead of `depth` columns.
    static func of(place: Int, depth: Int, pairSums: [Int]) -> LookaheadCell {
        var run = 0
        while run < depth {
            let column = place - 1 - run
            if column < 0 { return LookaheadCell(run: run, stop: .end) }
            let s = pairSums[column]
            if s >= 10 { return LookaheadCell(run: run, stop: .carry) }
            if s <= 8 { return LookaheadCell(run: run, stop: .noCarry) }
            run += 1
        }
        return LookaheadCell(run: run, stop: place - 1 - run < 0 ? .end : .beyond)
    }

    /// Probability of the cell for a uniform question (each column independently: C 0.45, 9 0.1, _ 0.45).
    var uniformProbability: Double {
        let nines = pow(0.1, Double(run))
        switch stop {
        case .carry, .noCarry: return nines * 0.45
        case .end, .beyond: return nines
        }
    }
}

/// The carry a look-ahead cell gives: a constant or a table learned from the network.
public enum CarryLeaf: Hashable, Sendable {
    /// Always this carry (0 or 1).
    case constant(Int)
    /// The carry looked up from column features (operand digits or pair sums).
    case table(TruthTable)
    /// The carry from a learned score over column features (see ``ScoreLeaf``).
    case score(ScoreLeaf)
    /// A score where the stop column has the boundary pair sum, another leaf elsewhere (see ``GatedLeaf``).
    indirect case gated(GatedLeaf)

    /// Parameters of the leaf (1 for a constant, the rows of a table).
    var parameters: Int {
        switch self {
        case .constant: return 1
        case .table(let table): return table.rows.count + 1
        case .score(let score): return score.parameters
        case .gated(let gated): return gated.parameters
        }
    }

    /// The leaf as a formula.
    var formula: DigitFormula {
        switch self {
        case .constant(let value): return .constant(value)
        case .table(let table): return .lookup(table)
        case .score(let score): return score.formula
        case .gated(let gated): return gated.formula
        }
    }

    /// The carry for operand digits (same meaning as ``formula``).
    func carry(place: Int, columns: OperandColumns) -> Int {
        switch self {
        case .constant(let value): return value
        case .table(let table): return table.evaluate(place: place, columns: columns)
        case .score(let score): return score.carry(place: place, columns: columns)
        case .gated(let gated): return gated.carry(place: place, columns: columns)
        }
    }

    /// The leaf in words, e.g. `carry`, `table over D(k-1) (3 rows give carry, otherwise no carry)`.
    var description: String {
        switch self {
        case .constant(let value): return value == 1 ? "carry" : "no carry"
        case .table(let table): return "table over \(table.inputs.map(\.description).joined(separator: ", ")) (\(table.rows.count) rows give \(table.defaultOutput == 1 ? "no carry" : "carry"), otherwise \(table.defaultOutput == 1 ? "carry" : "no carry"))"
        case .score(let score): return "\(score.description) (\(score.parameters - 1) non-zero score entries, in thousandths)"
        case .gated(let gated): return gated.description
        }
    }
}

/// The carry into column `place`: a look-ahead of `depth` columns over the C/9/_ classes
/// below it, with a leaf per cell. Cells with run 0 (column k-1 is C or _) carry as true addition.
struct CarryRule: Hashable, Sendable {
    /// k: the carry into column k (answer digit A(k)).
    var place: Int
    /// Columns read (1 … k).
    var depth: Int
    /// Leaf of every cell with run ≥ 1.
    var leaves: [LookaheadCell: CarryLeaf]

    /// Every cell of this look-ahead, in reading order.
    var cells: [LookaheadCell] {
        var result: [LookaheadCell] = []
        for run in 0..<depth {
            result.append(LookaheadCell(run: run, stop: .carry))
            result.append(LookaheadCell(run: run, stop: .noCarry))
        }
        result.append(LookaheadCell(run: depth, stop: depth >= place ? .end : .beyond))
        return result
    }

    /// The leaf used in `cell`.
    func leaf(_ cell: LookaheadCell) -> CarryLeaf {
        if let leaf = leaves[cell] { return leaf }
        return .constant(cell.trueCarry ?? 0)
    }

    /// The carry as a formula: nested if-then-else over MC1/MS9 of columns k-1, k-2, …, leaves at the stops.
    var formula: DigitFormula {
        func step(_ run: Int) -> DigitFormula {
            if run == depth { return leaf(LookaheadCell(run: run, stop: depth >= place ? .end : .beyond)).formula }
            let offset = -1 - run
            return .ifThenElse(.feature(ColumnFeature(.makesCarry, offset: offset)),
                               leaf(LookaheadCell(run: run, stop: .carry)).formula,
                               .ifThenElse(.feature(ColumnFeature(.sumNine, offset: offset)),
                                           step(run + 1),
                                           leaf(LookaheadCell(run: run, stop: .noCarry)).formula))
        }
        return step(0)
    }

    /// The answer digit A(k) as a rule: BA(k) + carry mod 10, or the carry itself for the top digit.
    func digitRule(digitCount n: Int) -> DigitRule {
        place == n ? .formula(formula) : .formula(.mod10(.add([.feature(ColumnFeature(.baseAdd, offset: 0)), formula])))
    }

    /// The carry for operand digits (least significant first), computed directly (same meaning as ``formula``).
    func carry(columns: OperandColumns, pairSums: [Int]) -> Int {
        leaf(LookaheadCell.of(place: place, depth: depth, pairSums: pairSums)).carry(place: place, columns: columns)
    }

    /// One line per learned cell, e.g. `99_ → table over D(k-1), D(k-2) (37 rows)`.
    var readable: String {
        var parts: [String] = ["look-ahead over \(depth) column\(depth == 1 ? "" : "s") below (k-1…k-\(depth))"]
        for cell in cells where cell.run >= 1 {
            let text: String
            switch leaf(cell) {
            case .constant(let value):
                text = value == 1 ? "carry" : "no carry"
            case .table(let table):
                let carries = table.rows.filter { $0.output == 1 }.count
                text = "learned: table over \(table.inputs.map(\.description).joined(separator: ", ")) (\(table.rows.count) rows, \(carries) carry, otherwise \(table.defaultOutput == 1 ? "carry" : "no carry"))"
            case .score(let score):
                text = "learned: \(score.description) (\(score.parameters - 1) non-zero score entries)"
            case .gated(let gated):
                text = "learned: \(gated.description)"
            }
            let truth = cell.trueCarry.map { $0 == 1 ? " [true: carry]" : " [true: no carry]" } ?? " [true: depends on columns below]"
            parts.append("\(cell) → \(text)\(truth)")
        }
        return parts.joined(separator: "; ")
    }
}

extension PerDigitAlgorithm {
    /// An algorithm from per-column carry rules: A0 = BA(0), A(k) = BA(k) + carry(k) mod 10, A(n) = carry(n).
    static func carryAlgorithm(name: String, digitCount n: Int, rules: [CarryRule]) -> PerDigitAlgorithm {
        var overrides = [DigitOverride(.place(0), rule: .formula(n == 0 ? .constant(0) : .feature(ColumnFeature(.baseAdd, offset: 0))))]
        for rule in rules.sorted(by: { $0.place > $1.place }) {
            overrides.append(DigitOverride(.place(rule.place), rule: rule.digitRule(digitCount: n)))
        }
        return PerDigitAlgorithm(name: name, defaultRule: PerDigitAlgorithm.paper.defaultRule, overrides: overrides)
    }
}
