import AdditionTask
import Foundation
import Transformer

/// A model-free evaluator that answers with the paper's one-level carry algorithm:
/// A_k = (BA_k + c'_k) mod 10 with c'_k = MC1_(k-1) ∨ (MS9_(k-1) ∧ MC1_(k-2)), A_n = c'_n.
/// It is wrong exactly where a carry cascades through two or more sum-9 columns.
///
/// For testing and debugging the enumeration plumbing (`carrylens enumerate --toy-evaluator`):
/// instant, deterministic, with chosen near ties.
public struct OneLevelCarryEvaluator: BatchEvaluator {
    public let task: AdditionTask
    /// Questions whose index is a multiple of this get smallest margin ``nearTieMarginValue`` at A0 (nil: none).
    public let nearTieEvery: Int?
    /// The margin given to near ties.
    public let nearTieMarginValue: Float
    /// Seconds to sleep per `evaluate` call, to make runs slow enough to interrupt.
    public let delayPerCall: Double

    public init(task: AdditionTask, nearTieEvery: Int? = nil, nearTieMarginValue: Float = 0.001, delayPerCall: Double = 0) {
        self.task = task
        self.nearTieEvery = nearTieEvery
        self.nearTieMarginValue = nearTieMarginValue
        self.delayPerCall = delayPerCall
    }

    /// The one-level algorithm's answer A(n)..A0.
    public static func answer(_ question: Question) -> [UInt8] {
        let n = question.task.digitCount
        func makesCarry(_ k: Int) -> Bool { k >= 0 && question.pairSum(k) >= 10 }
        func sumNine(_ k: Int) -> Bool { k >= 0 && question.pairSum(k) == 9 }
        func predictedCarry(_ k: Int) -> Bool { makesCarry(k - 1) || (sumNine(k - 1) && makesCarry(k - 2)) }
        var digits: [UInt8] = [predictedCarry(n) ? 1 : 0]
        for k in stride(from: n - 1, through: 0, by: -1) {
            digits.append(UInt8((question.pairSum(k) % 10 + (predictedCarry(k) ? 1 : 0)) % 10))
        }
        return digits
    }

    public func evaluate(_ indices: Range<Int>) -> [QuestionEvaluation] {
        if delayPerCall > 0 { Thread.sleep(forTimeInterval: delayPerCall) }
        return indices.map { index in
            var margins = [Float](repeating: 10, count: task.answerDigitCount)
            if let every = nearTieEvery, every > 0, index % every == 0 { margins[task.digitCount] = nearTieMarginValue }
            return QuestionEvaluation(index: index, predicted: Self.answer(task.question(atIndex: index)), margins: margins)
        }
    }
}

/// A model-free evaluator that always answers with true addition (margin 10 everywhere):
/// the "exact" side of plumbing tests.
public struct TrueAdditionEvaluator: BatchEvaluator {
    public let task: AdditionTask
    public init(task: AdditionTask) { self.task = task }

    public func evaluate(_ indices: Range<Int>) -> [QuestionEvaluation] {
        indices.map { index in
            QuestionEvaluation(index: index, predicted: task.question(atIndex: index).answerDigits.map { UInt8($0) },
                               margins: [Float](repeating: 10, count: task.answerDigitCount))
        }
    }
}
