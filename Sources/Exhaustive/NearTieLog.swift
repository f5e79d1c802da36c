/// What a result keeps of its near ties: counts, a histogram of their fp32 margins,
/// every undecided question, and a bounded list of the decisions worth reading.
///
/// A whole n = 5 run has hundreds of millions of near ties, so they are not listed one
/// by one (that took about 180 MB per 1/256 shard); their decisions are in the counts
/// of `summary.json` all the same. Listed: the near ties whose exact decision differs
/// from the fast one or that no evaluator decided, in index (or sample) order, at most
/// ``listLimit`` of them; ``unlisted`` counts the rest of those. Logs of adjacent
/// ranges add up (``add(_:)``) to the log of their union, in index order.
public struct NearTieLog: Codable, Equatable, Sendable {
    /// Near ties: questions with some digit the fast path could not trust.
    public var count: Int
    /// Near ties whose exact decision differs from the fast one.
    public var changed: Int
    /// Near ties that no evaluator decided, every one, in order (see ``EnumerationSummary/undecided``).
    public var undecided: [Int]
    /// The fast path's smallest margin of each near tie, in ``fastMarginBins``.
    public var fastMargins: MarginHistogram
    /// Changed or undecided near ties, the first ``listLimit`` in order.
    public var listed: [NearTieDecision]
    /// Changed or undecided near ties beyond ``listLimit`` (not listed).
    public var unlisted: Int

    /// At most this many decisions are listed (about 150 KB of JSON).
    public static let listLimit = 1000
    /// Bins of ``fastMargins``: near ties have margins within their digit's rounding
    /// bound, which at n = 5 reaches past 0.1 logits.
    public static let fastMarginBins: [Double] = [0, 1e-5, 1e-4, 1e-3, 0.01, 0.1, 0.25, 0.5, 1, 2, 4]

    /// An empty log.
    public init() {
        count = 0
        changed = 0
        undecided = []
        fastMargins = MarginHistogram(lowerEdges: Self.fastMarginBins)
        listed = []
        unlisted = 0
    }

    /// The log of a list of near ties in order (e.g. a chunk's).
    public init(_ decisions: [NearTieDecision]) {
        self.init()
        for decision in decisions { append(decision) }
    }

    /// Whether a decision is listed: changed, or decided by no evaluator.
    public static func isNotable(_ decision: NearTieDecision) -> Bool {
        decision.changedDecision || decision.isUndecided
    }

    /// Counts the next near tie.
    public mutating func append(_ decision: NearTieDecision) {
        count += 1
        if decision.changedDecision { changed += 1 }
        if decision.isUndecided { undecided.append(decision.index) }
        fastMargins.add(decision.fastSmallestMargin)
        if Self.isNotable(decision) {
            if listed.count < Self.listLimit { listed.append(decision) } else { unlisted += 1 }
        }
    }

    /// Adds the log of the range that follows.
    public mutating func add(_ other: NearTieLog) {
        count += other.count
        changed += other.changed
        undecided += other.undecided
        fastMargins.add(other.fastMargins)
        let room = max(0, Self.listLimit - listed.count)
        listed += other.listed.prefix(room)
        unlisted += other.unlisted + max(0, other.listed.count - room)
    }
}

extension NearTieDecision {
    /// No evaluator decided it: the exact margin was within its own bound, or there was no exact evaluator.
    public var isUndecided: Bool { exactUndecided == true || exactAnswer == nil }
}

/// The counts of a range as a long run accumulates them: like ``EnumerationTally`` but
/// with near ties as a bounded ``NearTieLog``, so checkpoints and `margins.json` stay
/// small at any size (only the undecided list grows, and it is reported whole).
public struct RunTally: Codable, Equatable, Sendable, FailureTally {
    /// Questions counted.
    public var questions: Int
    /// Wrong questions, per digit, per pattern, per cascade.
    public var counts: FailureCounts
    /// Smallest margin of every question (of the evaluation that decided it).
    public var marginHistogram: MarginHistogram
    /// The near ties, counted (``NearTieLog``).
    public var nearTies: NearTieLog

    /// An empty tally for n-digit addition.
    public init(digitCount n: Int) {
        questions = 0
        counts = FailureCounts(digitCount: n)
        marginHistogram = MarginHistogram()
        nearTies = NearTieLog()
    }

    /// The tally of a range evaluated in memory.
    public init(_ tally: EnumerationTally) {
        self.init(digitCount: tally.perDigitFailures.count - 1)
        add(tally)
    }

    /// Adds the in-memory tally of the chunk that follows.
    public mutating func add(_ chunk: EnumerationTally) {
        questions += chunk.questions
        counts.add(chunk.counts)
        marginHistogram.add(chunk.marginHistogram)
        for decision in chunk.nearTies { nearTies.append(decision) }
    }

    /// Adds the tally of the range that follows.
    public mutating func add(_ other: RunTally) {
        questions += other.questions
        counts.add(other.counts)
        marginHistogram.add(other.marginHistogram)
        nearTies.add(other.nearTies)
    }

    private enum CodingKeys: String, CodingKey { case questions, marginHistogram, nearTies }

    /// Reads the flat form: the failure counters beside the tally's own keys.
    public init(from decoder: any Decoder) throws {
        counts = try FailureCounts(from: decoder)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        questions = try container.decode(Int.self, forKey: .questions)
        marginHistogram = try container.decode(MarginHistogram.self, forKey: .marginHistogram)
        nearTies = try container.decode(NearTieLog.self, forKey: .nearTies)
    }

    /// Writes the flat form.
    public func encode(to encoder: any Encoder) throws {
        try counts.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(questions, forKey: .questions)
        try container.encode(marginHistogram, forKey: .marginHistogram)
        try container.encode(nearTies, forKey: .nearTies)
    }
}
