import AdditionTask

/// What the network answers on one question, teacher forced: the predicted digit
/// and the logit margin at each answer-predicting position.
public struct QuestionEvaluation: Sendable, Equatable {
    /// Canonical index a·10^n + b.
    public var index: Int
    /// Predicted digits A(n)..A0 (argmax over the 12 tokens; a non-digit token is kept as 10 or 11).
    public var predicted: [UInt8]
    /// Per answer digit, A(n)..A0: the logit of the predicted token minus the best other logit (≥ 0).
    public var margins: [Float]
    /// How large a margin rounding in the evaluator that produced this could explain:
    /// a question whose smallest margin is at or below it is a near tie and must be
    /// re-decided exactly. 0 for the fp64 reference pass.
    public var roundingBound: Float

    public init(index: Int, predicted: [UInt8], margins: [Float], roundingBound: Float = 0) {
        self.index = index
        self.predicted = predicted
        self.margins = margins
        self.roundingBound = roundingBound
    }

    /// Whether rounding could have changed this decision.
    public var isNearTie: Bool { smallestMargin <= roundingBound }

    /// The smallest margin over the answer digits.
    public var smallestMargin: Float { margins.min() ?? 0 }
}

/// Anything that evaluates the network on a range of canonical question indices.
/// Implementations must be safe to call from several threads at once, each call
/// with its own range.
public protocol BatchEvaluator: Sendable {
    var task: AdditionTask { get }
    /// Evaluates every question with index in `indices`, in order.
    func evaluate(_ indices: Range<Int>) -> [QuestionEvaluation]
    /// Evaluates the questions with these indices (any order, repeats allowed), in order.
    func evaluate(indices: [Int]) -> [QuestionEvaluation]
}

extension BatchEvaluator {
    /// One range call per index; evaluators with a batched path override this.
    public func evaluate(indices: [Int]) -> [QuestionEvaluation] {
        indices.flatMap { evaluate($0..<($0 + 1)) }
    }
}

extension QuestionEvaluation {
    /// The decision of one question from its answer logits (rows A(n)..A0).
    public init<Scalar: BinaryFloatingPoint>(index: Int, answerLogits: [[Scalar]], roundingBound: Float = 0) {
        var predicted: [UInt8] = []
        var margins: [Float] = []
        for row in answerLogits {
            let best = argmax(row)
            var runnerUp = -Scalar.infinity
            for token in row.indices where token != best { runnerUp = max(runnerUp, row[token]) }
            predicted.append(UInt8(best))
            margins.append(Float(row[best] - runnerUp))
        }
        self.init(index: index, predicted: predicted, margins: margins, roundingBound: roundingBound)
    }
}

extension ForwardResult {
    /// The evaluation of this result as a ``QuestionEvaluation``.
    public func evaluation(index: Int) -> QuestionEvaluation {
        QuestionEvaluation(index: index, answerLogits: answerLogits)
    }
}

/// The slow, obviously correct evaluator: the reference forward pass on each question.
public struct ReferenceEvaluator<Scalar: ReferenceScalar>: BatchEvaluator {
    public let transformer: ReferenceTransformer<Scalar>
    public var task: AdditionTask { transformer.task }

    public init(_ model: AdditionModel) { transformer = ReferenceTransformer(model) }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func evaluate(_ indices: Range<Int>) -> [QuestionEvaluation] {
        indices.map { transformer.run(task.question(atIndex: $0)).evaluation(index: $0) }
    }
}
