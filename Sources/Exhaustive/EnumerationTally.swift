/// Counts over a contiguous range of questions. Tallies of adjacent ranges add up
/// (``add(_:)``) to the tally of their union, in index order.
public struct EnumerationTally: Codable, Equatable, Sendable {
    /// Questions counted.
    public var questions: Int
    /// Questions with at least one wrong answer digit.
    public var failures: Int
    /// Failures per answer digit, A(n)..A0 (a question can count at several digits).
    public var perDigitFailures: [Int]
    /// Failures per carry pattern (most significant column first).
    public var failuresByPattern: [String: Int]
    /// Failures per longest carry cascade among the wrong digits (keys are decimal numbers).
    public var failuresByLongestCascade: [String: Int]
    /// Near ties in index order (machine-dependent: which questions the fp32 path could not trust).
    public var nearTies: [NearTieDecision]
    /// Smallest margins.
    public var marginHistogram: MarginHistogram

    /// An empty tally for n-digit addition.
    public init(digitCount n: Int) {
        questions = 0
        failures = 0
        perDigitFailures = Array(repeating: 0, count: n + 1)
        failuresByPattern = [:]
        failuresByLongestCascade = [:]
        nearTies = []
        marginHistogram = MarginHistogram()
    }

    /// Counts one failure.
    public mutating func add(_ failure: FailureRecord, digitCount n: Int) {
        failures += 1
        for digit in failure.wrongDigits where (0...n).contains(digit.place) { perDigitFailures[n - digit.place] += 1 }
        failuresByPattern[failure.pattern, default: 0] += 1
        failuresByLongestCascade[String(failure.longestCascade), default: 0] += 1
    }

    /// Adds the tally of the range that follows this one.
    public mutating func add(_ other: EnumerationTally) {
        questions += other.questions
        failures += other.failures
        for i in perDigitFailures.indices where i < other.perDigitFailures.count { perDigitFailures[i] += other.perDigitFailures[i] }
        for (key, value) in other.failuresByPattern { failuresByPattern[key, default: 0] += value }
        for (key, value) in other.failuresByLongestCascade { failuresByLongestCascade[key, default: 0] += value }
        nearTies += other.nearTies
        marginHistogram.add(other.marginHistogram)
    }

    /// Near ties that no evaluator decided, in index order: the exact evaluator's
    /// margin was within its own rounding bound, or there was no exact evaluator.
    public var undecided: [Int] { nearTies.filter(\.isUndecided).map(\.index) }
}
