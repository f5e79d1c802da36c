import AdditionTask
import Foundation

/// The fast evaluator's computation carried out in fp64: ``EvaluationKernel`` in
/// `Double` on the same one-layer tables (unrounded), the MLP and unembedding through
/// ``FixedOrderProduct``, every other step in the kernel's fixed loops. Every operation
/// and its order are fixed by this code, not by the CPU or a BLAS library, so its logits
/// are the same bits on every machine, in any batch and at any thread count: the
/// decisions and real numbers derived from it are reproducible. It re-decides the fast
/// path's near ties far faster than the full-sequence reference pass, and states its own
/// (fp64) rounding bound; `Tests/TransformerTests` checks it against the reference pass.
public struct ExactTableEvaluator: BatchEvaluator {
    let fast: FastEvaluator
    let kernel: EvaluationKernel<Double>
    let bounds: RoundingBounds
    public var task: AdditionTask { fast.task }

    /// - Parameter weights: the fp64 weights of an evaluator of the same model, shared; nil: widened here.
    init(_ fast: FastEvaluator, weights: KernelWeights<Double>? = nil) {
        self.fast = fast
        kernel = EvaluationKernel(model: fast.model, tables: fast.doubleTables, headReplacements: fast.headReplacement, weights: weights)
        bounds = fast.bounds.withUnitRoundoff(EvaluationKernel<Double>.unitRoundoff)
    }

    /// The same model under another ablation, in fp64: the fast evaluator's
    /// ``FastEvaluator/ablated(_:)`` (attention tables shared where they can be) and this
    /// evaluator's weights, already widened to fp64.
    public func ablated(_ ablation: Ablation) -> ExactTableEvaluator {
        ExactTableEvaluator(fast.ablated(ablation), weights: kernel.weights)
    }

    public func evaluate(_ indices: Range<Int>) -> [QuestionEvaluation] { evaluate(indices: Array(indices)) }

    /// Answer rows (question, slot) per batch of matrix products.
    static let rowBatchSize = 256

    public func evaluate(indices: [Int]) -> [QuestionEvaluation] {
        let slots = fast.slots
        let rows = rowLogits(indices.flatMap { index in (0..<slots).map { AnswerRow(index: index, slot: $0) } })
        return indices.indices.map { offset in
            let mine = rows[(offset * slots)..<((offset + 1) * slots)]
            return QuestionEvaluation(index: indices[offset], answerLogits: mine.map(\.logits), roundingBounds: mine.map(\.roundingBound))
        }
    }

    /// Decides exactly only the requested answer digits of each evaluation and keeps
    /// the others (already trusted by their own rounding bounds): each answer row is
    /// computed independently, so this costs a fraction of whole questions.
    public func redecide(_ evaluations: [QuestionEvaluation], slots: [[Int]]) -> [QuestionEvaluation] {
        let requests = zip(evaluations, slots).flatMap { evaluation, slots in slots.map { AnswerRow(index: evaluation.index, slot: $0) } }
        var results = rowLogits(requests).makeIterator()
        return zip(evaluations, slots).map { evaluation, slots in
            var decided = evaluation
            if decided.roundingBounds.count != decided.margins.count {
                decided.roundingBounds = [Float](repeating: 0, count: decided.margins.count)
            }
            for slot in slots {
                guard let row = results.next() else { break }
                let decision = QuestionEvaluation(index: evaluation.index, answerLogits: [row.logits], roundingBounds: [row.roundingBound])
                decided.predicted[slot] = decision.predicted[0]
                decided.margins[slot] = decision.margins[0]
                decided.roundingBounds[slot] = row.roundingBound
            }
            return decided
        }
    }

    /// Logits A(n)..A0 of one question, fp64, and each row's margin rounding bound.
    public func logits(index: Int) -> (rows: [[Double]], roundingBounds: [Float]) {
        let rows = rowLogits((0..<fast.slots).map { AnswerRow(index: index, slot: $0) })
        return (rows.map(\.logits), rows.map(\.roundingBound))
    }

    /// One answer-predicting position of one question: slot 0 predicts A(n) at `=`.
    public struct AnswerRow: Sendable, Equatable {
        public let index: Int
        public let slot: Int
        public init(index: Int, slot: Int) {
            self.index = index
            self.slot = slot
        }
    }

    /// The 12 fp64 logits of each requested answer row, in order. Each row's bits
    /// depend only on the model, its ablation and the row: not on the machine, the
    /// batch it shares or the thread computing it.
    public func logits(rows: [AnswerRow]) -> [[Double]] { rowLogits(rows).map(\.logits) }

    /// The 12 logits of each requested row and its margin rounding bound, in order; the
    /// MLP runs as one pair of fixed-order products per ``rowBatchSize`` rows.
    func rowLogits(_ requests: [AnswerRow]) -> [(logits: [Double], roundingBound: Float)] {
        stride(from: 0, to: requests.count, by: Self.rowBatchSize).flatMap { start in
            rowLogits(batch: requests[start..<min(requests.count, start + Self.rowBatchSize)])
        }
    }

    private func rowLogits(batch requests: ArraySlice<AnswerRow>) -> [(logits: [Double], roundingBound: Float)] {
        let v = fast.vocabulary
        let scratch = KernelScratch<Double>(shape: kernel.shape, rows: requests.count)
        var tokensIndex = -1
        kernel.evaluateRows(requests.count, scratch: scratch) { r, tokens in
            let request = requests[requests.startIndex + r]
            if request.index != tokensIndex {
                for (position, token) in task.question(atIndex: request.index).teacherForcedTokens.enumerated() { tokens[position] = token }
                tokensIndex = request.index
            }
            return request.slot
        }
        return withExtendedLifetime(scratch) {
            (0..<requests.count).map { r in
                (Array(UnsafeBufferPointer(start: scratch.logits + r * v, count: v)),
                 bounds.logitMarginBound(RowStatistics(scratch.statistics + r * RowStatistics.count)))
            }
        }
    }
}

extension FastEvaluator {
    /// The same computation in fp64, to re-decide this evaluator's near ties. Each
    /// access widens the MLP weights to fp64: take it once and keep it.
    public var exact: ExactTableEvaluator { ExactTableEvaluator(self) }
}
