import ArgumentParser
import Exhaustive
import Foundation
import Transformer

/// `carrylens enumerate MODEL`: every question (or one shard) through the fast evaluator.
struct EnumerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enumerate",
        abstract: "Evaluate the model on every question (or one shard) and record every failure.",
        discussion: """
        Writes DIR/summary.json (deterministic), DIR/failures.bin (every failing question, compact; \
        list it with `carrylens failures DIR`), DIR/margins.json and DIR/timing.json (machine-dependent). Checkpoints after completed chunks every few seconds; after a \
        crash or preemption run the same command with --resume. See docs/cluster.md.
        """)

    @Argument(help: "The model file: safetensors with a config, or a PyTorch checkpoint (config inferred from its shapes).")
    var model: String

    @Option(help: "Shard I/N (0-based): indices [⌊I·T/N⌋, ⌊(I+1)·T/N⌋) of T = 10^(2n). Default: everything.")
    var shard: String?

    @Option(help: "Worker threads.")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Result directory.")
    var out = OutputRoot.directory(for: "enumerate")

    @Flag(help: "Continue an interrupted run in --out (start afresh if there is none).")
    var resume = false

    @Flag(help: "Discard any result or interrupted run in --out.")
    var force = false

    @Option(help: "Questions per evaluator call (default: 4096 for --evaluator dense; for sparse, whose blocks live inside a chunk, 5*10^5 for n >= 4 and half of all questions for n <= 3).")
    var chunkSize: Int?

    @Option(help: "The fast path: 'sparse' (default; per answer position, blocks of questions with provably dead MLP neurons left out, docs/sparse-evaluation.md) or 'dense' (every neuron of every row). Both give the same decisions and the same summary.json and failures.csv.")
    var evaluator: FastEvaluationPath = .sparse

    @Option(help: "Smallest margin below which the fp64 reference re-decides a question (default: the evaluator's own bound, else 0.01).")
    var nearTieMargin: Float?

    @Option(help: ArgumentHelp("Sparse path: columns each block fixes, from the digit's own downwards (default 3; testing and tuning).", visibility: .hidden))
    var sparseFixedColumns: Int?

    @Option(help: ArgumentHelp("Sparse path: blocks with fewer questions run dense (default 64; testing and tuning).", visibility: .hidden))
    var sparseMinimumBlock: Int?

    @Option(help: ArgumentHelp("Sparse path: fold always-active neurons into one map per block: never, whenItPays (default), always (testing and tuning).", visibility: .hidden))
    var sparseFold: FoldPolicy?

    @Option(help: ArgumentHelp("Sparse path: block certificates, rows whose digit the block's bounds settle without running their MLP: on (default) or off (testing and measurement).", visibility: .hidden))
    var sparseCertificates: CertificateSetting?

    @Option(help: ArgumentHelp("Seconds between checkpoints.", visibility: .hidden))
    var checkpointSeconds: Double = 5

    @Option(help: ArgumentHelp("Stop after this many chunks (testing).", visibility: .hidden))
    var stopAfterChunks: Int?

    @Flag(help: "Evaluate every question with the slow fp64 reference pass instead of the fast evaluator (the independent cross-check; about 4 ms per question).")
    var reference = false

    @Flag(help: ArgumentHelp("Use the model-free one-level carry algorithm instead of the network (testing).", visibility: .hidden))
    var toyEvaluator = false

    @Option(help: ArgumentHelp("With --toy-evaluator: seconds to sleep per chunk (testing).", visibility: .hidden))
    var toyDelay: Double = 0

    func validate() throws {
        if let shard {
            do { _ = try Shard(parsing: shard) } catch { throw ValidationError("\(error)") }
        }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        if let chunkSize { guard chunkSize >= 1 else { throw ValidationError("--chunk-size must be at least 1") } }
        if let nearTieMargin { guard nearTieMargin >= 0, nearTieMargin.isFinite else { throw ValidationError("--near-tie-margin must be a non-negative number") } }
        guard checkpointSeconds >= 0 else { throw ValidationError("--checkpoint-seconds must be non-negative") }
        if resume && force { throw ValidationError("--resume and --force exclude each other") }
    }

    func run() throws {
        do {
            let modelURL = URL(fileURLWithPath: model)
            guard FileManager.default.isReadableFile(atPath: modelURL.path) else {
                throw CLIError("no such model file '\(model)' (or it is not readable)")
            }
            let loaded = try AdditionModel(contentsOf: modelURL)
            let identity = try ModelIdentity(fileAt: modelURL)
            let shard = try self.shard.map(Shard.init(parsing:)) ?? .whole
            let range = shard.range(for: loaded.task)
            let fast: any BatchEvaluator = toyEvaluator
                ? OneLevelCarryEvaluator(task: loaded.task, nearTieEvery: 997, delayPerCall: toyDelay)
                : (reference ? ReferenceEvaluator<Double>(loaded) : makeFastEvaluator(loaded, path: evaluator, sparseFixedColumns: sparseFixedColumns, sparseMinimumBlock: sparseMinimumBlock, sparseFold: sparseFold, sparseCertificates: sparseCertificates.map { $0 == .on }))
            let exact: any BatchEvaluator = toyEvaluator ? TrueAdditionEvaluator(task: loaded.task) : makeExactEvaluator(for: fast, model: loaded)
            let enumerator = try Enumerator(
                evaluator: fast, exactEvaluator: exact,
                options: EnumerationOptions(chunkSize: chunkSize ?? FastEvaluator.defaultChunkSize(path: evaluator, task: loaded.task,
                                                                                                  questions: range.count, threads: threads),
                                            threadCount: threads,
                                            nearTieRule: nearTieMargin.map(NearTieRule.fixed)))
            var run = ShardRun(directory: URL(fileURLWithPath: out), model: identity, range: range, enumerator: enumerator)
            run.checkpointInterval = checkpointSeconds
            run.stopAfterChunks = stopAfterChunks
            switch try run.run(resume: resume, force: force) {
            case .completed(let result, let timing):
                let s = result.summary
                print("shard \(shard) [\(s.firstIndex), \(s.firstIndex + s.count)): \(s.failures) failures, \(result.margins.nearTies.count) near ties (\(result.margins.nearTiesChanged) changed), \(s.undecided.count) undecided, \(String(format: "%.1f", timing.seconds)) s → \(out)")
            case .alreadyComplete(let result):
                print("already complete: \(result.summary.failures) failures in \(out)")
            case .interrupted(let next):
                print("stopped at index \(next); continue with --resume")
            }
        } catch let error as ExhaustiveError {
            throw CLIError(error)
        }
    }
}

extension FastEvaluationPath: ExpressibleByArgument {}
extension FoldPolicy: ExpressibleByArgument {}

/// `--sparse-certificates`: whether the sparse path tries block certificates.
enum CertificateSetting: String, ExpressibleByArgument, CaseIterable { case on, off }
