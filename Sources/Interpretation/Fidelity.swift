import AdditionTask
import Exhaustive
import Foundation
import Proofs

/// How well an algorithm predicts the network, for one answer digit or for whole questions.
public struct FidelityCounts: Codable, Hashable, Sendable {
    /// Questions compared.
    public var total = 0
    /// Questions where the algorithm gives the network's answer (digit, or every digit).
    public var agree = 0
    /// Questions where the network is wrong.
    public var networkFailures = 0
    /// Network failures the algorithm reproduces exactly (same wrong answer).
    public var predicted = 0
    /// Network failures where the algorithm's answer differs from the network's.
    public var missed = 0
    /// Questions where the network is right and the algorithm is not (failures the algorithm invents).
    public var invented = 0
    /// 95% Wilson interval of agree / total (only when the questions are a sample).
    public var agreementInterval: WilsonInterval?
    /// 95% Wilson interval of predicted / networkFailures (only when the questions are a sample).
    public var reproducedInterval: WilsonInterval?

    /// Share of questions where algorithm and network agree.
    public var agreement: Double { total == 0 ? 0 : Double(agree) / Double(total) }
    /// Share of network failures reproduced.
    public var reproduced: Double { networkFailures == 0 ? 0 : Double(predicted) / Double(networkFailures) }

    mutating func add(network: [Int], algorithm: [Int], truth: [Int]) {
        total += 1
        if network == algorithm { agree += 1 }
        if network != truth {
            networkFailures += 1
            if network == algorithm { predicted += 1 } else { missed += 1 }
        } else if algorithm != truth {
            invented += 1
        }
    }

    mutating func addIntervals() {
        agreementInterval = WilsonInterval(successes: agree, trials: total).roundedForJSON
        reproducedInterval = WilsonInterval(successes: predicted, trials: networkFailures).roundedForJSON
    }
}

/// The algorithms whose fidelity to the network is measured; the raw values are the names
/// in fidelity.json, summary.json and the report.
public enum FidelityRole: String, Codable, Hashable, Sendable, CaseIterable {
    /// The carry look-ahead the search chose.
    case chosenLookahead = "chosen look-ahead"
    /// True addition.
    case plainAddition = "plain addition"
    /// The best look-ahead over C/9/_ classes with constant leaves.
    case bestClassTable = "best C/9/_ look-ahead table"
    /// The paper's one-level carry formula.
    case paper = "paper (one-level)"
    /// The pair-sum tables of algorithm.json.
    case pairSumTables = "pair-sum tables (algorithm.json)"
}

/// One algorithm's fidelity to the network.
public struct AlgorithmFidelity: Codable, Hashable, Sendable {
    /// Algorithm name.
    public var algorithm: String
    /// What it is, among the algorithms compared.
    public var role: FidelityRole
    /// Per answer digit (keys `A5` … `A0`).
    public var perDigit: [String: FidelityCounts]
    /// Whole questions.
    public var questions: FidelityCounts
}

/// Network failures of one answer digit by kind of wrong carry.
public struct FailureClassCounts: Codable, Hashable, Sendable {
    /// The network carries where true addition does not (e.g. a run of sum-9 columns with no carry below).
    public var falseCarry = 0
    /// The network does not carry where a carry arrives through one or more sum-9 columns.
    public var missedCascade = 0
    /// Any other wrong digit (a missed carry with no sum-9 column below, or a digit that is not BA or BA+1).
    public var other = 0
}

/// A question where the chosen algorithm and the network disagree.
public struct DisagreementExample: Codable, Hashable, Sendable {
    /// `a+b`, zero padded.
    public var question: String
    /// The network's answer, A(n) first.
    public var network: String
    /// The algorithm's answer.
    public var algorithm: String
    /// True answer.
    public var truth: String
    /// Digits where algorithm and network differ, with their look-ahead cell, e.g. `A4 in 99_`.
    public var digits: [String]
}

/// A target for the chosen algorithm, with its rule and whether it is met.
public struct FidelityTarget: Codable, Hashable, Sendable {
    /// What is compared.
    public var name: String
    /// The rule, thresholds included.
    public var rule: String
    /// The measured value.
    public var value: Double
    /// Whether the rule holds.
    public var met: Bool
}

/// fidelity.json: how well extracted algorithms predict the network, on questions they were not fitted on.
public struct FidelityReport: Codable, Hashable, Sendable {
    /// The questions fidelity is measured on: every question (exhaustive) or a uniform sample disjoint from the fitting and selection questions.
    public var coverage: Coverage
    /// How the network's answers were decided.
    public var networkDecision: String
    /// The search that chose the look-ahead algorithm.
    public var search: CarrySearchSummary
    /// The chosen algorithm (carrylens.per-digit-algorithm.v1), also written as network_algorithm.json.
    public var algorithm: PerDigitAlgorithm
    /// The chosen algorithm first, then the comparisons.
    public var algorithms: [AlgorithmFidelity]
    /// The targets for the chosen algorithm.
    public var targets: [FidelityTarget]
    /// Disagreements of the chosen algorithm by digit and look-ahead cell (key `A4 99_`).
    public var disagreementsByCell: [String: Int]
    /// Up to 12 disagreements of the chosen algorithm.
    public var disagreementExamples: [DisagreementExample]
    /// Network failures by digit and kind (keys `A5` … `A0`), on the fidelity questions.
    public var failureClasses: [String: FailureClassCounts]
    /// Z3 on the chosen algorithm vs true addition (n digits).
    public var proof: ProofSummary
}

enum FidelityAnalysis {
    /// Counts `algorithm` against the network answers (flattened [question][A(n)..A0]).
    static func measure(task: AdditionTask, algorithm: PerDigitAlgorithm, role: FidelityRole, indices: [Int], answers: [UInt8], sampled: Bool) -> AlgorithmFidelity {
        let slots = task.answerDigitCount, n = task.digitCount
        var perDigit = [FidelityCounts](repeating: FidelityCounts(), count: slots)
        var questions = FidelityCounts()
        for (offset, index) in indices.enumerated() {
            let question = task.question(atIndex: index)
            let truth = question.answerDigits
            let predicted = algorithm.answerDigits(for: question)
            let network = (0..<slots).map { Int(answers[offset * slots + $0]) }
            for slot in 0..<slots { perDigit[slot].add(network: [network[slot]], algorithm: [predicted[slot]], truth: [truth[slot]]) }
            questions.add(network: network, algorithm: predicted, truth: truth)
        }
        if sampled {
            questions.addIntervals()
            for slot in 0..<slots { perDigit[slot].addIntervals() }
        }
        var byDigit: [String: FidelityCounts] = [:]
        for slot in 0..<slots { byDigit["A\(n - slot)"] = perDigit[slot] }
        return AlgorithmFidelity(algorithm: algorithm.name, role: role, perDigit: byDigit, questions: questions)
    }

    /// Network failures by digit and kind.
    static func failureClasses(task: AdditionTask, indices: [Int], answers: [UInt8]) -> [String: FailureClassCounts] {
        let slots = task.answerDigitCount, n = task.digitCount
        var counts = [FailureClassCounts](repeating: FailureClassCounts(), count: slots)
        for (offset, index) in indices.enumerated() {
            let question = task.question(atIndex: index)
            let truth = question.answerDigits
            let carries = question.carries.carryInto
            for slot in 0..<slots {
                let digit = Int(answers[offset * slots + slot])
                guard digit != truth[slot] else { continue }
                let place = n - slot
                let s = place < n ? question.pairSum(place) : 0
                let networkCarry: Int? = place == n ? (digit <= 1 ? digit : nil)
                    : (digit == s % 10 ? 0 : (digit == (s + 1) % 10 ? 1 : nil))
                let trueCarry = carries[place] ? 1 : 0
                if networkCarry == 1 && trueCarry == 0 { counts[slot].falseCarry += 1 }
                else if networkCarry == 0 && trueCarry == 1 && place >= 1 && question.pairSum(place - 1) == 9 { counts[slot].missedCascade += 1 }
                else { counts[slot].other += 1 }
            }
        }
        var result: [String: FailureClassCounts] = [:]
        for slot in 0..<slots { result["A\(n - slot)"] = counts[slot] }
        return result
    }

    /// Disagreements of `algorithm` with the network by digit and look-ahead cell (depth: the whole column range), and examples.
    static func disagreements(task: AdditionTask, algorithm: PerDigitAlgorithm, indices: [Int], answers: [UInt8], limit: Int = 12) -> ([String: Int], [DisagreementExample]) {
        let slots = task.answerDigitCount, n = task.digitCount
        var byCell: [String: Int] = [:]
        var examples: [DisagreementExample] = []
        for (offset, index) in indices.enumerated() {
            let question = task.question(atIndex: index)
            let predicted = algorithm.answerDigits(for: question)
            let network = (0..<slots).map { Int(answers[offset * slots + $0]) }
            guard predicted != network else { continue }
            let sums = (0..<n).map { question.pairSum($0) }
            var digits: [String] = []
            for slot in 0..<slots where predicted[slot] != network[slot] {
                let place = n - slot
                let cell = LookaheadCell.of(place: place, depth: place, pairSums: sums)
                byCell["A\(place) \(cell)", default: 0] += 1
                digits.append("A\(place) in \(cell)")
            }
            if examples.count < limit {
                func text(_ digits: [Int]) -> String { digits.map { (0...9).contains($0) ? String($0) : "?" }.joined() }
                examples.append(DisagreementExample(question: "\(padded(question.a, n))+\(padded(question.b, n))", network: text(network),
                                                    algorithm: text(predicted), truth: question.answerText, digits: digits))
            }
        }
        return (byCell, examples)
    }

    /// The targets: question-level agreement and reproduced failures (sample thresholds for n > 3; every question for n ≤ 3), and beating the comparisons.
    static func targets(chosen: AlgorithmFidelity, plain: AlgorithmFidelity, table: AlgorithmFidelity, exhaustive: Bool) -> [FidelityTarget] {
        let q = chosen.questions
        let agreementThreshold = exhaustive ? 0.999 : 0.9975, reproducedThreshold = exhaustive ? 0.9 : 0.6
        return [
            FidelityTarget(name: "question agreement", rule: "agree / total ≥ \(agreementThreshold)", value: rounded(q.agreement), met: q.agreement >= agreementThreshold),
            FidelityTarget(name: "failures reproduced", rule: "predicted / network failures ≥ \(reproducedThreshold)", value: rounded(q.reproduced), met: q.networkFailures > 0 && q.reproduced >= reproducedThreshold),
            FidelityTarget(name: "better than plain addition", rule: "agree > plain addition's agree (\(plain.questions.agree))", value: Double(q.agree), met: q.agree > plain.questions.agree),
            FidelityTarget(name: "better than the best C/9/_ look-ahead table", rule: "agree > the table's agree (\(table.questions.agree))", value: Double(q.agree), met: q.agree > table.questions.agree),
        ]
    }
}

extension WilsonInterval {
    var roundedForJSON: WilsonInterval { WilsonInterval(low: rounded(low), high: rounded(high)) }
}

/// The plain-addition algorithm (true addition's carry chain written as a per-digit algorithm):
/// each carry a look-ahead over every column below with true-addition leaves.
extension PerDigitAlgorithm {
    static func plainAddition(digitCount n: Int) -> PerDigitAlgorithm {
        carryAlgorithm(name: "plain-addition", digitCount: n, rules: n >= 1 ? (1...n).map { CarryRule(place: $0, depth: $0, leaves: [:]) } : [])
    }
}
