/// How a set of questions was chosen, and so what a number computed over it may claim.
public enum CoverageKind: String, Codable, Hashable, Sendable, CaseIterable {
    /// Every question of the population: the number is exact.
    case exhaustive
    /// A seeded uniform sample: the number is an estimate (with an interval where one is given).
    case sampled
    /// A seeded sample built to have a property (e.g. runs of sum-9 columns): neither exact nor
    /// uniform over the population.
    case constructed
    /// No questions: read from the weights or the model's structure.
    case structural
    /// Every question of some index ranges, plus a seeded uniform sample of the rest: exact for
    /// the ranges, an estimate for the whole population. Never exhaustive.
    case partial

    /// Whether a number over these questions is exact for the whole population.
    public var isExhaustive: Bool { self == .exhaustive }
}

/// Which questions a number is computed over: one vocabulary for every stage's results
/// (the enumeration or sample, the interpretation's steps, the report's summary).
public struct Coverage: Codable, Hashable, Sendable {
    /// How the questions were chosen.
    public var kind: CoverageKind
    /// How many questions the number is computed over.
    public var questions: Int
    /// How many questions the population has (when known).
    public var population: Int?
    /// First canonical index, for a contiguous range of questions.
    public var firstIndex: Int?
    /// Seed of the sample, if sampled or constructed (for `partial`, of the rest's sample).
    public var seed: UInt64?
    /// Kind `partial`: the index ranges [first, end) of which every question was evaluated.
    public var measured: [[Int]]? = nil
    /// Kind `partial`: questions in ``measured``.
    public var measuredQuestions: Int? = nil
    /// Kind `partial`: the uniform sample of the questions outside ``measured``.
    public var restSample: RestSample? = nil

    /// The uniform sample of the unmeasured questions of a partial run.
    public struct RestSample: Codable, Hashable, Sendable {
        /// Its size.
        public var questions: Int
        /// The unmeasured questions it was drawn from.
        public var population: Int
        public var seed: UInt64
        /// Questions of the sample the network answers wrongly.
        public var failures: Int
        /// Their rate, with its 95% Wilson interval.
        public var failureRate: WilsonInterval

        public init(questions: Int, population: Int, seed: UInt64, failures: Int, failureRate: WilsonInterval) {
            self.questions = questions
            self.population = population
            self.seed = seed
            self.failures = failures
            self.failureRate = failureRate
        }
    }

    /// Creates a coverage record.
    public init(kind: CoverageKind, questions: Int, population: Int? = nil, firstIndex: Int? = nil, seed: UInt64? = nil) {
        self.kind = kind
        self.questions = questions
        self.population = population
        self.firstIndex = firstIndex
        self.seed = seed
    }
}
