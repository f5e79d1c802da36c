import AdditionTask
import Dispatch
import Foundation
import Transformer

/// Settings of an enumeration.
public struct EnumerationOptions: Sendable {
    /// Questions per call to `evaluate`.
    public var chunkSize: Int
    /// Worker threads; each evaluates whole chunks.
    public var threadCount: Int
    /// How near ties are recognised; nil means ``NearTieRule/default(for:)``.
    public var nearTieRule: NearTieRule?

    public init(chunkSize: Int = 4096, threadCount: Int = 1, nearTieRule: NearTieRule? = nil) {
        self.chunkSize = chunkSize
        self.threadCount = threadCount
        self.nearTieRule = nearTieRule
    }
}

/// The outcome of one chunk of questions, in index order.
public struct ChunkResult: Sendable {
    /// The chunk's indices.
    public var range: Range<Int>
    /// Its counts.
    public var tally: EnumerationTally
    /// Its failures, in index order.
    public var failures: [FailureRecord]
}

/// Runs a fast ``BatchEvaluator`` over a range of canonical indices with several
/// threads and decides every question: near ties (smallest margin below the rule's
/// threshold) are re-decided by an exact evaluator on that single index.
///
/// Chunk boundaries depend only on the range's start and the chunk size, and results
/// are delivered in index order, so output does not depend on the thread count.
public struct Enumerator: Sendable {
    public let evaluator: any BatchEvaluator
    public let exactEvaluator: (any BatchEvaluator)?
    public let options: EnumerationOptions
    /// The near-tie rule in force.
    public let nearTieRule: NearTieRule

    public var task: AdditionTask { evaluator.task }

    /// - Parameters:
    ///   - evaluator: the fast evaluator.
    ///   - exactEvaluator: decides near ties (in practice `ReferenceEvaluator<Double>`); nil keeps the fast decision but still lists them.
    public init(evaluator: any BatchEvaluator, exactEvaluator: (any BatchEvaluator)?, options: EnumerationOptions = EnumerationOptions()) throws {
        guard options.chunkSize >= 1 else { throw ExhaustiveError.invalidChunkSize(options.chunkSize) }
        guard options.threadCount >= 1 else { throw ExhaustiveError.invalidThreadCount(options.threadCount) }
        self.evaluator = evaluator
        self.exactEvaluator = exactEvaluator
        self.options = options
        self.nearTieRule = options.nearTieRule ?? NearTieRule.default(for: evaluator)
    }

    /// A short name of the evaluator, recorded in results.
    public var evaluatorName: String { String(describing: type(of: evaluator)) }

    /// Evaluates `range` chunk by chunk, handing each chunk's result to `consume` in index
    /// order as soon as it is done (``ChunkPipeline``). `consume` returns false to stop
    /// early. Returns the end of what was consumed.
    @discardableResult
    public func enumerate(_ range: Range<Int>, consume: (ChunkResult) throws -> Bool) throws -> Int {
        try ChunkPipeline.run(range, chunkSize: options.chunkSize, threads: options.threadCount,
                              decide: { [self] in try decide($0) }, consume: consume)
    }

    /// Everything in `range`, in memory: total tally and failures in index order.
    /// `progress` is told how many questions of the range are done after each chunk.
    public func run(_ range: Range<Int>, progress: ((Int) -> Void)? = nil) throws -> (tally: EnumerationTally, failures: [FailureRecord]) {
        var tally = EnumerationTally(digitCount: task.digitCount)
        var failures: [FailureRecord] = []
        try enumerate(range) { chunk in
            tally.add(chunk.tally)
            failures += chunk.failures
            progress?(chunk.range.upperBound - range.lowerBound)
            return true
        }
        return (tally, failures)
    }

    /// Evaluates and decides one chunk.
    func decide(_ chunk: Range<Int>) throws -> ChunkResult {
        let (tally, failures) = try decide(indices: Array(chunk), evaluations: evaluator.evaluate(chunk))
        return ChunkResult(range: chunk, tally: tally, failures: failures)
    }

    /// Decides the questions with these indices (any order, e.g. a random sample):
    /// near ties re-decided by the exact evaluator, failures classified.
    public func decide(indices: [Int]) throws -> (tally: EnumerationTally, failures: [FailureRecord]) {
        try decide(indices: indices, evaluations: evaluator.evaluate(indices: indices))
    }

    private func decide(indices: [Int], evaluations: [QuestionEvaluation]) throws -> (tally: EnumerationTally, failures: [FailureRecord]) {
        let n = task.digitCount
        guard evaluations.count == indices.count else {
            throw ExhaustiveError.evaluatorMismatch(expected: indices.count, got: evaluations.count, range: "\(indices.first ?? 0)…")
        }
        // Near ties are re-decided together, so the exact evaluator can batch them; it
        // may decide only the untrusted digits.
        let untrusted = evaluations.map { nearTieRule.untrustedSlots($0) }
        let nearTieFast = zip(evaluations, untrusted).filter { !$1.isEmpty }
        let nearTieIndices = nearTieFast.map(\.0.index)
        var exactByIndex: [Int: QuestionEvaluation] = [:]
        if let exactEvaluator, !nearTieIndices.isEmpty {
            let exact = exactEvaluator.redecide(nearTieFast.map(\.0), slots: nearTieFast.map(\.1))
            guard exact.count == nearTieIndices.count, zip(exact, nearTieIndices).allSatisfy({ $0.index == $1 }) else {
                throw ExhaustiveError.evaluatorMismatch(expected: nearTieIndices.count, got: exact.count, range: "near ties")
            }
            for evaluation in exact { exactByIndex[evaluation.index] = evaluation }
        }
        let nearTies = Set(nearTieIndices)
        var tally = EnumerationTally(digitCount: n)
        var failures: [FailureRecord] = []
        for (index, fast) in zip(indices, evaluations) {
            guard fast.index == index else {
                throw ExhaustiveError.evaluatorMismatch(expected: indices.count, got: evaluations.count, range: "\(index)")
            }
            let question = task.question(atIndex: index)
            var decided = fast
            if nearTies.contains(index) {
                let truth = question.answerDigits.map { UInt8($0) }
                var exactAnswer: String?
                var exactCorrect: Bool?
                if let only = exactByIndex[index] {
                    decided = only
                    exactAnswer = FailureRecord.answerText(only.predicted)
                    exactCorrect = only.predicted == truth
                }
                var decision = NearTieDecision(
                    index: index, fastAnswer: FailureRecord.answerText(fast.predicted),
                    fastSmallestMargin: fast.smallestMargin, fastCorrect: fast.predicted == truth,
                    exactAnswer: exactAnswer, exactCorrect: exactCorrect)
                if exactEvaluator != nil, decided.isNearTie { decision.exactUndecided = true }
                tally.nearTies.append(decision)
            }
            tally.questions += 1
            tally.marginHistogram.add(decided.smallestMargin)
            if let failure = FailureRecord.check(question: question, predicted: decided.predicted) {
                tally.add(failure, digitCount: n)
                failures.append(failure)
            }
        }
        return (tally, failures)
    }
}
