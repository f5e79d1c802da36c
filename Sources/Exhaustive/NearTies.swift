import Transformer

/// An evaluator that knows how far its margins can be off from exact arithmetic:
/// a question whose smallest margin is below `nearTieThreshold(for:)` may be decided
/// differently by exact arithmetic and is re-decided by the exact evaluator.
public protocol RoundingBoundedEvaluator: BatchEvaluator {
    /// The margin below which `evaluation` cannot be trusted.
    func nearTieThreshold(for evaluation: QuestionEvaluation) -> Float
}

/// How near ties are recognised.
public enum NearTieRule: Equatable, Sendable, CustomStringConvertible {
    /// Smallest margin below a fixed value.
    case fixed(Float)
    /// Smallest margin below the evaluator's own ``RoundingBoundedEvaluator`` threshold.
    case fromEvaluator

    /// The default for `evaluator`: its own threshold if it has one, otherwise ``defaultFixedMargin``.
    public static func `default`(for evaluator: any BatchEvaluator) -> NearTieRule {
        evaluator is any RoundingBoundedEvaluator ? .fromEvaluator : .fixed(defaultFixedMargin)
    }

    /// Fixed margin used for evaluators that do not bound their rounding: 0.01 logits,
    /// far above fp32 summation-order differences in a 510-wide residual stream.
    public static let defaultFixedMargin: Float = 0.01

    /// Recorded in results (`near_tie_rule`), e.g. `fixed:0.01` or `evaluator`.
    public var description: String {
        switch self {
        case .fixed(let margin): return "fixed:\(margin)"
        case .fromEvaluator: return "evaluator"
        }
    }

    /// The threshold for one evaluation.
    func threshold(for evaluation: QuestionEvaluation, evaluator: any BatchEvaluator) -> Float {
        switch self {
        case .fixed(let margin): return margin
        case .fromEvaluator:
            return (evaluator as? any RoundingBoundedEvaluator)?.nearTieThreshold(for: evaluation) ?? NearTieRule.defaultFixedMargin
        }
    }
}

/// A near tie and how it was decided.
public struct NearTieDecision: Codable, Equatable, Sendable {
    /// Canonical index.
    public var index: Int
    /// The fast evaluator's answer A(n)..A0 and its smallest margin.
    public var fastAnswer: String
    public var fastSmallestMargin: Float
    /// Whether the fast answer was right.
    public var fastCorrect: Bool
    /// The exact evaluator's answer (what counts), nil if no exact evaluator was given.
    public var exactAnswer: String?
    public var exactCorrect: Bool?
    /// Set (true) when even the exact evaluator's margin is within its own rounding
    /// bound: the decision is then undecided, not established.
    public var exactUndecided: Bool?

    public init(index: Int, fastAnswer: String, fastSmallestMargin: Float, fastCorrect: Bool,
                exactAnswer: String?, exactCorrect: Bool?) {
        self.index = index; self.fastAnswer = fastAnswer; self.fastSmallestMargin = fastSmallestMargin
        self.fastCorrect = fastCorrect; self.exactAnswer = exactAnswer; self.exactCorrect = exactCorrect
    }

    /// Whether the exact decision differs from the fast one.
    public var changedDecision: Bool { exactAnswer.map { $0 != fastAnswer } ?? false }

    enum CodingKeys: String, CodingKey {
        case index
        case fastAnswer = "fast_answer"
        case fastSmallestMargin = "fast_smallest_margin"
        case fastCorrect = "fast_correct"
        case exactAnswer = "exact_answer"
        case exactCorrect = "exact_correct"
        case exactUndecided = "exact_undecided"
    }
}
