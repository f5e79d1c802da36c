import AdditionTask
import Foundation

/// Proof runs shared by the stages of one verification, so each (algorithm, n) is proved once.
///
/// Runs are keyed by the algorithm's JSON encoding and n; the first request runs
/// ``AdditionProver/prove(_:digitCount:options:)`` with the ledger's options, later ones
/// get the same ``ProofRun``. ``runsPerformed`` counts the proofs actually run.
public final class ProofLedger: @unchecked Sendable {
    /// Limits of every run.
    public let options: ProofOptions
    private let lock = NSLock()
    private var runs: [String: ProofRun] = [:]
    private var performed = 0

    /// A ledger whose runs use `options`.
    public init(options: ProofOptions = ProofOptions()) { self.options = options }

    /// Proof runs actually performed (cache misses).
    public var runsPerformed: Int {
        lock.lock(); defer { lock.unlock() }
        return performed
    }

    /// The run for `algorithm` at `digitCount` digits: proved now, or the one proved before.
    public func run(_ algorithm: PerDigitAlgorithm, digitCount: Int) throws -> ProofRun {
        let key = try String(decoding: JSONEncoder.sorted.encode(algorithm), as: UTF8.self) + "#\(digitCount)"
        lock.lock()
        if let run = runs[key] { lock.unlock(); return run }
        lock.unlock()
        let run = try AdditionProver.prove(algorithm, digitCount: digitCount, options: options)
        lock.lock(); defer { lock.unlock() }
        if let earlier = runs[key] { return earlier }
        runs[key] = run
        performed += 1
        return run
    }

    /// Runs for every n in `digitCounts`, in parallel (one Z3 context each, largest n first), in
    /// increasing n.
    public func runs(_ algorithm: PerDigitAlgorithm, digitCounts: ClosedRange<Int>) throws -> [ProofRun] {
        let values = Array(digitCounts)
        var results = [Result<ProofRun, Error>?](repeating: nil, count: values.count)
        let resultLock = NSLock()
        DispatchQueue.concurrentPerform(iterations: values.count) { index in
            let slot = values.count - 1 - index
            let result = Result { try run(algorithm, digitCount: values[slot]) }
            resultLock.lock()
            results[slot] = result
            resultLock.unlock()
        }
        return try results.map { result in
            guard let result else { throw Z3Error.unexpected("a proof run did not finish") }
            return try result.get()
        }
    }
}

extension JSONEncoder {
    /// An encoder with sorted keys (a stable text for keys).
    static var sorted: JSONEncoder {
        CanonicalJSON.encoder(pretty: false)
    }
}
