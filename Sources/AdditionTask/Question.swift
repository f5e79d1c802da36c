/// One question `a + b` of an ``AdditionTask``.
public struct Question: Hashable, Sendable, CustomStringConvertible {
    public let a: Int
    public let b: Int
    public let task: AdditionTask

    public init(a: Int, b: Int, task: AdditionTask) {
        self.a = a
        self.b = b
        self.task = task
    }

    /// The true sum a + b.
    public var sum: Int { a + b }

    /// Canonical index a·10^n + b.
    public var index: Int { task.index(of: self) }

    /// Digit `column` of the first operand (column 0 is least significant).
    public func firstDigit(_ column: Int) -> Int { (a / power10(column)) % 10 }

    /// Digit `column` of the second operand.
    public func secondDigit(_ column: Int) -> Int { (b / power10(column)) % 10 }

    /// Pair sum s_k = D_k + D'_k of column k.
    public func pairSum(_ column: Int) -> Int { firstDigit(column) + secondDigit(column) }

    /// The question tokens followed by `=`: `D(n-1)..D0 + D'(n-1)..D'0 =` (2n + 2 tokens).
    public var questionTokens: [Int] {
        let n = task.digitCount
        var tokens: [Int] = []
        tokens.reserveCapacity(2 * n + 2)
        for column in stride(from: n - 1, through: 0, by: -1) { tokens.append(firstDigit(column)) }
        tokens.append(Token.plus)
        for column in stride(from: n - 1, through: 0, by: -1) { tokens.append(secondDigit(column)) }
        tokens.append(Token.equals)
        return tokens
    }

    /// The true answer digits A(n)..A0, most significant first.
    public var answerDigits: [Int] {
        let n = task.digitCount
        return (0...n).reversed().map { (sum / power10($0)) % 10 }
    }

    /// The teacher-forced model input: question, `=`, and A(n)..A1 (3n + 2 tokens).
    public var teacherForcedTokens: [Int] { questionTokens + answerDigits.dropLast() }

    /// Written form `a+b`, zero padded: `00445+00555`.
    public var description: String {
        let n = task.digitCount
        return padded(a, n) + "+" + padded(b, n)
    }

    /// The true answer written with n + 1 digits: `01000`.
    public var answerText: String { answerDigits.map(String.init).joined() }

    /// The carry chain of true addition for this question.
    public var carries: CarryChain { CarryChain(question: self) }

    /// The per-column pair-sum classes, most significant column first.
    public var pattern: CarryPattern {
        CarryPattern(classes: (0..<task.digitCount).reversed().map { PairSumClass(pairSum: pairSum($0)) })
    }
}

/// `value` zero padded to `width` decimal digits.
public func padded(_ value: Int, _ width: Int) -> String {
    let text = String(value)
    return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
}
