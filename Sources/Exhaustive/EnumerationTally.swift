/// Counts over a contiguous range of questions. Tallies of adjacent ranges add up
/// (``add(_:)``) to the tally of their union, in index order.
public struct EnumerationTally: Codable, Equatable, Sendable, FailureTally {
    /// Questions counted.
    public var questions: Int
    /// Wrong questions, per digit, per pattern, per cascade.
    public var counts: FailureCounts
    /// Near ties in index order (machine-dependent: which questions the fp32 path could not trust).
    public var nearTies: [NearTieDecision]
    /// Smallest margins.
    public var marginHistogram: MarginHistogram

    /// An empty tally for n-digit addition.
    public init(digitCount n: Int) {
        questions = 0
        counts = FailureCounts(digitCount: n)
        nearTies = []
        marginHistogram = MarginHistogram()
    }

    /// Counts one failure.
    public mutating func add(_ failure: FailureRecord, digitCount n: Int) {
        counts.add(failure, digitCount: n)
    }

    /// Adds the tally of the range that follows this one.
    public mutating func add(_ other: EnumerationTally) {
        questions += other.questions
        counts.add(other.counts)
        nearTies += other.nearTies
        marginHistogram.add(other.marginHistogram)
    }

    private enum CodingKeys: String, CodingKey { case questions, nearTies, marginHistogram }

    /// Reads the flat form: the failure counters beside the tally's own keys.
    public init(from decoder: any Decoder) throws {
        counts = try FailureCounts(from: decoder)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        questions = try container.decode(Int.self, forKey: .questions)
        nearTies = try container.decode([NearTieDecision].self, forKey: .nearTies)
        marginHistogram = try container.decode(MarginHistogram.self, forKey: .marginHistogram)
    }

    /// Writes the flat form.
    public func encode(to encoder: any Encoder) throws {
        try counts.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(questions, forKey: .questions)
        try container.encode(nearTies, forKey: .nearTies)
        try container.encode(marginHistogram, forKey: .marginHistogram)
    }

    /// Near ties that no evaluator decided, in index order: the exact evaluator's
    /// margin was within its own rounding bound, or there was no exact evaluator.
    public var undecided: [Int] { nearTies.filter(\.isUndecided).map(\.index) }
}
