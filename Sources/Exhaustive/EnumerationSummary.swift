import Foundation
import Transformer

/// Which model file a result belongs to.
public struct ModelIdentity: Codable, Equatable, Hashable, Sendable {
    /// The file name (no directory), e.g. `add5_l1_h3_s129000.safetensors`.
    public var file: String
    /// Lower-case hex SHA-256 of the file's bytes.
    public var sha256: String

    public init(file: String, sha256: String) {
        self.file = file
        self.sha256 = sha256
    }

    /// Hashes the file at `url` (an unreadable file is an ``ExhaustiveError/io(_:)`` naming it and the OS's reason).
    public init(fileAt url: URL) throws {
        self.init(file: url.lastPathComponent, sha256: try FileDigest.sha256Hex(ofFileAt: url).hex)
    }
}

/// `summary.json`: everything about a finished enumeration that does not depend on
/// how, or on which machine, it was run: decisions and counts only. Two runs of the
/// same model, evaluator and range give byte-identical files on every CPU and at any
/// thread count; merged shards give the same file as one run over their union. The
/// fast path's fp32 margins and the list of near ties depend on the CPU's kernels and
/// live in `margins.json` (``EnumerationMargins``). Keys are sorted; schema in
/// docs/report-schema.md, what is reproducible in docs/reproducibility.md.
public struct EnumerationSummary: Codable, Equatable, Sendable {
    /// The schema version, ``EnumerationSummary/currentFormat``.
    public var format: String
    /// Always true in `summary.json` (an unfinished run has only a checkpoint).
    public var complete: Bool
    public var model: ModelIdentity
    /// The fast evaluator's type name, e.g. `FastEvaluator`.
    public var evaluator: String
    /// The exact evaluator's type name, or `none`.
    public var exactEvaluator: String
    /// ``NearTieRule`` description.
    public var nearTieRule: String
    public var nDigits: Int
    /// The range covered: [firstIndex, firstIndex + count).
    public var firstIndex: Int
    public var count: Int
    /// Questions with at least one wrong digit.
    public var failures: Int
    /// Failures per answer digit, A(n)..A0.
    public var perDigitFailures: [Int]
    /// Failures per carry pattern.
    public var failuresByPattern: [String: Int]
    /// Failures per longest carry cascade among the wrong digits.
    public var failuresByLongestCascade: [String: Int]
    /// Questions that even the exact evaluator could not decide (its margin within its
    /// own rounding bound), in index order; they are counted by the exact evaluator's
    /// answer and must be reported as undecided.
    public var undecided: [Int]
    /// Size and SHA-256 of each data file beside it (`failures.bin`, ``FailureSetFile``),
    /// so a reader can tell the files are the ones this summary describes (see ``ResultVerifier``).
    public var dataFiles: [String: DataFileRecord]

    /// Format 3: failures in `failures.bin` (format 2 had `failures.csv`).
    public static let currentFormat = "carrylens-enumeration/3"

    /// The range covered.
    public var range: Range<Int> { firstIndex..<(firstIndex + count) }

    /// Builds the summary of a finished tally whose failures are in `dataFiles` (empty
    /// when there are no files, e.g. in memory).
    public init(identity: RunIdentity, tally: RunTally, dataFiles: [String: DataFileRecord] = [:]) {
        format = Self.currentFormat
        complete = true
        model = identity.model
        evaluator = identity.evaluator
        exactEvaluator = identity.exactEvaluator
        nearTieRule = identity.nearTieRule
        nDigits = identity.nDigits
        firstIndex = identity.firstIndex
        count = identity.count
        failures = tally.failures
        perDigitFailures = tally.perDigitFailures
        failuresByPattern = tally.failuresByPattern
        failuresByLongestCascade = tally.failuresByLongestCascade
        undecided = tally.nearTies.undecided
        self.dataFiles = dataFiles
    }

    /// The summary of a range decided in memory (``Enumerator/run(_:)``).
    public init(identity: RunIdentity, tally: EnumerationTally, dataFiles: [String: DataFileRecord] = [:]) {
        self.init(identity: identity, tally: RunTally(tally), dataFiles: dataFiles)
    }

    /// The identity fields.
    public var identity: RunIdentity {
        RunIdentity(model: model, evaluator: evaluator, exactEvaluator: exactEvaluator, nearTieRule: nearTieRule,
                    nDigits: nDigits, firstIndex: firstIndex, count: count)
    }

    /// The counts as a tally (for merging), with the machine-dependent part from `margins`.
    public func tally(margins: EnumerationMargins) -> RunTally {
        var tally = RunTally(digitCount: nDigits)
        tally.questions = count
        tally.failures = failures
        tally.perDigitFailures = perDigitFailures
        tally.failuresByPattern = failuresByPattern
        tally.failuresByLongestCascade = failuresByLongestCascade
        tally.nearTies = margins.nearTies
        tally.marginHistogram = margins.marginHistogram
        return tally
    }
}

/// `margins.json`: the fast path's fp32 margins as this machine computed them: how
/// many questions were near ties (some digit's fp32 margin within its rounding bound),
/// how fp64 decided them (``NearTieLog``: counts, a histogram of their fp32 margins,
/// every undecided one and a bounded list of changed decisions), and the histogram
/// of smallest margins. These depend in their last bits on the CPU's sgemm kernel (and
/// so may the near-tie set); every decision they lead to is the same everywhere and is
/// in `summary.json`. Its size is bounded (a few hundred KB) whatever the range.
public struct EnumerationMargins: Codable, Equatable, Sendable {
    /// The schema version, ``EnumerationMargins/currentFormat``.
    public var format: String
    /// The range covered, as in `summary.json` (nil for a sample).
    public var firstIndex: Int?
    /// Questions covered (the range's length or the sample's size).
    public var count: Int
    /// The sample's seed (nil for a range).
    public var seed: UInt64?
    /// The near ties and how they were decided.
    public var nearTies: NearTieLog
    /// Smallest margin of every question.
    public var marginHistogram: MarginHistogram

    /// Format 2: near ties as a ``NearTieLog`` (format 1 listed every one).
    public static let currentFormat = "carrylens-margins/2"

    /// The margins of a range (`seed` nil) or of a seeded sample (`firstIndex` nil).
    public init(firstIndex: Int?, count: Int, seed: UInt64? = nil, tally: RunTally) {
        format = Self.currentFormat
        self.firstIndex = firstIndex
        self.count = count
        self.seed = seed
        nearTies = tally.nearTies
        marginHistogram = tally.marginHistogram
    }

    /// Near ties whose exact decision differs from the fast one.
    public var nearTiesChanged: Int { nearTies.changed }

    /// Checks the counts against the questions covered and the undecided list of the
    /// summary; `ordered` when the near ties must lie in `range` in index order.
    func check(count expectedCount: Int, undecided: [Int], range: Range<Int>?, file: URL) throws {
        func fail(_ reason: String) -> ExhaustiveError { .malformedResult(file: file.path, reason: reason) }
        let total = marginHistogram.total
        guard total == expectedCount, count == expectedCount else {
            throw fail("its margin histogram counts \(total) questions, summary.json \(expectedCount)")
        }
        let log = nearTies
        guard log.fastMargins.total == log.count, log.changed <= log.count, log.undecided.count <= log.count,
              log.listed.count <= NearTieLog.listLimit, log.listed.allSatisfy(NearTieLog.isNotable),
              log.listed.count + log.unlisted <= log.count, log.unlisted == 0 || log.listed.count == NearTieLog.listLimit else {
            throw fail("its near-tie counts disagree with each other")
        }
        let indices = log.listed.map(\.index)
        guard zip(indices, indices.dropFirst()).allSatisfy({ $0 < $1 }), range.map({ r in indices.allSatisfy(r.contains) }) ?? true else {
            throw fail("its listed near ties are not distinct questions of the range in order")
        }
        guard log.undecided == undecided else {
            throw fail("its undecided near ties disagree with summary.json")
        }
    }
}

/// Checks a result file's `format` ("name/version") against the one this CarryLens
/// reads, with a message that says whether the file is older or newer.
enum ResultFormat {
    static func check(_ found: String, current: String, file: URL) throws {
        guard found != current else { return }
        func parts(_ text: String) -> (String, Int?) {
            let pieces = text.split(separator: "/", maxSplits: 1)
            return (String(pieces.first ?? ""), pieces.count == 2 ? Int(pieces[1]) : nil)
        }
        let (name, version) = parts(found), (currentName, currentVersion) = parts(current)
        let reason: String
        if name == currentName, let version, let currentVersion, version < currentVersion {
            reason = "format '\(found)' is older than the '\(current)' this CarryLens reads; results of older versions must be computed again"
        } else if name == currentName, let version, let currentVersion, version > currentVersion {
            reason = "format '\(found)' is newer than the '\(current)' this CarryLens reads; read it with the CarryLens that wrote it or a newer one"
        } else {
            reason = "format '\(found)' is not '\(current)'"
        }
        throw ExhaustiveError.malformedResult(file: file.path, reason: reason)
    }
}

/// The size and SHA-256 of one data file of a result directory.
public struct DataFileRecord: Codable, Equatable, Sendable {
    public var bytes: Int
    public var sha256: String

    public init(bytes: Int, sha256: String) {
        self.bytes = bytes
        self.sha256 = sha256
    }

    /// Measures the file at `url`.
    public init(fileAt url: URL) throws {
        let digest = try FileDigest.sha256Hex(ofFileAt: url)
        self.init(bytes: digest.bytes, sha256: digest.hex)
    }
}

/// What must agree for a checkpoint to be resumed or for results to be merged.
public struct RunIdentity: Codable, Equatable, Sendable {
    public var model: ModelIdentity
    public var evaluator: String
    public var exactEvaluator: String
    public var nearTieRule: String
    public var nDigits: Int
    public var firstIndex: Int
    public var count: Int

    public init(model: ModelIdentity, evaluator: String, exactEvaluator: String, nearTieRule: String,
                nDigits: Int, firstIndex: Int, count: Int) {
        self.model = model; self.evaluator = evaluator; self.exactEvaluator = exactEvaluator
        self.nearTieRule = nearTieRule; self.nDigits = nDigits; self.firstIndex = firstIndex; self.count = count
    }

    /// The first field that differs from `other`: (name, this value, other value).
    func firstDifference(from other: RunIdentity, includingRange: Bool) -> (String, String, String)? {
        if model.sha256 != other.model.sha256 { return ("model", "\(model.file) (sha256 \(model.sha256))", "\(other.model.file) (sha256 \(other.model.sha256))") }
        if nDigits != other.nDigits { return ("n_digits", "\(nDigits)", "\(other.nDigits)") }
        if evaluator != other.evaluator { return ("evaluator", evaluator, other.evaluator) }
        if exactEvaluator != other.exactEvaluator { return ("exact evaluator", exactEvaluator, other.exactEvaluator) }
        if nearTieRule != other.nearTieRule { return ("near-tie rule", nearTieRule, other.nearTieRule) }
        if includingRange, firstIndex != other.firstIndex || count != other.count {
            return ("range", "[\(firstIndex), \(firstIndex + count))", "[\(other.firstIndex), \(other.firstIndex + other.count))")
        }
        return nil
    }
}

/// `timing.json`: the run-dependent facts kept out of `summary.json`.
public struct EnumerationTiming: Codable, Equatable, Sendable {
    /// Wall-clock seconds spent evaluating, summed over interrupted and resumed runs.
    public var seconds: Double
    public var sumsPerSecond: Double
    public var threads: Int
    public var chunkSize: Int
    /// How many times the run was resumed.
    public var resumes: Int
    /// The CPU, vector units and kernels that ran (of the last run, for a resumed or merged result).
    public var environment: ComputeEnvironment?
    /// Which evaluation path ran and how many answer rows each settled (of the last
    /// invocation, for a resumed run); nil for evaluators that do not report it.
    public var evaluation: EvaluationPathReport?

    public init(seconds: Double, sumsPerSecond: Double, threads: Int, chunkSize: Int, resumes: Int,
                environment: ComputeEnvironment? = .current, evaluation: EvaluationPathReport? = nil) {
        self.seconds = seconds; self.sumsPerSecond = sumsPerSecond; self.threads = threads
        self.chunkSize = chunkSize; self.resumes = resumes; self.environment = environment
        self.evaluation = evaluation
    }
}
