import Transformer

/// An evaluator that knows how far its margins can be off from exact arithmetic:
/// its evaluations carry per-digit ``QuestionEvaluation/roundingBounds``, and a
/// question with a margin at or below its bound (``QuestionEvaluation/isNearTie``)
/// may be decided differently by exact arithmetic and is re-decided exactly.
public protocol RoundingBoundedEvaluator: BatchEvaluator {}

/// How near ties are recognised.
public enum NearTieRule: Equatable, Sendable, CustomStringConvertible {
    /// Smallest margin below a fixed value.
    case fixed(Float)
    /// Some digit's margin at or below the rounding bound the evaluator gave it
    /// (``RoundingBoundedEvaluator``).
    case fromEvaluator

    /// The default for `evaluator`: its own threshold if it has one, otherwise ``defaultFixedMargin``.
    public static func `default`(for evaluator: any BatchEvaluator) -> NearTieRule {
        evaluator is any RoundingBoundedEvaluator ? .fromEvaluator : .fixed(defaultFixedMargin)
    }

    /// Fixed margin used for evaluators that do not bound their rounding: 0.01 logits,
    /// far above fp32 summation-order differences in a 510-wide residual stream.
    public static let defaultFixedMargin: Float = 0.01

    /// Recorded in results (`near_tie_rule`), e.g. `fixed:0.01` or `evaluator-per-digit`;
    /// shards decided under different rules are not merged or resumed together.
    public var description: String {
        switch self {
        case .fixed(let margin): return "fixed:\(margin)"
        case .fromEvaluator: return "evaluator-per-digit"
        }
    }

    /// The answer digits (slots, 0 = A(n)) of `evaluation` this rule does not trust:
    /// margin below the fixed value, or at or below the digit's own rounding bound (an
    /// evaluation without bounds falls back to ``defaultFixedMargin``), and any digit whose
    /// margin or bound is not finite. A question with any is a near tie.
    public func untrustedSlots(_ evaluation: QuestionEvaluation) -> [Int] {
        let margins = evaluation.margins
        switch self {
        case .fixed(let margin):
            return margins.indices.filter { !(margins[$0].isFinite && margins[$0] >= margin) }
        case .fromEvaluator where evaluation.roundingBounds.count != margins.count:
            return margins.indices.filter { !(margins[$0].isFinite && margins[$0] >= NearTieRule.defaultFixedMargin) }
        case .fromEvaluator:
            return margins.indices.filter { !QuestionEvaluation.certifies(margins[$0], evaluation.roundingBounds[$0]) }
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
}
