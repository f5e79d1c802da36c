import Dispatch
import Foundation

/// Evaluates the chunks of a range on worker threads and hands each result to the
/// caller in index order as soon as it and all before it are done.
///
/// At most `window` chunks are being evaluated or waiting to be handed over at any
/// time (2 × threads), so a crash loses at most that much work beyond the last
/// checkpoint; with one thread, chunks are evaluated on the calling thread one at a
/// time, so a crash loses at most the chunk being evaluated. Chunk boundaries depend
/// only on the range and the chunk size.
enum ChunkPipeline {
    /// Runs `decide` on every chunk of `range` and `consume` on the results in order;
    /// stops when `consume` returns false. Returns the end of what was consumed.
    static func run(_ range: Range<Int>, chunkSize: Int, threads: Int,
                    decide: @escaping @Sendable (Range<Int>) throws -> ChunkResult,
                    consume: (ChunkResult) throws -> Bool) throws -> Int {
        let chunkCount = range.isEmpty ? 0 : (range.count - 1) / chunkSize + 1
        let chunk: @Sendable (Int) -> Range<Int> = { i in
            let lower = range.lowerBound + i * chunkSize
            return lower..<min(lower + chunkSize, range.upperBound)
        }
        var end = range.lowerBound
        if threads <= 1 || chunkCount <= 1 {
            for i in 0..<chunkCount {
                let result = try decide(chunk(i))
                guard try consume(result) else { return result.range.upperBound }
                end = result.range.upperBound
            }
            return end
        }
        let state = PipelineState(window: 2 * threads)
        // Threads of their own (not a shared pool), so that workers waiting for the
        // consumer can never starve it, whatever thread the caller runs on.
        let workers = min(threads, chunkCount)
        let finished = DispatchSemaphore(value: 0)
        for _ in 0..<workers {
            Thread {
                while let i = state.claim(below: chunkCount) {
                    let bounds = chunk(i)
                    state.store(i, Result { try decide(bounds) })
                }
                finished.signal()
            }.start()
        }
        defer {
            state.stop()
            for _ in 0..<workers { finished.wait() }
        }
        for i in 0..<chunkCount {
            let result = try state.take(i).get()
            guard try consume(result) else { return result.range.upperBound }
            end = result.range.upperBound
        }
        return end
    }
}

/// Shared by the workers and the consumer of a ``ChunkPipeline``.
private final class PipelineState: @unchecked Sendable {
    private let condition = NSCondition()
    private var results: [Int: Result<ChunkResult, Error>] = [:]
    private var nextToClaim = 0
    private var handedOver = 0
    private var stopped = false
    private let window: Int

    init(window: Int) { self.window = window }

    /// The next chunk to evaluate, waiting while `window` chunks are ahead of the consumer; nil when done or stopped.
    func claim(below count: Int) -> Int? {
        condition.lock()
        defer { condition.unlock() }
        while !stopped, nextToClaim < count, nextToClaim >= handedOver + window { condition.wait() }
        guard !stopped, nextToClaim < count else { return nil }
        nextToClaim += 1
        return nextToClaim - 1
    }

    func store(_ i: Int, _ result: Result<ChunkResult, Error>) {
        condition.lock()
        results[i] = result
        condition.broadcast()
        condition.unlock()
    }

    /// Waits for chunk `i` and hands it over.
    func take(_ i: Int) -> Result<ChunkResult, Error> {
        condition.lock()
        defer { condition.unlock() }
        while results[i] == nil { condition.wait() }
        handedOver = i + 1
        condition.broadcast()
        return results.removeValue(forKey: i)!
    }

    /// Lets waiting workers finish.
    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }
}
