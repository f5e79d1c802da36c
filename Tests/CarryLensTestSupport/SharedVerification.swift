import Foundation
import Interpretation
import Transformer
import Verification

/// One verification of the n = 3 fixture per test process, built from the committed enumeration
/// of its 10^6 questions (`verify --results proofs/add3_l1_h3_s129000/enumeration`), shared by
/// every suite that needs the whole-space results: the committed-report check, the pipeline's
/// once-per-question check and the exhaustive interpretation tests. That the committed
/// enumeration is what the current evaluator computes is checked by CommittedEnumerationTests
/// (a few shards always; the whole space with CARRYLENS_LONG_TESTS=1).
public final class SharedVerification: @unchecked Sendable {
    /// The shared instance.
    public static let threeDigit = SharedVerification()

    /// The committed whole-space enumeration of the n = 3 fixture.
    public static let committedEnumeration = Fixtures.repositoryRoot.appendingPathComponent("proofs/add3_l1_h3_s129000/enumeration")

    /// A finished run: where its files are, and the pipeline that wrote them (with its counters).
    public struct Run: @unchecked Sendable {
        /// The results directory (as `carrylens verify --reproducible` writes it).
        public let directory: URL
        /// The pipeline, after its run.
        public let pipeline: VerificationPipeline
        /// The interpretation's run, with the network's answers it read.
        public let explainRun: ExplainRun
    }

    private let lock = NSLock()
    private var finished: Run?

    /// The run, made on first use.
    public func run() throws -> Run {
        lock.lock()
        defer { lock.unlock() }
        if let finished { return finished }
        let directory = try Fixtures.temporaryDirectory("verify3")
        var options = VerificationOptions()
        options.reproducible = true
        options.results = Self.committedEnumeration
        let pipeline = try VerificationPipeline(model: try Fixtures.model(digits: 3), options: options)
        let started = Date()
        try pipeline.run(to: directory)
        print("shared n = 3 verification: \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
        guard let explainRun = pipeline.explainRun else { throw CocoaError(.featureUnsupported) }
        let run = Run(directory: directory, pipeline: pipeline, explainRun: explainRun)
        finished = run
        return run
    }
}
