import AdditionTask
import Exhaustive
import Foundation
import Transformer

/// The network's decided answers for chosen questions, as the enumerator decides them:
/// the fast evaluator, with every near-tie digit re-decided in fp64 by the exact table
/// evaluator. Answers are flattened [question][A(n)..A0].
struct NetworkAnswers: Sendable {
    /// The task.
    let task: AdditionTask
    /// The enumerator that decides questions.
    let enumerator: Enumerator

    /// An oracle for `model` (fast evaluator plus its exact evaluator for near ties).
    init(model: AdditionModel) throws {
        let fast = FastEvaluator(model)
        task = model.task
        enumerator = try Enumerator(evaluator: fast, exactEvaluator: fast.exact, options: EnumerationOptions(chunkSize: 4096, threadCount: 1))
    }

    /// Decided answer digits for `indices`, on up to two threads.
    func answers(_ indices: [Int]) throws -> [UInt8] {
        let slots = task.answerDigitCount
        let chunks = ParallelEvaluation.chunked(indices)
        var parts = [Result<[UInt8], Error>?](repeating: nil, count: chunks.count)
        let lock = NSLock()
        DispatchQueue.concurrentPerform(iterations: chunks.count) { chunk in
            let result = Result { () throws -> [UInt8] in
                var local: [UInt8] = []
                local.reserveCapacity(chunks[chunk].count * slots)
                var start = 0
                let mine = chunks[chunk]
                while start < mine.count {
                    let part = Array(mine[start..<min(mine.count, start + 4096)])
                    let failures = try enumerator.decide(indices: part).failures
                    var wrong: [Int: [UInt8]] = [:]
                    for failure in failures { wrong[failure.index] = failure.modelAnswer.map(Self.token) }
                    for index in part {
                        if let answer = wrong[index], answer.count == slots { local.append(contentsOf: answer) }
                        else { local.append(contentsOf: task.question(atIndex: index).answerDigits.map(UInt8.init)) }
                    }
                    start += part.count
                }
                return local
            }
            lock.lock()
            parts[chunk] = result
            lock.unlock()
        }
        return try parts.flatMap { try $0!.get() }
    }

    /// The token of one character of a failure's answer text (`+`, `=` for non-digit predictions).
    static func token(_ character: Character) -> UInt8 {
        if let digit = character.wholeNumberValue { return UInt8(digit) }
        if character == "+" { return UInt8(Token.plus) }
        if character == "=" { return UInt8(Token.equals) }
        return UInt8.max
    }
}
