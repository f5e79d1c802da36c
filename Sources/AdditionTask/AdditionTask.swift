import Foundation

/// The `AdditionTask` module owns everything about the addition task itself,
/// independent of any network: the question layout and its tokens, canonical
/// question indices, true answers, carry chains, per-column pair-sum classes and
/// the classification of wrong answers by carry pattern.

/// The n-digit addition task `D(n-1)..D0 + D'(n-1)..D'0 = A(n)..A0`.
///
/// Operands are zero padded to `digitCount` digits, most significant digit first.
/// The answer has `digitCount + 1` digits; `A(n)` is the final carry. The answer
/// is written most significant digit first (not reversed).
public struct AdditionTask: Hashable, Sendable, CustomStringConvertible {
    /// The smallest and largest supported number of digits per operand.
    ///
    /// Canonical indices `a·10^n + b` must fit in `Int`: 10^(2n) ≤ 10^18 for n ≤ 9.
    public static let supportedDigitCounts: ClosedRange<Int> = 1...9

    /// n, the number of digits of each operand.
    public let digitCount: Int

    /// Creates the task for `digitCount` digits, or throws if it is outside
    /// ``supportedDigitCounts``.
    public init(digitCount: Int) throws {
        guard Self.supportedDigitCounts.contains(digitCount) else {
            throw AdditionTaskError.unsupportedDigitCount(digitCount)
        }
        self.digitCount = digitCount
    }

    /// 10^n: the number of values each operand can take.
    public var operandCount: Int { power10(digitCount) }

    /// 10^(2n): the number of distinct questions.
    public var questionCount: Int { power10(2 * digitCount) }

    /// The number of answer digits, n + 1.
    public var answerDigitCount: Int { digitCount + 1 }

    /// The context length of a model trained on this task: 3n + 3 tokens.
    public var contextLength: Int { 3 * digitCount + 3 }

    /// The number of tokens fed to the model for teacher-forced evaluation:
    /// the question, `=`, and every answer digit but the last (3n + 2).
    public var inputLength: Int { 3 * digitCount + 2 }

    /// Position of the `+` token.
    public var plusPosition: Int { digitCount }

    /// Position of the `=` token, which predicts A(n).
    public var equalsPosition: Int { 2 * digitCount + 1 }

    /// The answer digits in the order they are emitted: A(n), A(n-1), …, A0.
    public var answerDigits: [AnswerDigit] {
        (0...digitCount).reversed().map { AnswerDigit(place: $0) }
    }

    /// The position whose output predicts `digit` (teacher forcing):
    /// A(n-i) is predicted at position 2n+1+i.
    public func predictingPosition(of digit: AnswerDigit) -> Int {
        equalsPosition + (digitCount - digit.place)
    }

    /// The answer digit predicted at `position`, if that position predicts one.
    public func answerDigit(predictedAt position: Int) -> AnswerDigit? {
        let offset = position - equalsPosition
        guard offset >= 0, offset <= digitCount else { return nil }
        return AnswerDigit(place: digitCount - offset)
    }

    /// Position of digit `D_column` of the first operand (column 0 is least significant).
    public func firstOperandPosition(column: Int) -> Int { digitCount - 1 - column }

    /// Position of digit `D'_column` of the second operand.
    public func secondOperandPosition(column: Int) -> Int { 2 * digitCount - column }

    /// The column (0 = least significant) and operand (0 or 1) of a question position,
    /// or nil for `+`, `=` and answer positions.
    public func operandColumn(at position: Int) -> (operand: Int, column: Int)? {
        if position >= 0 && position < digitCount { return (0, digitCount - 1 - position) }
        if position > digitCount && position <= 2 * digitCount { return (1, 2 * digitCount - position) }
        return nil
    }

    /// A one-line picture of the layout, e.g. `D4..D0 + D'4..D'0 = A5..A0 (18 tokens)`.
    public var description: String {
        let hi = digitCount - 1
        return "D\(hi)..D0 + D'\(hi)..D'0 = A\(digitCount)..A0 (context \(contextLength) tokens, \(questionCount) questions)"
    }

    /// The question with canonical index `index` = a·10^n + b.
    public func question(atIndex index: Int) -> Question {
        Question(a: index / operandCount, b: index % operandCount, task: self)
    }

    /// Canonical index a·10^n + b of a question.
    public func index(of question: Question) -> Int { question.a * operandCount + question.b }
}

/// Errors of the task layer.
public enum AdditionTaskError: Error, Equatable, CustomStringConvertible {
    case unsupportedDigitCount(Int)
    /// A question not of the form `a+b` with operands of decimal digits (text shortened).
    case malformedQuestion(String)
    /// An operand with more than n digits (text shortened).
    case operandOutOfRange(String, digitCount: Int)
    /// A question or input line longer than ``AdditionTask/maximumQuestionLength`` bytes.
    case questionTooLong(length: Int, limit: Int)
    case malformedPattern(String)

    public var description: String {
        switch self {
        case .unsupportedDigitCount(let n):
            return "unsupported number of digits \(n): CarryLens supports \(AdditionTask.supportedDigitCounts.lowerBound) to \(AdditionTask.supportedDigitCounts.upperBound) digits per operand"
        case .malformedQuestion(let text):
            return "malformed question '\(text)': expected 'a+b' with operands of decimal digits (no sign)"
        case .operandOutOfRange(let text, let n):
            return "question '\(text)': operands must be between 0 and \(power10(n) - 1) for \(n)-digit addition, written with at most \(n) digits"
        case .questionTooLong(let length, let limit):
            return "question of \(length) bytes is longer than the limit of \(limit) bytes"
        case .malformedPattern(let text):
            return "malformed carry pattern '\(text)': expected one of 'C', '9', '_' per column"
        }
    }
}

/// 10^k for small non-negative k (k ≤ 18).
@inlinable
public func power10(_ k: Int) -> Int {
    var result = 1
    for _ in 0..<k { result *= 10 }
    return result
}

extension AdditionTask {
    /// The symbol of input position `position` in the layout
    /// `D(n-1)..D0 + D'(n-1)..D'0 = A(n)..A1`: `D2`, `+`, `D'0`, `=`, or `A3` (the
    /// teacher-forced answer digit fed in there).
    public func positionLabel(_ position: Int) -> String {
        if let (operand, column) = operandColumn(at: position) { return operand == 0 ? "D\(column)" : "D'\(column)" }
        if position == plusPosition { return "+" }
        if position == equalsPosition { return "=" }
        return "A\(digitCount - (position - equalsPosition - 1))"
    }

    /// The labels of every input position, in order (3n + 2 of them; A0 is predicted, never fed in).
    public var positionLabels: [String] { (0..<inputLength).map(positionLabel) }
}
