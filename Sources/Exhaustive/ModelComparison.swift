import AdditionTask
import Foundation

/// How two models' decided answers to one question relate.
///
/// A question both models answer correctly has the same answer from both (the true
/// one), so the failure lists of the two models determine every outcome.
public enum ComparisonOutcome: String, Codable, CaseIterable, Sendable {
    /// Both answers are the true answer.
    case bothCorrect = "both_correct"
    /// The first model's answer is wrong, the second's right.
    case onlyFirstWrong = "only_first_wrong"
    /// The second model's answer is wrong, the first's right.
    case onlySecondWrong = "only_second_wrong"
    /// Both are wrong, with the same answer.
    case bothWrongSameAnswer = "both_wrong_same_answer"
    /// Both are wrong, with different answers.
    case bothWrongDifferentAnswers = "both_wrong_different_answers"

    /// Whether the two models give different answers.
    public var answersDiffer: Bool {
        self == .onlyFirstWrong || self == .onlySecondWrong || self == .bothWrongDifferentAnswers
    }

    /// The outcome of a question from each model's failure (nil: answered correctly).
    public init(first: FailureRecord?, second: FailureRecord?) {
        switch (first, second) {
        case (nil, nil): self = .bothCorrect
        case (.some, nil): self = .onlyFirstWrong
        case (nil, .some): self = .onlySecondWrong
        case (.some(let a), .some(let b)): self = a.modelAnswer == b.modelAnswer ? .bothWrongSameAnswer : .bothWrongDifferentAnswers
        }
    }
}

/// Which questions a comparison covers: a range of canonical indices (every question
/// when it is the whole space) or a seeded uniform sample (``QuestionSample``).
public struct ComparisonScope: Codable, Equatable, Sendable {
    /// The two kinds of scope.
    public enum Kind: String, Codable, Sendable {
        /// Every question of [firstIndex, firstIndex + count).
        case range
        /// `count` questions drawn uniformly without repeats from the population with `seed`.
        case sample
    }

    /// A range or a sample.
    public var kind: Kind
    /// First canonical index of a range (nil for a sample).
    public var firstIndex: Int?
    /// Questions compared.
    public var count: Int
    /// The sample's seed (nil for a range).
    public var seed: UInt64?
    /// 10^(2n): all questions of the task.
    public var population: Int

    /// A range of canonical indices of `task`.
    public static func range(_ range: Range<Int>, task: AdditionTask) -> ComparisonScope {
        ComparisonScope(kind: .range, firstIndex: range.lowerBound, count: range.count, seed: nil, population: task.questionCount)
    }

    /// A seeded uniform sample of `size` questions of `task` (at most all of them).
    public static func sample(size: Int, seed: UInt64, task: AdditionTask) -> ComparisonScope {
        ComparisonScope(kind: .sample, firstIndex: nil, count: min(size, task.questionCount), seed: seed, population: task.questionCount)
    }

    /// Whether the scope is every question of the task.
    public var isWholeSpace: Bool { kind == .range && firstIndex == 0 && count == population }

    /// The questions of the scope, in index order (a sample is drawn again from its seed).
    public func indices() -> [Int] {
        switch kind {
        case .range: return Array((firstIndex ?? 0)..<((firstIndex ?? 0) + count))
        case .sample: return QuestionSample(size: count, population: population, seed: seed ?? 0).indices
        }
    }
}

/// One model's decisions over a comparison's scope: its wrong answers and the
/// questions that even its exact evaluator could not decide.
public struct ComparedDecisions: Sendable {
    /// The model file.
    public var model: ModelIdentity
    /// The fast evaluator's name (as in `summary.json`).
    public var evaluator: String
    /// Every question the model answers wrongly, in index order.
    public var failures: [FailureRecord]
    /// Questions left undecided (counted by the exact evaluator's answer), in index order.
    public var undecided: [Int]

    public init(model: ModelIdentity, evaluator: String, failures: [FailureRecord], undecided: [Int]) {
        self.model = model
        self.evaluator = evaluator
        self.failures = failures
        self.undecided = undecided
    }

    /// Decides every question of `scope` with `enumerator`, exactly as `enumerate`
    /// (a range) or the sampled stage of `verify` (a sample) does: the fast path, and
    /// digits within their rounding bound re-decided by the exact evaluator.
    /// `progress` is told how many of the scope's questions are done.
    public static func decide(_ scope: ComparisonScope, with enumerator: Enumerator, model: ModelIdentity,
                              progress: ((Int) -> Void)? = nil) throws -> ComparedDecisions {
        switch scope.kind {
        case .range:
            let start = scope.firstIndex ?? 0
            let (tally, failures) = try enumerator.run(start..<(start + scope.count), progress: progress)
            return ComparedDecisions(model: model, evaluator: enumerator.evaluatorName, failures: failures, undecided: tally.undecided)
        case .sample:
            let sample = QuestionSample(size: scope.count, population: scope.population, seed: scope.seed ?? 0)
            let result = try SampleRun(enumerator: enumerator, model: model).run(sample) { done, _ in progress?(done) }
            return ComparedDecisions(model: model, evaluator: enumerator.evaluatorName, failures: result.failures,
                                     undecided: result.summary.undecided.sorted())
        }
    }

    /// The decisions recorded in a verified enumeration result (``EnumerationResult/load(from:)``).
    public init(result: EnumerationResult) throws {
        self.init(model: result.summary.model, evaluator: result.summary.evaluator,
                  failures: try result.failures(), undecided: result.summary.undecided)
    }
}

/// Errors of `compare`: inputs that cannot be compared.
public enum ComparisonError: Error, Equatable, CustomStringConvertible {
    /// The two models (or results) are for different numbers of digits.
    case differentDigitCount(first: Int, second: Int)
    /// The two result directories cover different ranges.
    case differentRange(first: String, second: String)
    /// A result directory holds a sample, not an enumeration.
    case sampleResult(String)

    public var description: String {
        switch self {
        case .differentDigitCount(let first, let second):
            return "cannot compare a \(first)-digit model with a \(second)-digit model: both must be for the same n"
        case .differentRange(let first, let second):
            return "cannot compare results covering different questions: the first covers \(first), the second \(second); enumerate both over the same range (or merge shards first)"
        case .sampleResult(let directory):
            return "\(directory) holds a sampled result; compare takes enumeration results (written by `carrylens enumerate` or `merge`), or two model files with --sample"
        }
    }
}

/// Two models compared question by question over one scope: how many questions
/// each gets wrong, which answers differ, failures of one only and of both, per
/// answer digit and per carry pattern, the first differing questions and, for a
/// sample, 95% Wilson intervals. Written by `carrylens compare --json` (keys sorted).
public struct ModelComparison: Codable, Equatable, Sendable {
    /// One model's side of the comparison.
    public struct Side: Codable, Equatable, Sendable {
        /// The model file.
        public var model: ModelIdentity
        /// The fast evaluator's name.
        public var evaluator: String
        /// Questions this model answers wrongly.
        public var failures: Int
        /// Questions this model leaves undecided, in index order (counted by the exact evaluator's answer).
        public var undecided: [Int]
    }

    /// How many questions have each outcome.
    public struct OutcomeCounts: Codable, Equatable, Sendable {
        /// Questions of each ``ComparisonOutcome``.
        public var bothCorrect = 0
        public var onlyFirstWrong = 0
        public var onlySecondWrong = 0
        public var bothWrongSameAnswer = 0
        public var bothWrongDifferentAnswers = 0

        /// Adds one question of `outcome`.
        public mutating func add(_ outcome: ComparisonOutcome) {
            switch outcome {
            case .bothCorrect: bothCorrect += 1
            case .onlyFirstWrong: onlyFirstWrong += 1
            case .onlySecondWrong: onlySecondWrong += 1
            case .bothWrongSameAnswer: bothWrongSameAnswer += 1
            case .bothWrongDifferentAnswers: bothWrongDifferentAnswers += 1
            }
        }

        /// The count of `outcome`.
        public subscript(outcome: ComparisonOutcome) -> Int {
            switch outcome {
            case .bothCorrect: return bothCorrect
            case .onlyFirstWrong: return onlyFirstWrong
            case .onlySecondWrong: return onlySecondWrong
            case .bothWrongSameAnswer: return bothWrongSameAnswer
            case .bothWrongDifferentAnswers: return bothWrongDifferentAnswers
            }
        }

        /// Questions whose answers differ.
        public var answersDiffer: Int { onlyFirstWrong + onlySecondWrong + bothWrongDifferentAnswers }
        /// Questions both models get wrong.
        public var bothWrong: Int { bothWrongSameAnswer + bothWrongDifferentAnswers }
    }

    /// Questions of one carry pattern that either model answers wrongly, by outcome (the
    /// pattern's questions both answer correctly are not counted).
    public struct PatternCounts: Codable, Equatable, Sendable {
        /// Questions of each wrong ``ComparisonOutcome``.
        public var onlyFirstWrong = 0
        public var onlySecondWrong = 0
        public var bothWrongSameAnswer = 0
        public var bothWrongDifferentAnswers = 0

        /// Adds one question of `outcome` (``ComparisonOutcome/bothCorrect`` is not counted).
        public mutating func add(_ outcome: ComparisonOutcome) {
            switch outcome {
            case .bothCorrect: break
            case .onlyFirstWrong: onlyFirstWrong += 1
            case .onlySecondWrong: onlySecondWrong += 1
            case .bothWrongSameAnswer: bothWrongSameAnswer += 1
            case .bothWrongDifferentAnswers: bothWrongDifferentAnswers += 1
            }
        }
    }

    /// One answer digit A(k): questions where that digit is wrong in one model only or
    /// in both, and where the two predicted digits differ.
    public struct DigitCounts: Codable, Equatable, Sendable {
        /// `A3`, …, `A0`.
        public var digit: String
        /// Questions whose digit is wrong in the first model only, the second only, both.
        public var onlyFirstWrong = 0
        public var onlySecondWrong = 0
        public var bothWrong = 0
        /// The two models predict different tokens for this digit.
        public var predictionsDiffer = 0
    }

    /// One question the two models answer differently.
    public struct DifferingQuestion: Codable, Equatable, Sendable {
        /// Canonical index a·10^n + b.
        public var index: Int
        /// `a+b`, operands zero padded to n digits.
        public var question: String
        /// The true answer and each model's, A(n)..A0.
        public var trueAnswer: String
        public var firstAnswer: String
        public var secondAnswer: String
        /// How the two answers relate.
        public var outcome: ComparisonOutcome
        /// The carry pattern, most significant column first.
        public var pattern: String
    }

    /// 95% Wilson intervals of the rates over a sample.
    public struct Rates: Codable, Equatable, Sendable {
        /// Each model's failure rate, then the rates of differing answers and of each wrong outcome.
        public var firstFailure: WilsonInterval
        public var secondFailure: WilsonInterval
        public var answersDiffer: WilsonInterval
        public var onlyFirstWrong: WilsonInterval
        public var onlySecondWrong: WilsonInterval
        public var bothWrong: WilsonInterval
    }

    /// The schema version of `compare --json`.
    public static let currentFormat = "carrylens-comparison/1"
    public var format = ModelComparison.currentFormat
    /// Digits per operand.
    public var nDigits: Int
    /// The questions compared.
    public var scope: ComparisonScope
    /// The first and second model (A and B).
    public var first: Side
    public var second: Side
    /// Questions of each outcome.
    public var outcomes: OutcomeCounts
    /// Per answer digit, A(n)..A0.
    public var perDigit: [DigitCounts]
    /// Per carry pattern (only patterns with a wrong answer in either model).
    public var byPattern: [String: PatternCounts]
    /// Questions whose answers differ and that either model leaves undecided.
    public var differingUndecided: Int
    /// Wilson intervals; nil unless the scope is a sample.
    public var rates: Rates?
    /// The first questions (in index order) whose answers differ, at most the list limit.
    public var differing: [DifferingQuestion]

    /// Compares two models' decisions over `scope` (both must cover exactly it).
    /// `listLimit` bounds how many differing questions are listed.
    public init(task: AdditionTask, scope: ComparisonScope, first: ComparedDecisions, second: ComparedDecisions, listLimit: Int = 20) {
        let n = task.digitCount
        nDigits = n
        self.scope = scope
        self.first = Side(model: first.model, evaluator: first.evaluator, failures: first.failures.count, undecided: first.undecided)
        self.second = Side(model: second.model, evaluator: second.evaluator, failures: second.failures.count, undecided: second.undecided)
        let firstByIndex = Dictionary(first.failures.map { ($0.index, $0) }, uniquingKeysWith: { a, _ in a })
        let secondByIndex = Dictionary(second.failures.map { ($0.index, $0) }, uniquingKeysWith: { a, _ in a })
        let wrongInEither = Set(firstByIndex.keys).union(secondByIndex.keys).sorted()
        let undecided = Set(first.undecided).union(second.undecided)

        var outcomes = OutcomeCounts()
        var perDigit = (0...n).map { DigitCounts(digit: AnswerDigit(place: n - $0).description) }
        var byPattern: [String: PatternCounts] = [:]
        var differing: [DifferingQuestion] = []
        var differingUndecided = 0
        for index in wrongInEither {
            let a = firstByIndex[index], b = secondByIndex[index]
            let outcome = ComparisonOutcome(first: a, second: b)
            outcomes.add(outcome)
            let question = task.question(atIndex: index)
            byPattern[question.pattern.description, default: PatternCounts()].add(outcome)
            let truth = question.answerText
            let firstAnswer = a?.modelAnswer ?? truth, secondAnswer = b?.modelAnswer ?? truth
            let x = Array(firstAnswer), y = Array(secondAnswer), t = Array(truth)
            for slot in 0...n where slot < x.count && slot < y.count && slot < t.count {
                switch (x[slot] != t[slot], y[slot] != t[slot]) {
                case (true, false): perDigit[slot].onlyFirstWrong += 1
                case (false, true): perDigit[slot].onlySecondWrong += 1
                case (true, true): perDigit[slot].bothWrong += 1
                case (false, false): break
                }
                if x[slot] != y[slot] { perDigit[slot].predictionsDiffer += 1 }
            }
            guard outcome.answersDiffer else { continue }
            if undecided.contains(index) { differingUndecided += 1 }
            if differing.count < listLimit {
                differing.append(DifferingQuestion(index: index, question: question.description, trueAnswer: truth,
                                                   firstAnswer: firstAnswer, secondAnswer: secondAnswer, outcome: outcome,
                                                   pattern: question.pattern.description))
            }
        }
        outcomes.bothCorrect = scope.count - wrongInEither.count
        self.outcomes = outcomes
        self.perDigit = perDigit
        self.byPattern = byPattern
        self.differing = differing
        self.differingUndecided = differingUndecided
        if scope.kind == .sample {
            let size = scope.count
            rates = Rates(firstFailure: WilsonInterval(successes: first.failures.count, trials: size),
                          secondFailure: WilsonInterval(successes: second.failures.count, trials: size),
                          answersDiffer: WilsonInterval(successes: outcomes.answersDiffer, trials: size),
                          onlyFirstWrong: WilsonInterval(successes: outcomes.onlyFirstWrong, trials: size),
                          onlySecondWrong: WilsonInterval(successes: outcomes.onlySecondWrong, trials: size),
                          bothWrong: WilsonInterval(successes: outcomes.bothWrong, trials: size))
        } else {
            rates = nil
        }
    }
}
