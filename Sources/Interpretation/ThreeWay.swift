import Exhaustive
import AdditionTask
import Foundation
import Proofs

/// Counts of the network vs an algorithm vs true addition, for one answer digit or for whole questions.
public struct ThreeWayCounts: Codable, Hashable, Sendable {
    /// Network = algorithm = truth.
    public var allAgree: Int = 0
    /// Network wrong with the same wrong digit the algorithm predicts.
    public var networkWrongAsAlgorithmPredicts: Int = 0
    /// Network wrong where the algorithm is right.
    public var networkWrongAlgorithmRight: Int = 0
    /// Network right where the algorithm is wrong.
    public var networkRightAlgorithmWrong: Int = 0
    /// Both wrong, with different digits (for whole questions: both wrong with different answers).
    public var bothWrongDifferently: Int = 0
    /// Total compared.
    public var total: Int = 0

    /// Adds one comparison.
    public mutating func add(network: [Int], algorithm: [Int], truth: [Int]) {
        total += 1
        let networkRight = network == truth, algorithmRight = algorithm == truth
        switch (networkRight, algorithmRight) {
        case (true, true): allAgree += 1
        case (true, false): networkRightAlgorithmWrong += 1
        case (false, true): networkWrongAlgorithmRight += 1
        case (false, false):
            if network == algorithm { networkWrongAsAlgorithmPredicts += 1 } else { bothWrongDifferently += 1 }
        }
    }

    /// Wilson 95% intervals of each count's fraction (meaningful when the questions are a uniform sample).
    public var intervals: [String: WilsonInterval] {
        [
            "all_agree": WilsonInterval(successes: allAgree, trials: total),
            "network_wrong_as_algorithm_predicts": WilsonInterval(successes: networkWrongAsAlgorithmPredicts, trials: total),
            "network_wrong_algorithm_right": WilsonInterval(successes: networkWrongAlgorithmRight, trials: total),
            "network_right_algorithm_wrong": WilsonInterval(successes: networkRightAlgorithmWrong, trials: total),
            "both_wrong_differently": WilsonInterval(successes: bothWrongDifferently, trials: total),
        ]
    }

    /// Creates empty counts.
    public init() {}
}

/// The three-way table for one algorithm.
public struct ThreeWayTable: Codable, Hashable, Sendable {
    /// Algorithm name.
    public var algorithm: String
    /// Per answer digit, A(n) first (keys `A5`, …).
    public var perDigit: [String: ThreeWayCounts]
    /// Whole questions (every digit compared at once).
    public var questions: ThreeWayCounts
    /// Wilson 95% intervals for the question-level fractions (only when sampled).
    public var questionIntervals: [String: WilsonInterval]?
    /// Network vs algorithm only: questions where they give the same answer.
    public var networkEqualsAlgorithm: Int
}

/// The Z3 verdict on an algorithm vs true addition (the algorithm-vs-truth part is proved; the network part is measured).
public struct ProofSummary: Codable, Hashable, Sendable {
    /// Algorithm name.
    public var algorithm: String
    /// Z3's verdict on the algorithm against true addition.
    public var verdict: Verdict
    /// Exact number of questions with some wrong digit (decimal string), if known.
    public var counterexamples: String?
    /// Per answer digit A(n)..A0.
    public var perDigitCounterexamples: [String?]
    /// The difference set's cubes (pattern: questions).
    public var differenceSet: [String: String]?
    /// An error, if the prover failed.
    public var error: String?
    /// Why a count is missing (Z3 gave up, or the time budget ran out), when one is.
    public var incompleteReason: String? = nil
    /// How the count was obtained when not from Z3's characterization of the whole difference set.
    public var countMethod: String? = nil

    /// The count in words: `"1,234 wrong questions"`, or why it is not known.
    public var countText: String {
        if let counterexamples {
            // Grouped on the decimal string itself (counts can exceed Int64 for n ≥ 10).
            return "\(DecimalText.grouped(digits: counterexamples)) wrong questions"
        }
        return "count not established: \(incompleteReason ?? error ?? "Z3 gave up")"
    }
}

/// three_way.json.
public struct ThreeWayReport: Codable, Hashable, Sendable {
    /// Which questions were compared.
    public var coverage: Coverage
    /// Network accuracy (every digit right) on those questions.
    public var networkCorrect: Int
    /// The extracted algorithm's table.
    public var extracted: ThreeWayTable
    /// The paper's algorithm's table.
    public var paper: ThreeWayTable
    /// Z3 on the extracted algorithm.
    public var extractedProof: ProofSummary
    /// Z3 on the paper's algorithm.
    public var paperProof: ProofSummary
    /// Questions where the network is wrong, by category name (on the compared questions).
    public var networkErrorsByCategory: [String: Int]
    /// Questions compared, by category name.
    public var questionsByCategory: [String: Int]
}

enum ThreeWayAnalysis {
    /// Builds the table from predictions (flattened [question][slot]) of `indices`.
    static func table(task: AdditionTask, algorithm: PerDigitAlgorithm, indices: [Int], predictions: [UInt8], sampled: Bool) -> ThreeWayTable {
        let slots = task.answerDigitCount
        var perDigit = [ThreeWayCounts](repeating: ThreeWayCounts(), count: slots)
        var questions = ThreeWayCounts()
        var equal = 0
        for (offset, index) in indices.enumerated() {
            let question = task.question(atIndex: index)
            let truth = question.answerDigits
            let predicted = algorithm.answerDigits(for: question)
            let network = (0..<slots).map { Int(predictions[offset * slots + $0]) }
            for slot in 0..<slots { perDigit[slot].add(network: [network[slot]], algorithm: [predicted[slot]], truth: [truth[slot]]) }
            questions.add(network: network, algorithm: predicted, truth: truth)
            if network == predicted { equal += 1 }
        }
        var byDigit: [String: ThreeWayCounts] = [:]
        for slot in 0..<slots { byDigit["A\(task.digitCount - slot)"] = perDigit[slot] }
        return ThreeWayTable(algorithm: algorithm.name, perDigit: byDigit, questions: questions,
                             questionIntervals: sampled ? questions.intervals.mapValues { WilsonInterval(low: rounded($0.low), high: rounded($0.high)) } : nil,
                             networkEqualsAlgorithm: equal)
    }

    /// Runs the prover and summarises its report.
    static func prove(_ algorithm: PerDigitAlgorithm, digitCount: Int, proofs: ProofLedger) -> ProofSummary {
        do {
            let report = try proofs.run(algorithm, digitCount: digitCount).report
            var cubes: [String: String] = [:]
            for cube in report.differenceSet ?? [] { cubes[cube.pattern] = cube.questions }
            return ProofSummary(algorithm: algorithm.name, verdict: report.verdict, counterexamples: report.counterexamples,
                                perDigitCounterexamples: report.perDigitCounterexamples, differenceSet: report.differenceSet == nil ? nil : cubes, error: nil,
                                incompleteReason: report.counterexamples == nil ? (report.differenceSetUnknownReason ?? report.digits.compactMap(\.unknownReason).first) : nil,
                                countMethod: report.counterexamplesMethod)
        } catch {
            return ProofSummary(algorithm: algorithm.name, verdict: .unknown, counterexamples: nil, perDigitCounterexamples: [], differenceSet: nil, error: String(describing: error))
        }
    }
}

extension WilsonInterval {
    init(low: Double, high: Double) {
        self.init(successes: 0, trials: 0)
        self.low = low
        self.high = high
    }
}
