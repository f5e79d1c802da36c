import AdditionTask

/// Selects failures by wrong answer digit and by carry pattern.
public struct FailureFilter: Sendable, Equatable {
    /// Keep failures whose wrong digits include A(k).
    public var digit: Int?
    /// Keep failures whose pattern matches, column by column (most significant first);
    /// `?` matches any class.
    public var pattern: String?

    /// Checks the filter against n-digit addition.
    public init(digit: Int? = nil, pattern: String? = nil, digitCount n: Int) throws {
        if let digit, !(0...n).contains(digit) { throw ExhaustiveError.invalidDigitFilter(digit, digitCount: n) }
        if let pattern {
            guard pattern.count == n, pattern.allSatisfy({ "C9_?".contains($0) }) else {
                throw ExhaustiveError.malformedPatternFilter(pattern, digitCount: n)
            }
        }
        self.digit = digit
        self.pattern = pattern
    }

    /// Whether `failure` is selected.
    public func matches(_ failure: FailureRecord) -> Bool {
        if let digit, !failure.wrongDigits.contains(AnswerDigit(place: digit)) { return false }
        if let pattern {
            guard pattern.count == failure.pattern.count else { return false }
            for (wanted, actual) in zip(pattern, failure.pattern) where wanted != "?" && wanted != actual { return false }
        }
        return true
    }
}
