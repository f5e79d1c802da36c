import AdditionTask
import Foundation

/// Verified enumeration results of one model that together cover the whole question
/// space or only part of it (e.g. the shards of a cluster run finished so far): what a
/// report built from measured results reads.
///
/// Loading verifies every result (``EnumerationResult/load(from:)``: sizes, digests,
/// every failure record and every count, one streaming pass per result), checks they
/// belong to one model, n, evaluator and near-tie rule and do not overlap, and states
/// the exact coverage. The counts are the sums of the results' summaries; failures are
/// streamed on request (``forEachFailure(_:)``), never all held in memory.
public struct ResultSet: Sendable {
    /// The results, in index order.
    public let results: [EnumerationResult]
    /// What was measured.
    public let coverage: ResultCoverage
    /// The counts over the measured questions.
    public let counts: RunTally

    /// The model file the results belong to (name and SHA-256).
    public var model: ModelIdentity { coverage.model }
    /// n.
    public var nDigits: Int { coverage.nDigits }
    /// Questions the exact evaluator could not decide, in index order.
    public var undecided: [Int] { results.flatMap(\.summary.undecided) }

    /// Loads and verifies the results in `directories`. With `model`, results of any
    /// other model file (by SHA-256) are refused (``ExhaustiveError/modelMismatch(directory:found:expected:)``);
    /// incomplete results, results of different n, evaluators or near-tie rules, and
    /// overlapping ranges are refused too. Gaps are allowed: they are the unmeasured part.
    public static func load(_ directories: [URL], model expected: ModelIdentity? = nil) throws -> ResultSet {
        guard !directories.isEmpty else { throw ExhaustiveError.nothingToMerge }
        let loaded = try directories.map { try EnumerationResult.load(from: $0) }
        return try ResultSet(loaded, model: expected)
    }

    /// Loads the result in `directory`, or, when it holds no `summary.json`, every
    /// subdirectory that does or that holds an unfinished run (refused as incomplete),
    /// e.g. the shard directories of a cluster run.
    public static func load(from directory: URL, model expected: ModelIdentity? = nil) throws -> ResultSet {
        let files = ResultFiles(directory: directory)
        if files.exists(files.summary) || files.exists(files.checkpoint) { return try load([directory], model: expected) }
        let children: [URL]
        do {
            children = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
                .filter { child in
                    let childFiles = ResultFiles(directory: child)
                    return childFiles.exists(childFiles.summary) || childFiles.exists(childFiles.checkpoint)
                }
                .sorted { $0.lastPathComponent < $1.lastPathComponent }
        } catch {
            throw ExhaustiveError.notAResultDirectory(directory.path)
        }
        guard !children.isEmpty else { throw ExhaustiveError.notAResultDirectory(directory.path) }
        return try load(children, model: expected)
    }

    /// Combines loaded (verified) results.
    public init(_ loaded: [EnumerationResult], model expected: ModelIdentity? = nil) throws {
        guard let first = loaded.first else { throw ExhaustiveError.nothingToMerge }
        if let expected {
            for result in loaded where result.summary.model.sha256 != expected.sha256 {
                throw ExhaustiveError.modelMismatch(
                    directory: result.directory.path,
                    found: "\(result.summary.model.file) (sha256 \(result.summary.model.sha256))",
                    expected: "\(expected.file) (sha256 \(expected.sha256))")
            }
        }
        for result in loaded.dropFirst() {
            if let (field, other, reference) = result.summary.identity.firstDifference(from: first.summary.identity, includingRange: false) {
                throw ExhaustiveError.mergeMismatch(field: field, first: reference, other: other, directory: result.directory.path)
            }
        }
        let sorted = loaded.sorted { ($0.summary.firstIndex, $0.summary.count) < ($1.summary.firstIndex, $1.summary.count) }
        var measured: [Range<Int>] = []
        var previous: EnumerationResult?
        var counts = RunTally(digitCount: first.summary.nDigits)
        for result in sorted where result.summary.count > 0 {
            let range = result.summary.range
            if let last = measured.last, range.lowerBound < last.upperBound, let previous {
                throw ExhaustiveError.resultsOverlap(at: range.lowerBound, directories: [previous.directory.path, result.directory.path])
            }
            if let last = measured.last, last.upperBound == range.lowerBound {
                measured[measured.count - 1] = last.lowerBound..<range.upperBound
            } else {
                measured.append(range)
            }
            counts.add(result.tally)
            previous = result
        }
        let task = try first.task()
        results = sorted
        coverage = ResultCoverage(model: first.summary.model, nDigits: task.digitCount, population: task.questionCount, measured: measured)
        self.counts = counts
    }

    /// Calls `body` with every failure of every result, in index order.
    public func forEachFailure(_ body: (FailureRecord) throws -> Void) throws {
        for result in results { try result.forEachFailure(body) }
    }
}

/// Exactly which questions a ``ResultSet`` measured.
public struct ResultCoverage: Codable, Equatable, Sendable {
    /// The model file (name and SHA-256).
    public var model: ModelIdentity
    /// n.
    public var nDigits: Int
    /// 10^(2n): every question.
    public var population: Int
    /// The measured index ranges, in order, adjacent ranges joined.
    public var measured: [Range<Int>]

    /// A coverage of `measured` (in order, not overlapping) out of `population` questions.
    public init(model: ModelIdentity, nDigits: Int, population: Int, measured: [Range<Int>]) {
        self.model = model
        self.nDigits = nDigits
        self.population = population
        self.measured = measured
    }

    /// Questions measured.
    public var measuredCount: Int { measured.reduce(0) { $0 + $1.count } }
    /// Whether every question of the space was measured.
    public var isWholeSpace: Bool { measured == [0..<population] }
    /// The index ranges not measured, in order.
    public var unmeasured: [Range<Int>] {
        var gaps: [Range<Int>] = []
        var next = 0
        for range in measured {
            if range.lowerBound > next { gaps.append(next..<range.lowerBound) }
            next = range.upperBound
        }
        if next < population { gaps.append(next..<population) }
        return gaps
    }
    /// The fraction of the space measured.
    public var fraction: Double { population > 0 ? Double(measuredCount) / Double(population) : 0 }
}
