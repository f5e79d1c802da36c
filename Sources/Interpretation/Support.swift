import AdditionTask
import Exhaustive
import Foundation
import Transformer

/// Runs the fixed-order fp64 evaluator over many answer rows on several threads (each
/// thread its own contiguous chunk), so its logits are the same on every machine and at
/// any thread count. The network's decisions come from ``NetworkDecisions``.
enum ParallelEvaluation {
    static var threadCount: Int { max(1, min(2, ProcessInfo.processInfo.activeProcessorCount)) }

    /// fp64 logits of each row, [row][12] flattened, computed on several threads.
    static func exactLogits(_ exact: ExactTableEvaluator, rows: [ExactTableEvaluator.AnswerRow]) -> [Double] {
        let chunks = chunked(rows)
        var parts = [[Double]](repeating: [], count: chunks.count)
        let lock = NSLock()
        DispatchQueue.concurrentPerform(iterations: chunks.count) { chunk in
            let local = exact.logits(rows: chunks[chunk]).flatMap { $0 }
            lock.lock()
            parts[chunk] = local
            lock.unlock()
        }
        return parts.flatMap { $0 }
    }

    /// fp32 logits of the fast evaluator for each question, [question][slot][12] flattened, computed on several threads.
    static func fastLogits(_ fast: FastEvaluator, indices: [Int]) -> [Float] {
        let chunks = chunked(indices)
        var parts = [[Float]](repeating: [], count: chunks.count)
        let lock = NSLock()
        DispatchQueue.concurrentPerform(iterations: chunks.count) { chunk in
            let local = fast.logits(indices: chunks[chunk])
            lock.lock()
            parts[chunk] = local
            lock.unlock()
        }
        return parts.flatMap { $0 }
    }

    static func chunked<Element>(_ items: [Element]) -> [[Element]] {
        let count = threadCount
        guard items.count >= 2 * 64, count > 1 else { return [items] }
        let size = (items.count + count - 1) / count
        return stride(from: 0, to: items.count, by: size).map { Array(items[$0..<min(items.count, $0 + size)]) }
    }
}

extension AdditionTask {
    /// The answer slot (0 = `=` position) that predicts A(place).
    func slot(ofPlace place: Int) -> Int { digitCount - place }

    /// Index of a question given its per-column digit pairs (column 0 first).
    func index(firstDigits: [Int], secondDigits: [Int]) -> Int {
        var a = 0, b = 0
        for column in (0..<digitCount).reversed() {
            a = a * 10 + firstDigits[column]
            b = b * 10 + secondDigits[column]
        }
        return a * operandCount + b
    }
}

/// Rounds to 6 significant decimals so JSON output is stable and readable.
func rounded(_ value: Double) -> Double {
    guard value.isFinite, value != 0 else { return value.isFinite ? 0 : value }
    let scale = pow(10, 6 - ceil(log10(abs(value))))
    return (value * scale).rounded() / scale
}
