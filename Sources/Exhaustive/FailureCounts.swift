/// The failure counters every tally of questions keeps: how many questions are wrong, per
/// answer digit, per carry pattern and per longest cascade. Counts of adjacent ranges (or
/// disjoint sets) add up with ``add(_:)-…``. Written flat into the tallies that hold it
/// (`failures`, `per_digit_failures`, `failures_by_pattern`, `failures_by_longest_cascade`).
public struct FailureCounts: Codable, Equatable, Sendable {
    /// Questions with at least one wrong answer digit.
    public var failures: Int
    /// Failures per answer digit, A(n)..A0 (a question can count at several digits).
    public var perDigitFailures: [Int]
    /// Failures per carry pattern (most significant column first).
    public var failuresByPattern: [String: Int]
    /// Failures per longest carry cascade among the wrong digits (keys are decimal numbers).
    public var failuresByLongestCascade: [String: Int]

    /// No failures, for n-digit addition.
    public init(digitCount n: Int) {
        failures = 0
        perDigitFailures = Array(repeating: 0, count: n + 1)
        failuresByPattern = [:]
        failuresByLongestCascade = [:]
    }

    /// Counts one failure.
    public mutating func add(_ failure: FailureRecord, digitCount n: Int) {
        failures += 1
        for digit in failure.wrongDigits where (0...n).contains(digit.place) { perDigitFailures[n - digit.place] += 1 }
        failuresByPattern[failure.pattern, default: 0] += 1
        failuresByLongestCascade[String(failure.longestCascade), default: 0] += 1
    }

    /// Adds the counts of another set of questions.
    public mutating func add(_ other: FailureCounts) {
        failures += other.failures
        for i in perDigitFailures.indices where i < other.perDigitFailures.count { perDigitFailures[i] += other.perDigitFailures[i] }
        for (key, value) in other.failuresByPattern { failuresByPattern[key, default: 0] += value }
        for (key, value) in other.failuresByLongestCascade { failuresByLongestCascade[key, default: 0] += value }
    }
}

/// A tally that keeps ``FailureCounts`` beside counters of its own; its failure counters
/// read as its own properties (`tally.failures`).
public protocol FailureTally {
    var counts: FailureCounts { get set }
}

extension FailureTally {
    public var failures: Int { get { counts.failures } set { counts.failures = newValue } }
    public var perDigitFailures: [Int] { get { counts.perDigitFailures } set { counts.perDigitFailures = newValue } }
    public var failuresByPattern: [String: Int] { get { counts.failuresByPattern } set { counts.failuresByPattern = newValue } }
    public var failuresByLongestCascade: [String: Int] {
        get { counts.failuresByLongestCascade } set { counts.failuresByLongestCascade = newValue }
    }
}
