import AdditionTask

/// Selects failures by wrong answer digit, carry pattern and cascade length.
public struct FailureFilter: Sendable, Equatable {
    /// Keep failures whose wrong digits include A(k).
    public var digit: Int?
    /// Keep failures whose pattern matches, column by column (most significant first);
    /// `?` matches any class.
    public var pattern: String?
    /// Keep failures whose longest carry cascade among the wrong digits is this long
    /// (as counted in `failures_by_longest_cascade`).
    public var cascade: Int?

    /// Checks the filter against n-digit addition.
    public init(digit: Int? = nil, pattern: String? = nil, cascade: Int? = nil, digitCount n: Int) throws {
        if let digit, !(0...n).contains(digit) { throw ExhaustiveError.invalidDigitFilter(digit, digitCount: n) }
        if let pattern {
            guard pattern.count == n, pattern.allSatisfy({ "C9_?".contains($0) }) else {
                throw ExhaustiveError.malformedPatternFilter(pattern, digitCount: n)
            }
        }
        if let cascade, !(0...n).contains(cascade) { throw ExhaustiveError.invalidCascadeFilter(cascade, digitCount: n) }
        self.digit = digit
        self.pattern = pattern
        self.cascade = cascade
    }

    /// Whether `failure` is selected.
    public func matches(_ failure: FailureRecord) -> Bool {
        if let digit, !failure.wrongDigits.contains(AnswerDigit(place: digit)) { return false }
        if let pattern {
            guard pattern.count == failure.pattern.count else { return false }
            for (wanted, actual) in zip(pattern, failure.pattern) where wanted != "?" && wanted != actual { return false }
        }
        if let cascade, failure.longestCascade != cascade { return false }
        return true
    }
}

/// Which failures of a result to list: a filter, then optionally a seeded uniform
/// random sample of K of the matching ones, then at most `limit`, in index order.
public struct FailureSelection: Sendable, Equatable {
    /// Which failures qualify (nil: all).
    public var filter: FailureFilter?
    /// Sample size and seed: K of the matching failures, uniformly without repeats
    /// (reservoir sampling in index order with ``SeededGenerator``), the same K for the
    /// same result, filter and seed.
    public var sample: (size: Int, seed: UInt64)? {
        get { sampleSize.map { ($0, sampleSeed) } }
        set { sampleSize = newValue?.size; sampleSeed = newValue?.seed ?? 0 }
    }
    /// At most this many are listed.
    public var limit: Int?
    private var sampleSize: Int?
    private var sampleSeed: UInt64 = 0

    /// A selection; a negative limit or sample size is an ``ExhaustiveError/invalidSelection(_:)``.
    public init(filter: FailureFilter? = nil, sample: (size: Int, seed: UInt64)? = nil, limit: Int? = nil) throws {
        if let limit, limit < 0 { throw ExhaustiveError.invalidSelection("--limit must be non-negative, not \(limit)") }
        if let sample, sample.size < 0 { throw ExhaustiveError.invalidSelection("the sample size must be non-negative, not \(sample.size)") }
        self.filter = filter
        self.limit = limit
        self.sample = sample
    }

    /// Streams `failures` (in index order) through the selection, calling `body` with
    /// the selected ones in index order. `failures` stops early when its body returns false.
    public func select(from failures: ((FailureRecord) throws -> Bool) throws -> Void,
                       _ body: (FailureRecord) throws -> Void) throws {
        let limit = self.limit ?? Int.max
        guard limit > 0 else { return }
        if let (size, seed) = sample {
            guard size > 0 else { return }
            var generator = SeededGenerator(seed: seed)
            var reservoir: [FailureRecord] = []
            var seen = 0
            try failures { failure in
                guard filter?.matches(failure) ?? true else { return true }
                seen += 1
                if reservoir.count < size {
                    reservoir.append(failure)
                } else {
                    let slot = generator.below(seen)
                    if slot < size { reservoir[slot] = failure }
                }
                return true
            }
            for failure in reservoir.sorted(by: { $0.index < $1.index }).prefix(limit) { try body(failure) }
            return
        }
        var listed = 0
        try withoutActuallyEscaping(body) { body in
            try failures { failure in
                guard filter?.matches(failure) ?? true else { return true }
                try body(failure)
                listed += 1
                return listed < limit
            }
        }
    }

    /// Same filter, sample and limit.
    public static func == (a: FailureSelection, b: FailureSelection) -> Bool {
        a.filter == b.filter && a.limit == b.limit && a.sampleSize == b.sampleSize && a.sampleSeed == b.sampleSeed
    }
}

extension EnumerationResult {
    /// The failures `selection` picks, streamed in index order from `failures.bin`.
    public func forEachFailure(selectedBy selection: FailureSelection, _ body: (FailureRecord) throws -> Void) throws {
        try selection.select(from: { try streamFailures($0) }, body)
    }
}
