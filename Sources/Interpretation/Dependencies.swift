import AdditionTask
import Exhaustive
import Foundation
import Transformer

/// How one answer digit depends on one operand column.
public struct ColumnDependency: Codable, Hashable, Sendable {
    /// Column j (0 = least significant).
    public var column: Int
    /// j - k for answer digit A(k).
    public var offset: Int
    /// Contexts (assignments of every other column) examined.
    public var contexts: Int
    /// Contexts in which some change of column j's digit pair changes the predicted digit.
    public var changedContexts: Int
    /// changedContexts / contexts.
    public var changeFraction: Double
    /// (context, pair sum) groups with at least two digit pairs, examined.
    public var sumGroups: Int
    /// Groups in which two pairs with the same sum give different predicted digits.
    public var sumOnlyViolations: Int
}

/// The dependencies of one answer digit.
public struct DigitDependencies: Codable, Hashable, Sendable {
    /// E.g. `A3`.
    public var digit: String
    /// k of A(k).
    public var place: Int
    /// One entry per column.
    public var columns: [ColumnDependency]
    /// Columns whose change fraction is at least the threshold, most significant first.
    public var dependsOn: [Int]
    /// Whether, on the examined contexts, the digit never distinguishes two pairs with the same sum
    /// in any column it depends on.
    public var pairSumOnly: Bool
}

/// dependencies.json.
public struct DependencyReport: Codable, Hashable, Sendable {
    /// How contexts were chosen: every context (exhaustive), or seeded contexts (constructed: half uniform,
    /// half with sum-9 columns above the varied column), each with all 100 pairs of the varied column.
    public var coverage: Coverage
    /// A column counts as a dependency when its change fraction is at least this.
    public var threshold: Double
    /// One entry per answer digit, A(n) first.
    public var digits: [DigitDependencies]
}

enum DependencyAnalysis {
    static let threshold = 0.01

    /// Exhaustive analysis from predictions of every question (flattened [index][slot]).
    static func exhaustive(task: AdditionTask, predictions: [UInt8]) -> DependencyReport {
        let n = task.digitCount
        var contextsByColumn: [[Int]] = []
        for column in 0..<n {
            let p = power10(column)
            contextsByColumn.append((0..<task.questionCount).filter { index in
                (index / task.operandCount / p) % 10 == 0 && (index % task.operandCount / p) % 10 == 0
            })
        }
        return analyse(task: task, contextsByColumn: contextsByColumn, coverage: Coverage(kind: .exhaustive, questions: task.questionCount, population: task.questionCount)) { predictions[$0 * task.answerDigitCount + $1] }
    }

    /// Sampled analysis: `contextCount` seeded contexts per column, each evaluated with all 100 pairs of
    /// the varied column; half are uniform, half have sum-9 pairs in every column above the varied one.
    static func sampled(_ decisions: NetworkDecisions, contextCount: Int, seed: UInt64) throws -> DependencyReport {
        let task = decisions.task
        let n = task.digitCount
        var generator = SeededGenerator(seed: seed)
        var contextsByColumn: [[Int]] = []
        var needed: [Int] = []
        for column in 0..<n {
            let p = power10(column)
            var contexts: [Int] = []
            for number in 0..<contextCount {
                var index = generator.below(task.questionCount)
                if number % 2 == 1, column + 1 < n {
                    // Every other context has sum-9 pairs in all columns above the varied one, so that a
                    // carry made there reaches every higher digit (uniform contexts almost never show cascades).
                    var first = (0..<n).map { (index / task.operandCount / power10($0)) % 10 }
                    var second = (0..<n).map { (index % task.operandCount / power10($0)) % 10 }
                    for above in (column + 1)..<n {
                        first[above] = generator.below(10)
                        second[above] = 9 - first[above]
                    }
                    index = task.index(firstDigits: first, secondDigits: second)
                }
                let a = index / task.operandCount, b = index % task.operandCount
                let context = (a - (a / p % 10) * p) * task.operandCount + (b - (b / p % 10) * p)
                contexts.append(context)
                for x in 0..<10 { for y in 0..<10 { needed.append(context + x * p * task.operandCount + y * p) } }
            }
            contextsByColumn.append(contexts)
        }
        let unique = Array(Set(needed)).sorted()
        let predictions = try decisions.answers(unique)
        var position: [Int: Int] = [:]
        for (offset, index) in unique.enumerated() { position[index] = offset }
        let slots = task.answerDigitCount
        return analyse(task: task, contextsByColumn: contextsByColumn,
                       coverage: Coverage(kind: .constructed, questions: unique.count, population: task.questionCount, seed: seed)) { index, slot in
            predictions[(position[index] ?? 0) * slots + slot]
        }
    }

    static func analyse(task: AdditionTask, contextsByColumn: [[Int]], coverage: Coverage, predicted: (Int, Int) -> UInt8) -> DependencyReport {
        let n = task.digitCount
        var digits: [DigitDependencies] = []
        for slot in 0..<task.answerDigitCount {
            let place = n - slot
            var columns: [ColumnDependency] = []
            for column in 0..<n {
                let p = power10(column)
                var changed = 0, groups = 0, violations = 0
                var outputs = [UInt8](repeating: 0, count: 100)
                for context in contextsByColumn[column] {
                    for x in 0..<10 { for y in 0..<10 { outputs[x * 10 + y] = predicted(context + x * p * task.operandCount + y * p, slot) } }
                    if outputs.contains(where: { $0 != outputs[0] }) { changed += 1 }
                    for s in 0...18 {
                        let pairs = (max(0, s - 9)...min(9, s)).map { x in outputs[x * 10 + (s - x)] }
                        guard pairs.count >= 2 else { continue }
                        groups += 1
                        if pairs.contains(where: { $0 != pairs[0] }) { violations += 1 }
                    }
                }
                let contexts = contextsByColumn[column].count
                columns.append(ColumnDependency(column: column, offset: column - place, contexts: contexts, changedContexts: changed,
                                                changeFraction: rounded(Double(changed) / Double(max(1, contexts))),
                                                sumGroups: groups, sumOnlyViolations: violations))
            }
            let depends = columns.filter { $0.changeFraction >= threshold }.map(\.column).sorted(by: >)
            let sumOnly = columns.filter { depends.contains($0.column) }.allSatisfy { $0.sumOnlyViolations == 0 }
            digits.append(DigitDependencies(digit: "A\(place)", place: place, columns: columns, dependsOn: depends, pairSumOnly: sumOnly))
        }
        return DependencyReport(coverage: coverage, threshold: threshold, digits: digits)
    }
}
