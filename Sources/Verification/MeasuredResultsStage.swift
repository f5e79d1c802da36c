import AdditionTask
import Exhaustive
import Foundation
import Reports
import Transformer

/// The evaluation stage from enumeration results measured elsewhere (`verify --results`):
/// a merged enumeration, a single shard, or a directory of shard directories.
///
/// The results are loaded and verified as `carrylens merge` does (sizes, digests, every
/// failure record and count; one model file by SHA-256, one n, no overlaps). When they
/// cover every question they are written to `DIR/enumeration/` as one result (a copy of a
/// single result, else their merge), exactly what an exhaustive run writes. When they cover
/// only part of the space, each contiguous measured range is written to
/// `DIR/measured/range-FIRST-END/` and the unmeasured rest is sampled uniformly
/// (`DIR/sample/`, its `frame` the unmeasured ranges) with the pipeline's sample size and seed.
/// Either way the decisions are recorded, so later stages do not evaluate them again.
extension VerificationPipeline {
    func evaluate(results source: URL, identity: ModelIdentity, directory: URL, log: (String) -> Void) throws {
        let task = model.task
        let set = try ResultSet.load(from: source)
        guard set.nDigits == task.digitCount else {
            throw VerificationError.resultsForOtherDigitCount(directory: source.path, found: set.nDigits, expected: task.digitCount)
        }
        guard set.model.sha256 == identity.sha256 else {
            throw ExhaustiveError.modelMismatch(directory: source.path, found: "\(set.model.file) (sha256 \(set.model.sha256))",
                                               expected: "\(identity.file) (sha256 \(identity.sha256))")
        }
        let fileManager = FileManager.default
        let enumeration = VerificationResults.enumerationDirectory(in: directory)
        let measured = VerificationResults.measuredDirectory(in: directory)
        let sample = VerificationResults.sampleDirectory(in: directory)
        for stale in [enumeration, measured, sample] { try? fileManager.removeItem(at: stale) }
        let coverage = set.coverage
        if coverage.isWholeSpace {
            try Self.write(set.results, to: enumeration)
            decisions.record(range: 0..<task.questionCount, failures: try Self.failures(of: set))
            log("    \(set.counts.failures) wrong of \(coverage.measuredCount) questions: every question, measured in \(set.results.count) result\(set.results.count == 1 ? "" : "s") read from \(source.path)")
            return
        }
        // Partial: one result per contiguous measured range, then a uniform sample of the rest.
        try fileManager.createDirectory(at: measured, withIntermediateDirectories: true)
        for range in coverage.measured {
            let inRange = set.results.filter { $0.summary.count > 0 && range.contains($0.summary.firstIndex) }
            let target = measured.appendingPathComponent("range-\(range.lowerBound)-\(range.upperBound)")
            try Self.write(inRange, to: target)
            let failures = try EnumerationResult.load(from: target).failures()
            decisions.record(range: range, failures: failures)
        }
        let frame = coverage.unmeasured
        let sampleSize = min(options.sampleSize, frame.reduce(0) { $0 + $1.count })
        let questions = QuestionSample(size: sampleSize, frame: frame, seed: options.seed)
        let (summary, margins, failures, seconds) = try SampleRun(enumerator: enumerator, model: identity).run(questions, frame: frame)
        try SampleRun.write(summary, margins: margins, failures: failures, seconds: seconds, threads: options.threads, to: sample)
        decisions.record(indices: questions.indices, failures: failures)
        log("    measured: \(set.counts.failures) wrong of \(coverage.measuredCount) questions in \(coverage.measured.count) range\(coverage.measured.count == 1 ? "" : "s") (\(String(format: "%.4g", 100 * coverage.fraction))% of \(task.questionCount)) read from \(source.path)")
        log("    rest: \(summary.failures) wrong of \(summary.sampleSize) questions sampled uniformly from the \(summary.population) unmeasured ones (seed \(summary.seed))")
    }

    /// Every failure of `set`, in index order.
    private static func failures(of set: ResultSet) throws -> [FailureRecord] {
        var all: [FailureRecord] = []
        try set.forEachFailure { all.append($0) }
        return all
    }

    /// Writes `results` (verified, contiguous) as one result in `target`: a copy of a single
    /// result's files, else their merge.
    private static func write(_ results: [EnumerationResult], to target: URL) throws {
        if results.count == 1, let only = results.first {
            let fileManager = FileManager.default
            try fileManager.createDirectory(at: target, withIntermediateDirectories: true)
            for name in ["failures.bin", "margins.json", "timing.json", "summary.json"] {  // summary.json last
                let file = only.directory.appendingPathComponent(name)
                guard fileManager.fileExists(atPath: file.path) else { continue }
                do { try fileManager.copyItem(at: file, to: target.appendingPathComponent(name)) } catch {
                    throw ExhaustiveError.io("cannot copy \(file.path) to \(target.path): \(error.localizedDescription)")
                }
            }
        } else {
            try EnumerationMerger.merge(results, into: target, force: true)
        }
    }
}
