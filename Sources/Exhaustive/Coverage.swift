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
    /// Seed of the sample, if sampled or constructed.
    public var seed: UInt64?

    /// Creates a coverage record.
    public init(kind: CoverageKind, questions: Int, population: Int? = nil, firstIndex: Int? = nil, seed: UInt64? = nil) {
        self.kind = kind
        self.questions = questions
        self.population = population
        self.firstIndex = firstIndex
        self.seed = seed
    }
}
