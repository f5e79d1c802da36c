import AdditionTask
import Exhaustive
import Foundation
import Proofs
import Transformer

/// How the extracted table of one answer digit was built and how it relates to named formulas.
public struct ExtractedDigit: Codable, Hashable, Sendable {
    /// E.g. `A3`.
    public var digit: String
    /// k of A(k).
    public var place: Int
    /// The table's inputs, e.g. `["S(k)", "S(k-1)", "S(k-2)"]`.
    public var inputs: [String]
    /// Number of table rows.
    public var rows: Int
    /// Questions behind the table (each row's output is the network's majority digit over its questions).
    public var questions: Int
    /// Rows whose questions did not all give the majority digit.
    public var nonUnanimousRows: Int
    /// The smallest majority share of any row.
    public var smallestMajorityShare: Double
    /// For each named formula (`paper` = BA+MC1+MS9∧MC1, `BA+MC1`, `BA`): how many rows it matches
    /// (a row matches when the formula gives the row's digit for every value of the columns the table does not read).
    public var formulaMatches: [String: Int]
    /// The named formulas that match every row, in the paper's vocabulary; empty if none.
    public var equals: [String]
}

/// extraction.json: how the tables of algorithm.json (the ``PerDigitAlgorithm``) were built and what they equal.
public struct ExtractionReport: Codable, Hashable, Sendable {
    /// How the rows' questions were chosen.
    public var coverage: Coverage
    /// What the emitted algorithm's `default` rule is and when it is used.
    public var defaultRuleNote: String
    /// One entry per answer digit, A(n) first.
    public var digits: [ExtractedDigit]
}

enum AlgorithmExtraction {
    /// The named formulas the tables are compared with.
    static var namedFormulas: [(String, PerDigitAlgorithm)] {
        let baMC1 = DigitFormula.mod10(.add([.feature(ColumnFeature(.baseAdd, offset: 0)), .feature(ColumnFeature(.makesCarry, offset: -1))]))
        return [
            ("paper (BA+MC1+MS9∧MC1)", .paper),
            ("BA+MC1 (no sum-9 link)", PerDigitAlgorithm(name: "BA+MC1", defaultRule: .formula(baMC1),
                overrides: [DigitOverride(.fromTop(0), rule: .formula(.feature(ColumnFeature(.makesCarry, offset: -1))))])),
            ("BA only", PerDigitAlgorithm(name: "BA", defaultRule: .formula(.feature(ColumnFeature(.baseAdd, offset: 0))),
                overrides: [DigitOverride(.fromTop(0), rule: .formula(.constant(0)))])),
        ]
    }

    /// The columns a digit's table reads: its dependencies nearest to the digit's own place
    /// (k, then k-1, k-2, …), at most three, most significant first. Carries come from below,
    /// so the nearest columns carry the most information; farther dependencies (long cascades)
    /// are left out and show up as non-unanimous rows.
    static func inputColumns(_ dependencies: DigitDependencies) -> [Int] {
        let place = dependencies.place
        let chosen = dependencies.dependsOn.sorted { abs($0 - place) < abs($1 - place) }.prefix(3)
        return chosen.sorted(by: >)
    }

    /// Builds the tables from counts[slot][key] = digit counts (10 entries).
    static func build(task: AdditionTask, modelName: String, columns: [[Int]], counts: [[[Int]: [Int]]], coverage: Coverage) throws -> (PerDigitAlgorithm, ExtractionReport) {
        let n = task.digitCount
        var overrides: [DigitOverride] = []
        var reports: [ExtractedDigit] = []
        for slot in 0..<task.answerDigitCount {
            let place = n - slot
            let inputs = columns[slot].map { ColumnFeature(.pairSum, offset: $0 - place) }
            var overall = [Int](repeating: 0, count: 10)
            var rows: [TruthTableRow] = []
            var nonUnanimous = 0, questions = 0
            var smallestShare = 1.0
            for key in counts[slot].keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
                let tally = counts[slot][key] ?? []
                let total = tally.reduce(0, +)
                guard total > 0 else { continue }
                let best = tally.indices.max { (tally[$0], -$0) < (tally[$1], -$1) } ?? 0
                for digit in 0..<10 { overall[digit] += tally[digit] }
                questions += total
                if tally[best] != total { nonUnanimous += 1 }
                smallestShare = min(smallestShare, Double(tally[best]) / Double(total))
                rows.append(TruthTableRow(match: key, output: best))
            }
            let fallback = overall.indices.max { (overall[$0], -$0) < (overall[$1], -$1) } ?? 0
            let table = try TruthTable(inputs: inputs, rows: rows, defaultOutput: fallback)
            overrides.append(DigitOverride(.place(place), rule: .truthTable(table)))
            var matches: [String: Int] = [:]
            var equal: [String] = []
            for (name, formula) in namedFormulas {
                let count = rows.filter { rowMatches($0, columns: columns[slot], place: place, digitCount: n, formula: formula) }.count
                matches[name] = count
                if count == rows.count && !rows.isEmpty { equal.append(name) }
            }
            reports.append(ExtractedDigit(digit: "A\(place)", place: place, inputs: inputs.map(\.description),
                                          rows: rows.count, questions: questions, nonUnanimousRows: nonUnanimous,
                                          smallestMajorityShare: rounded(smallestShare), formulaMatches: matches, equals: equal))
        }
        let algorithm = PerDigitAlgorithm(name: "extracted-\(modelName)", defaultRule: PerDigitAlgorithm.paper.defaultRule, overrides: overrides)
        let note = "every answer digit A(\(n))…A0 of the \(n)-digit task has a place override; the default rule (the paper's BA+MC1+MS9∧MC1 formula) is never used for n = \(n) and is only there because the format requires one"
        return (algorithm, ExtractionReport(coverage: coverage, defaultRuleNote: note, digits: reports))
    }

    /// Whether `formula`'s digit equals the row's output for every value of the columns 0..<n the table does not read
    /// among those the formula can read (k, k-1, k-2).
    static func rowMatches(_ row: TruthTableRow, columns: [Int], place: Int, digitCount n: Int, formula: PerDigitAlgorithm) -> Bool {
        var sums = [Int](repeating: 0, count: n)
        for (column, value) in zip(columns, row.match) { sums[column] = value }
        let free = [place, place - 1, place - 2].filter { $0 >= 0 && $0 < n && !columns.contains($0) }
        let rule = formula.rule(place: place, digitCount: n)
        func check(_ i: Int) -> Bool {
            if i == free.count { return rule.evaluate(place: place, pairSums: sums) == row.output }
            for s in 0...18 {
                sums[free[i]] = s
                if !check(i + 1) { return false }
            }
            return true
        }
        return check(0)
    }

    /// Exhaustive counts from every question's prediction.
    static func exhaustiveCounts(task: AdditionTask, predictions: [UInt8], columns: [[Int]]) -> [[[Int]: [Int]]] {
        let slots = task.answerDigitCount
        var counts = [[[Int]: [Int]]](repeating: [:], count: slots)
        // Tally by the full pair-sum vector first (19^n codes), then project onto each digit's inputs.
        let n = task.digitCount
        let codes = (0..<n).reduce(1) { r, _ in r * 19 }
        var tally = [Int](repeating: 0, count: codes * slots * 10)
        for index in 0..<task.questionCount {
            let a = index / task.operandCount, b = index % task.operandCount
            var code = 0, p = 1
            for _ in 0..<n { code = code * 19 + (a / p % 10 + b / p % 10); p *= 10 }
            for slot in 0..<slots {
                let digit = Int(predictions[index * slots + slot])
                if digit < 10 { tally[(code * slots + slot) * 10 + digit] += 1 }
            }
        }
        for code in 0..<codes {
            // code was built most significant first from column 0: digit i of the code (base 19, from the top) is column i.
            var sums = [Int](repeating: 0, count: n)
            var rest = code
            for column in (0..<n).reversed() { sums[column] = rest % 19; rest /= 19 }
            for slot in 0..<slots {
                let base = (code * slots + slot) * 10
                guard (0..<10).contains(where: { tally[base + $0] > 0 }) else { continue }
                let key = columns[slot].map { sums[$0] }
                var entry = counts[slot][key] ?? [Int](repeating: 0, count: 10)
                for digit in 0..<10 { entry[digit] += tally[base + digit] }
                counts[slot][key] = entry
            }
        }
        return counts
    }

    /// Constructed counts: for each digit and each combination of its input columns' pair sums,
    /// `realizations` questions with random digit pairs of those sums and random other columns.
    static func constructedCounts(_ decisions: NetworkDecisions, columns: [[Int]], realizations: Int, extraRealizations: Int, seed: UInt64) throws -> (counts: [[[Int]: [Int]]], questions: Int) {
        let task = decisions.task
        let n = task.digitCount, slots = task.answerDigitCount
        var generator = SeededGenerator(seed: seed)
        func realize(slot: Int, key: [Int]) -> Int {
            var first = (0..<n).map { _ in generator.below(10) }
            var second = (0..<n).map { _ in generator.below(10) }
            for (column, s) in zip(columns[slot], key) {
                let low = max(0, s - 9), high = min(9, s)
                let x = low + generator.below(high - low + 1)
                first[column] = x; second[column] = s - x
            }
            return task.index(firstDigits: first, secondDigits: second)
        }
        var plan: [(slot: Int, key: [Int], index: Int)] = []
        for slot in 0..<slots {
            let inputs = columns[slot]
            let combinations = inputs.reduce(1) { r, _ in r * 19 }
            for combination in 0..<combinations {
                var key: [Int] = []
                var rest = combination
                for _ in inputs { key.append(rest % 19); rest /= 19 }
                key.reverse()
                for _ in 0..<realizations { plan.append((slot, key, realize(slot: slot, key: key))) }
            }
        }
        var counts = [[[Int]: [Int]]](repeating: [:], count: slots)
        func tally(_ plan: [(slot: Int, key: [Int], index: Int)]) throws {
            let predictions = try decisions.answers(plan.map(\.index))
            for (offset, entry) in plan.enumerated() {
                let digit = Int(predictions[offset * slots + entry.slot])
                var entryTally = counts[entry.slot][entry.key] ?? [Int](repeating: 0, count: 10)
                if digit < 10 { entryTally[digit] += 1 }
                counts[entry.slot][entry.key] = entryTally
            }
        }
        try tally(plan)
        // Rows whose first questions disagree get more questions, so their majority is not a coin toss.
        var extra: [(slot: Int, key: [Int], index: Int)] = []
        for slot in 0..<slots {
            for (key, entry) in counts[slot].sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) where entry.filter({ $0 > 0 }).count > 1 {
                for _ in 0..<extraRealizations { extra.append((slot, key, realize(slot: slot, key: key))) }
            }
        }
        if !extra.isEmpty { try tally(extra) }
        return (counts, plan.count + extra.count)
    }
}
