import AdditionTask
import Exhaustive
import Foundation
import Transformer

/// Attention of one head at one answer slot, summarised over a question set.
public struct HeadAttention: Codable, Hashable, Sendable {
    /// Head index (0-based, as stored in the model; no order is assumed).
    public var head: Int
    /// Mean attention weight on each input position (index = position).
    public var meanMass: [Double]
    /// Maximum attention weight on each input position over the questions.
    public var maxMass: [Double]
    /// Mean attention mass on each operand column (D_j and D'_j together), index = column j.
    public var columnMass: [Double]
    /// The column with the most mean mass.
    public var topColumn: Int
    /// Its mean mass.
    public var topColumnMass: Double
    /// The top column relative to the answer digit's place (0 = column k, -1 = column k-1, …).
    public var topColumnOffset: Int
    /// Columns holding at least 0.2 mean mass, most mass first.
    public var readsColumns: [Int]
    /// Mean mass on non-operand positions (`+`, `=`, answer digits).
    public var nonOperandMass: Double
}

/// All heads at one answer slot.
public struct SlotAttention: Codable, Hashable, Sendable {
    /// Answer slot (0 = the `=` position).
    public var slot: Int
    /// The answer digit predicted there, e.g. `A3`.
    public var digit: String
    /// k of A(k).
    public var place: Int
    /// The query position.
    public var position: Int
    /// One entry per head.
    public var heads: [HeadAttention]
}

/// attention.json: attention mass per answer slot, head and input position.
public struct AttentionReport: Codable, Hashable, Sendable {
    /// Which questions the means and maxima are over.
    public var coverage: Coverage
    /// Input position labels, index = position (`D2`, `+`, `D'0`, `=`, `A3`, …).
    public var positionLabels: [String]
    /// One entry per answer slot, A(n) first.
    public var slots: [SlotAttention]
}

enum AttentionAnalysis {
    /// Accumulates attention weights over `indices` (two threads).
    static func analyse(_ evaluator: FastEvaluator, indices: [Int], coverage: Coverage) -> AttentionReport {
        let task = evaluator.task
        let slots = task.answerDigitCount, heads = evaluator.config.nHeads, length = task.inputLength
        let cells = slots * heads * length
        let chunks = ParallelEvaluation.chunked(indices)
        var sums = [[Double]](repeating: [], count: chunks.count)
        var maxima = [[Double]](repeating: [], count: chunks.count)
        let lock = NSLock()
        DispatchQueue.concurrentPerform(iterations: chunks.count) { chunk in
            var sum = [Double](repeating: 0, count: cells)
            var maximum = [Double](repeating: 0, count: cells)
            for index in chunks[chunk] {
                let weights = evaluator.attentionWeights(index: index)
                for slot in 0..<slots {
                    for head in 0..<heads {
                        let row = weights[slot][head]
                        let base = (slot * heads + head) * length
                        for position in 0..<length {
                            let w = Double(row[position])
                            sum[base + position] += w
                            if w > maximum[base + position] { maximum[base + position] = w }
                        }
                    }
                }
            }
            lock.lock()
            sums[chunk] = sum
            maxima[chunk] = maximum
            lock.unlock()
        }
        let count = Double(max(1, indices.count))
        var total = [Double](repeating: 0, count: cells), maximum = [Double](repeating: 0, count: cells)
        for chunk in 0..<chunks.count {
            for i in 0..<cells {
                total[i] += sums[chunk][i]
                maximum[i] = max(maximum[i], maxima[chunk][i])
            }
        }
        let n = task.digitCount
        var slotReports: [SlotAttention] = []
        for slot in 0..<slots {
            let place = n - slot
            var headReports: [HeadAttention] = []
            for head in 0..<heads {
                let base = (slot * heads + head) * length
                let mean = (0..<length).map { total[base + $0] / count }
                var columnMass = [Double](repeating: 0, count: n)
                var nonOperand = 0.0
                for position in 0..<length {
                    if let (_, column) = task.operandColumn(at: position) { columnMass[column] += mean[position] } else { nonOperand += mean[position] }
                }
                let top = columnMass.indices.max { columnMass[$0] < columnMass[$1] } ?? 0
                let reads = columnMass.indices.filter { columnMass[$0] >= 0.2 }.sorted { columnMass[$0] > columnMass[$1] }
                headReports.append(HeadAttention(
                    head: head, meanMass: mean.map(rounded), maxMass: (0..<length).map { rounded(maximum[base + $0]) },
                    columnMass: columnMass.map(rounded), topColumn: top, topColumnMass: rounded(columnMass[top]),
                    topColumnOffset: top - place, readsColumns: reads, nonOperandMass: rounded(nonOperand)))
            }
            slotReports.append(SlotAttention(slot: slot, digit: "A\(place)", place: place, position: task.equalsPosition + slot, heads: headReports))
        }
        return AttentionReport(coverage: coverage, positionLabels: (0..<length).map(task.positionLabel), slots: slotReports)
    }
}
