import Foundation
import Proofs

/// A learned carry that adds integer scores looked up from column features and carries
/// when the total is positive: carry = [T_1 + T_2 + … > 0].
///
/// The search fits it in a cell with `run` sum-9 columns below k as a linear score over
/// the digit pair of column k, the digit of the run's last column (k - run) and the pair
/// sums of the two columns below the run, each of these sums weighted per value of that
/// digit. The score is written as tables (outputs in thousandths) so that the leaf stays a
/// ``DigitFormula`` Z3 can read: `gt(add(table, table, table), 0)`.
public struct ScoreLeaf: Hashable, Sendable {
    /// Score tables; their outputs are added.
    public var tables: [TruthTable]

    /// Parameters: the tables' rows, plus one for the threshold.
    var parameters: Int { tables.reduce(1) { $0 + $1.rows.count } }

    /// The leaf as a formula: 1 if the summed scores are positive, else 0.
    var formula: DigitFormula {
        .compare(.gt, .add(tables.map { .lookup($0) }), .constant(0))
    }

    /// The carry for operand digits (same meaning as ``formula``).
    func carry(place: Int, columns: OperandColumns) -> Int {
        tables.reduce(0) { $0 + $1.evaluate(place: place, columns: columns) } > 0 ? 1 : 0
    }

    /// E.g. `score over D(k), D'(k) + D(k-2), S(k-3) + D(k-2), S(k-4) > 0`.
    var description: String {
        "score " + tables.map { $0.inputs.map(\.description).joined(separator: ", ") }.joined(separator: " + ") + " > 0"
    }
}

/// Fits ``ScoreLeaf``s by ridge least squares to the network's carry margins (or, without
/// margins, to its carries as ±1).
enum ScoreLeafFit {
    /// Score units per 1 of the fitted linear score (outputs are integers).
    static let scale = 1000.0
    /// Ridge penalty added to the normal equations' diagonal.
    static let ridge = 1.0
    /// Margins are clipped to ±this many logits before fitting, so that questions the network
    /// decides by a wide margin do not outweigh the ones near its decision boundary.
    static let marginClip: Float = 10
    /// Fitting questions needed per weight: fewer and no leaf is fitted (keeps the 131 weights
    /// from being fitted on a few dozen questions, e.g. in the tests' small searches; the ridge
    /// penalty and the choice on separate selection questions guard the rest).
    static let questionsPerWeight = 2

    /// The fitting target of one question: its clipped margin, or ±1 for its carry when the margin is unknown.
    static func target(carry: Int, margin: Float?) -> Double {
        guard let margin else { return carry == 1 ? 1 : -1 }
        return Double(min(max(margin, -marginClip), marginClip))
    }

    /// The features of one sample: indices of its active one-hot columns and their values.
    private struct Layout {
        var place: Int
        var run: Int
        var hasPair: Bool
        /// Whether a weight per digit pair of column k and digit of column k - run is added (1 000 weights).
        var interaction: Bool
        /// Columns: intercept 0; pair (a·10+b) 1…100 if `hasPair`; last-run digit d; d × S(below 1); d × S(below 2);
        /// (a·10+b)·10+d if `interaction`.
        var pairBase: Int { 1 }
        var digitBase: Int { hasPair ? 101 : 1 }
        var slope1Base: Int { digitBase + 10 }
        var slope2Base: Int { digitBase + 20 }
        var interactionBase: Int { digitBase + 30 }
        var width: Int { interactionBase + (interaction ? 1000 : 0) }

        func active(_ columns: OperandColumns) -> [(Int, Double)] {
            var result: [(Int, Double)] = [(0, 1)]
            let digit = columns.digits(place - run).0
            if hasPair {
                let (a, b) = columns.digits(place)
                result.append((pairBase + a * 10 + b, 1))
                if interaction { result.append((interactionBase + (a * 10 + b) * 10 + digit, 1)) }
            }
            let (a1, b1) = columns.digits(place - run - 1), (a2, b2) = columns.digits(place - run - 2)
            result.append((digitBase + digit, 1))
            result.append((slope1Base + digit, Double(a1 + b1)))
            result.append((slope2Base + digit, Double(a2 + b2)))
            return result
        }
    }

    /// The score leaf for a cell with `run` ≥ 1 sum-9 columns below `place`, fitted to the
    /// samples' targets (see ``target(carry:margin:)``); with `interaction`, the first table reads
    /// D(k), D'(k) and D(k - run) (a weight per combination) instead of D(k), D'(k). Nil with fewer
    /// than ``questionsPerWeight`` samples per weight, or without a digit pair at column k for `interaction`.
    static func fit(_ samples: [(columns: OperandColumns, target: Double)], place: Int, run: Int, digitCount n: Int,
                    interaction: Bool = false) -> ScoreLeaf? {
        let layout = Layout(place: place, run: run, hasPair: place < n, interaction: interaction)
        guard layout.hasPair || !interaction else { return nil }
        let width = layout.width
        guard samples.count >= questionsPerWeight * width else { return nil }
        var gram = [Double](repeating: 0, count: width * width), moment = [Double](repeating: 0, count: width)
        for sample in samples {
            let active = layout.active(sample.columns)
            for (i, x) in active {
                moment[i] += x * sample.target
                for (j, y) in active { gram[i * width + j] += x * y }
            }
        }
        for i in 0..<width { gram[i * width + i] += ridge }
        guard let weights = solveSymmetric(gram, moment, size: width) else { return nil }
        func units(_ value: Double) -> Int { Int((value * scale).rounded()) }
        func table(_ inputs: [ColumnFeature], _ keys: [[Int]], _ output: ([Int]) -> Int) -> TruthTable? {
            let rows = keys.compactMap { key -> TruthTableRow? in
                let value = output(key)
                return value == 0 ? nil : TruthTableRow(match: key, output: value)
            }
            return try? TruthTable(inputs: inputs, rows: rows, defaultOutput: 0)
        }
        let digitKeys = (0..<10).flatMap { d in (0...18).map { [d, $0] } }
        let last = ColumnFeature(.firstDigit, offset: -run)
        let pair = [ColumnFeature(.firstDigit, offset: 0), ColumnFeature(.secondDigit, offset: 0)]
        var tables: [TruthTable?] = []
        if layout.hasPair && interaction {
            let keys = (0..<10).flatMap { a in (0..<10).flatMap { b in (0..<10).map { [a, b, $0] } } }
            tables.append(table(pair + [last], keys) {
                let pairIndex = $0[0] * 10 + $0[1]
                return units(weights[0] + weights[layout.pairBase + pairIndex] + weights[layout.interactionBase + pairIndex * 10 + $0[2]])
            })
        } else if layout.hasPair {
            let pairKeys = (0..<10).flatMap { a in (0..<10).map { [a, $0] } }
            tables.append(table(pair, pairKeys) {
                units(weights[0] + weights[layout.pairBase + $0[0] * 10 + $0[1]])
            })
        }
        tables.append(table([last, ColumnFeature(.pairSum, offset: -run - 1)], digitKeys) {
            units((layout.hasPair ? 0 : weights[0]) + weights[layout.digitBase + $0[0]] + weights[layout.slope1Base + $0[0]] * Double($0[1]))
        })
        tables.append(table([last, ColumnFeature(.pairSum, offset: -run - 2)], digitKeys) {
            units(weights[layout.slope2Base + $0[0]] * Double($0[1]))
        })
        let built = tables.compactMap { $0 }
        guard built.count == tables.count else { return nil }
        return ScoreLeaf(tables: built)
    }

    /// Solves `matrix · x = vector` for a symmetric positive definite matrix (row-major) by Cholesky; nil if not positive definite.
    static func solveSymmetric(_ matrix: [Double], _ vector: [Double], size n: Int) -> [Double]? {
        var lower = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0...i {
                var sum = matrix[i * n + j]
                for k in 0..<j { sum -= lower[i * n + k] * lower[j * n + k] }
                if i == j {
                    guard sum > 0 else { return nil }
                    lower[i * n + i] = sum.squareRoot()
                } else {
                    lower[i * n + j] = sum / lower[j * n + j]
                }
            }
        }
        var y = [Double](repeating: 0, count: n)
        for i in 0..<n {
            var sum = vector[i]
            for k in 0..<i { sum -= lower[i * n + k] * y[k] }
            y[i] = sum / lower[i * n + i]
        }
        var x = [Double](repeating: 0, count: n)
        for i in stride(from: n - 1, through: 0, by: -1) {
            var sum = y[i]
            for k in (i + 1)..<n { sum -= lower[k * n + i] * x[k] }
            x[i] = sum / lower[i * n + i]
        }
        return x
    }
}
