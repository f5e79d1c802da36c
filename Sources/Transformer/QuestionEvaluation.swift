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
    /// Per answer digit, A(n)..A0: how large a margin rounding in the evaluator that
    /// produced this could explain. A digit whose margin is at or below its bound may
    /// be a rounding artefact, and the question must be re-decided exactly. Empty when
    /// the evaluator does not bound its rounding (the reference pass).
    public var roundingBounds: [Float]

    public init(index: Int, predicted: [UInt8], margins: [Float], roundingBounds: [Float] = []) {
        self.index = index
        self.predicted = predicted
        self.margins = margins
        self.roundingBounds = roundingBounds
    }

    /// Whether rounding could have changed this decision: some digit's margin is at or
    /// below its rounding bound, or either is not finite (an overflow or NaN anywhere in
    /// the forward pass decides nothing). Without bounds, true only for a margin that is not finite.
    public var isNearTie: Bool {
        margins.contains { !$0.isFinite } || zip(margins, roundingBounds).contains { margin, bound in !Self.certifies(margin, bound) }
    }

    /// Whether a digit with this margin and rounding bound is decided: both finite and the margin above the bound.
    public static func certifies(_ margin: Float, _ bound: Float) -> Bool {
        margin.isFinite && bound.isFinite && margin > bound
    }

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
    /// Decides again, with this evaluator, at least the answer digits `slots[i]`
    /// (0 = A(n) … n = A0) of `evaluations[i]`, keeping or replacing the others; in order.
    func redecide(_ evaluations: [QuestionEvaluation], slots: [[Int]]) -> [QuestionEvaluation]
}

extension BatchEvaluator {
    /// One range call per index; evaluators with a batched path override this.
    public func evaluate(indices: [Int]) -> [QuestionEvaluation] {
        indices.flatMap { evaluate($0..<($0 + 1)) }
    }

    /// Evaluates the whole questions again; evaluators that can compute single answer
    /// positions override this.
    public func redecide(_ evaluations: [QuestionEvaluation], slots: [[Int]]) -> [QuestionEvaluation] {
        evaluate(indices: evaluations.map(\.index))
    }
}

extension QuestionEvaluation {
    /// The decision of one question from its answer logits (rows A(n)..A0).
    public init<Scalar: BinaryFloatingPoint>(index: Int, answerLogits: [[Scalar]], roundingBounds: [Float] = []) {
        var predicted: [UInt8] = []
        var margins: [Float] = []
        for row in answerLogits {
            let best = argmax(row)
            var runnerUp = -Scalar.infinity
            for token in row.indices where token != best { runnerUp = max(runnerUp, row[token]) }
            predicted.append(UInt8(best))
            margins.append(Float(row[best] - runnerUp))
        }
        self.init(index: index, predicted: predicted, margins: margins, roundingBounds: roundingBounds)
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
