import AdditionTask
import Dispatch
import Foundation
import Transformer

/// The network's decided answers, each question decided once.
///
/// A decision is the enumerator's: the fast evaluator, with every digit its rounding bound
/// does not certify re-decided in fp64 (``Enumerator/decide(indices:)``). Decisions already
/// made elsewhere — a whole enumeration, a sample run — are recorded here as what they are
/// (the questions covered and their failures: every other covered question was answered
/// correctly), so later stages read them instead of evaluating the network again. Questions
/// never decided before are decided on first request and remembered.
///
/// ``questionsDecided`` counts the questions this object sent to the network; a pipeline that
/// decides each question once can be checked by it.
public final class NetworkDecisions: @unchecked Sendable {
    /// The task.
    public let task: AdditionTask
    private let enumerator: Enumerator
    private let lock = NSLock()
    /// Whole ranges decided elsewhere (an enumeration).
    private var coveredRanges: [Range<Int>] = []
    /// Single questions decided (a sample, or on request).
    private var covered: Set<Int> = []
    /// The network's answer tokens A(n)..A0 on every decided question it got wrong.
    private var wrongAnswers: [Int: [UInt8]] = [:]
    private var decidedHere = 0

    /// Decisions made with `enumerator` (its fast evaluator, near-tie rule and exact evaluator).
    public init(enumerator: Enumerator) {
        self.enumerator = enumerator
        task = enumerator.task
    }

    /// Questions this object has sent to the network (not counting recorded ones).
    public var questionsDecided: Int {
        lock.lock(); defer { lock.unlock() }
        return decidedHere
    }

    /// Records a finished decision of every question in `range`; `failures` are its wrong answers.
    public func record(range: Range<Int>, failures: [FailureRecord]) {
        lock.lock(); defer { lock.unlock() }
        coveredRanges.append(range)
        for failure in failures { wrongAnswers[failure.index] = Self.tokens(failure.modelAnswer) }
    }

    /// Records a finished decision of the questions `indices`; `failures` are its wrong answers.
    public func record(indices: [Int], failures: [FailureRecord]) {
        lock.lock(); defer { lock.unlock() }
        if let first = indices.first, let last = indices.last, last - first + 1 == indices.count,
           zip(indices, indices.dropFirst()).allSatisfy({ $0 + 1 == $1 }) {
            coveredRanges.append(first..<(last + 1))
        } else {
            covered.formUnion(indices)
        }
        for failure in failures { wrongAnswers[failure.index] = Self.tokens(failure.modelAnswer) }
    }

    /// Whether `index` has been decided.
    public func isDecided(_ index: Int) -> Bool {
        lock.lock(); defer { lock.unlock() }
        return isDecidedLocked(index)
    }

    private func isDecidedLocked(_ index: Int) -> Bool {
        covered.contains(index) || coveredRanges.contains { $0.contains(index) }
    }

    /// Decided answer tokens A(n)..A0 for `indices`, flattened [question][slot]. Questions not
    /// decided before are decided now (on the enumerator's threads) and remembered.
    public func answers(_ indices: [Int]) throws -> [UInt8] {
        lock.lock()
        var seen = Set<Int>()
        let missing = indices.filter { !isDecidedLocked($0) && seen.insert($0).inserted }
        lock.unlock()
        if !missing.isEmpty { try decide(missing) }
        lock.lock(); defer { lock.unlock() }
        let slots = task.answerDigitCount
        var result: [UInt8] = []
        result.reserveCapacity(indices.count * slots)
        for index in indices {
            if let wrong = wrongAnswers[index] { result.append(contentsOf: wrong) }
            else { result.append(contentsOf: task.question(atIndex: index).answerDigits.map(UInt8.init)) }
        }
        return result
    }

    /// Decides `indices` in chunks on up to the enumerator's thread count, then records them.
    private func decide(_ indices: [Int]) throws {
        let chunkSize = enumerator.options.chunkSize
        let chunks = stride(from: 0, to: indices.count, by: chunkSize).map { Array(indices[$0..<min(indices.count, $0 + chunkSize)]) }
        var results = [Result<[FailureRecord], Error>?](repeating: nil, count: chunks.count)
        let resultLock = NSLock()
        var next = 0
        let workers = max(1, min(enumerator.options.threadCount, chunks.count))
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while true {
                resultLock.lock()
                let mine = next
                next += 1
                resultLock.unlock()
                guard mine < chunks.count else { return }
                let result = Result { try enumerator.decide(indices: chunks[mine]).failures }
                resultLock.lock()
                results[mine] = result
                resultLock.unlock()
            }
        }
        var failures: [FailureRecord] = []
        for result in results {
            guard let result else { throw ExhaustiveError.io("internal error: a chunk of questions was not decided") }
            failures += try result.get()
        }
        lock.lock()
        decidedHere += indices.count
        lock.unlock()
        record(indices: indices, failures: failures)
    }

    /// Answer tokens from a failure's answer text (`+` and `=` for non-digit predictions).
    static func tokens(_ answer: String) -> [UInt8] {
        answer.map { character in
            if let digit = character.wholeNumberValue { return UInt8(digit) }
            if character == "+" { return UInt8(Token.plus) }
            if character == "=" { return UInt8(Token.equals) }
            return UInt8.max
        }
    }
}
