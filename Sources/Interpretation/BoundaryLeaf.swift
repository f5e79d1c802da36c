import AdditionTask
import Foundation
import Proofs

/// A carry leaf that decides the questions whose stop column has the boundary pair sum by a
/// learned score, and every other question of the cell by another leaf.
///
/// In a cell `9…9C` (`9…9_`) true addition's carry is decided by the stop column k-1-run having
/// pair sum ≥ 10 (≤ 8); the network departs from it mostly where that sum is exactly 10 (8),
/// the value closest to the class boundary. Formula:
/// `ite(eq(S(stop), boundary), inside, outside)`, which Z3 and the exact counter read like any other.
public struct GatedLeaf: Hashable, Sendable {
    /// The stop column relative to k (−1 − run).
    public var stopOffset: Int
    /// The stop column's pair sum at which `inside` decides: 10 in a `C` cell, 8 in a `_` cell.
    public var boundary: Int
    /// The score deciding the carry at the boundary.
    public var inside: ScoreLeaf
    /// The leaf deciding every other question of the cell (a constant, table or score).
    public var outside: CarryLeaf

    /// The feature the gate reads: the stop column's pair sum.
    var gate: ColumnFeature { ColumnFeature(.pairSum, offset: stopOffset) }

    /// Parameters: both leaves' and one for the gate.
    var parameters: Int { inside.parameters + outside.parameters + 1 }

    /// The leaf as a formula.
    var formula: DigitFormula {
        .ifThenElse(.compare(.eq, .feature(gate), .constant(boundary)), inside.formula, outside.formula)
    }

    /// The carry for operand digits (same meaning as ``formula``).
    func carry(place: Int, columns: OperandColumns) -> Int {
        gate.value(place: place, columns: columns) == boundary ? inside.carry(place: place, columns: columns) : outside.carry(place: place, columns: columns)
    }

    /// E.g. `at S(k-2) = 10: score over … > 0; otherwise carry`.
    var description: String {
        "at \(gate) = \(boundary): \(inside.description) (\(inside.parameters - 1) non-zero score entries); otherwise \(outside.description)"
    }
}

/// The boundary scores the search tries in a `C`/`_` cell with `run` sum-9 columns.
enum BoundaryLeafFit {
    /// The stop column's pair sum at the class boundary: 10 for a `C` stop, 8 for a `_` stop; nil for other stops.
    static func boundary(of stop: LookaheadStop) -> Int? {
        switch stop {
        case .carry: return 10
        case .noCarry: return 8
        case .end, .beyond: return nil
        }
    }

    /// Term sets (each term one score table over its features) for the score at the boundary of a
    /// cell with `run` sum-9 columns below `place` (stop column k-1-run), simplest first:
    /// 1. D(stop) with S(stop-1), D(k-run), and the digit pair of column k;
    /// 2. the same plus D(k-run) with S(stop-1), and D(stop) with S(stop-2).
    /// Terms reading columns below 0 are left out; the column-k pair is left out for A(n).
    static func termSets(place k: Int, run: Int, digitCount n: Int) -> [[[ColumnFeature]]] {
        let stop = -1 - run
        func term(_ features: [ColumnFeature]) -> [ColumnFeature]? {
            features.allSatisfy { k + $0.offset >= 0 && k + $0.offset < n } ? features : nil
        }
        let stopBelow = term([ColumnFeature(.firstDigit, offset: stop), ColumnFeature(.pairSum, offset: stop - 1)])
        let last = term([ColumnFeature(.firstDigit, offset: -run)])
        let pair = term([ColumnFeature(.firstDigit, offset: 0), ColumnFeature(.secondDigit, offset: 0)])
        let lastBelow = term([ColumnFeature(.firstDigit, offset: -run), ColumnFeature(.pairSum, offset: stop - 1)])
        let stopTwoBelow = term([ColumnFeature(.firstDigit, offset: stop), ColumnFeature(.pairSum, offset: stop - 2)])
        let first = [stopBelow, last, pair].compactMap { $0 }
        let second = first + [lastBelow, stopTwoBelow].compactMap { $0 }
        return second.count > first.count ? [first, second] : [first]
    }
}

extension ScoreLeafFit {
    /// Values a feature can take: 0…18 for a pair sum, 0…9 for a digit.
    static func valueCount(_ feature: ColumnFeature) -> Int { feature.kind == .pairSum ? 19 : 10 }

    /// A score leaf with one table per term, each table a weight per combination of its features'
    /// values (one-hot), plus an intercept folded into the first table; fitted by ridge least
    /// squares (penalty ``ridge``) to the samples' targets and written in integer thousandths.
    /// Nil with fewer than ``questionsPerWeight`` samples per weight or when the solve fails.
    static func fit(_ samples: [(columns: OperandColumns, target: Double)], place: Int, terms: [[ColumnFeature]]) -> ScoreLeaf? {
        guard !terms.isEmpty else { return nil }
        let sizes = terms.map { $0.reduce(1) { $0 * valueCount($1) } }
        var bases: [Int] = []
        var width = 1
        for size in sizes { bases.append(width); width += size }
        guard samples.count >= questionsPerWeight * width else { return nil }
        func index(_ term: [ColumnFeature], _ columns: OperandColumns) -> Int {
            term.reduce(0) { $0 * valueCount($1) + $1.value(place: place, columns: columns) }
        }
        var gram = [Double](repeating: 0, count: width * width), moment = [Double](repeating: 0, count: width)
        for sample in samples {
            let active = [0] + terms.indices.map { bases[$0] + index(terms[$0], sample.columns) }
            for i in active {
                moment[i] += sample.target
                for j in active { gram[i * width + j] += 1 }
            }
        }
        for i in 0..<width { gram[i * width + i] += ridge }
        guard let weights = solveSymmetric(gram, moment, size: width) else { return nil }
        var tables: [TruthTable] = []
        for (t, term) in terms.enumerated() {
            var rows: [TruthTableRow] = []
            for position in 0..<sizes[t] {
                var key: [Int] = [], rest = position
                for feature in term.reversed() {
                    key.append(rest % valueCount(feature))
                    rest /= valueCount(feature)
                }
                let value = Int(((weights[bases[t] + position] + (t == 0 ? weights[0] : 0)) * scale).rounded())
                if value != 0 { rows.append(TruthTableRow(match: key.reversed(), output: value)) }
            }
            guard let table = try? TruthTable(inputs: term, rows: rows, defaultOutput: 0) else { return nil }
            tables.append(table)
        }
        return ScoreLeaf(tables: tables)
    }
}
