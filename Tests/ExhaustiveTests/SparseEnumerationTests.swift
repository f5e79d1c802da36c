import AdditionTask
import CarryLensTestSupport
import Foundation
import XCTest
@testable import Exhaustive
@testable import Transformer

/// The sparse path decides exactly as the dense path: same failures, same counts
/// (what `summary.json` and `failures.csv` hold), whatever its settings.
final class SparseEnumerationTests: XCTestCase {
    private func run(_ fast: FastEvaluator, _ range: Range<Int>, chunkSize: Int, threads: Int = 2) throws
        -> (summary: Data, failures: [FailureRecord], tally: EnumerationTally) {
        let enumerator = try Enumerator(evaluator: fast, exactEvaluator: fast.exact,
                                        options: EnumerationOptions(chunkSize: chunkSize, threadCount: threads))
        let (tally, failures) = try enumerator.run(range)
        let identity = RunIdentity(model: ModelIdentity(file: "m", sha256: "0"), evaluator: enumerator.evaluatorName,
                                   exactEvaluator: "ExactTableEvaluator", nearTieRule: enumerator.nearTieRule.description,
                                   nDigits: fast.task.digitCount, firstIndex: range.lowerBound, count: range.count)
        return (try CanonicalJSON.encode(EnumerationSummary(identity: identity, tally: tally)), failures, tally)
    }

    /// Compares a sparse run over `range` of the n = 3 fixture with the committed result
    /// of the dense path (proofs/add3_l1_h3_s129000/enumeration, every question, produced
    /// by `FastEvaluator` dense and cross-checked against NumPy, docs/performance.md):
    /// the failures inside `range` byte for byte, and, for the whole range, the counts.
    private func checkThreeDigitAgainstCommittedDenseResult(_ range: Range<Int>, chunkSize: Int) throws {
        let model = try Fixtures.model(digits: 3)
        let fast = FastEvaluator(model, path: .sparse)
        let (_, failures, tally) = try run(fast, range, chunkSize: chunkSize)
        let committed = Fixtures.repositoryRoot.appendingPathComponent("proofs/add3_l1_h3_s129000/enumeration")
        let committedSummary = try CanonicalJSON.decode(EnumerationSummary.self, from: committed.appendingPathComponent("summary.json"))
        XCTAssertEqual(committedSummary.evaluator, "FastEvaluator")
        XCTAssertEqual(committedSummary.count, 1_000_000)
        // The committed failures, read (and verified) from its compact failure set.
        let committedRows = try EnumerationResult.load(from: committed).failures().map { $0.csvRow(digitCount: 3) }
        let expectedRows = committedRows.filter { row in
            let fields = row.split(separator: ",")
            return range.contains(Int(fields[0])! * 1000 + Int(fields[1])!)
        }
        XCTAssertEqual(failures.map { $0.csvRow(digitCount: 3) }, expectedRows)
        XCTAssertFalse(expectedRows.isEmpty, "the range holds a committed failure")
        if range == 0..<model.task.questionCount {
            let summary = EnumerationSummary(identity: committedSummary.identity, tally: tally, dataFiles: committedSummary.dataFiles)
            XCTAssertEqual(try CanonicalJSON.encode(summary), try Data(contentsOf: committed.appendingPathComponent("summary.json")),
                           "counts differ from the dense path's")
        }
        let report = fast.evaluationPathReport()
        XCTAssertEqual(report.rows, 4 * range.count)
        XCTAssertGreaterThan(report.sparseRows, 0)
        print("n = 3 \(range), sparse: \(report)")
    }

    /// Every question of the n = 3 fixture on the sparse path: the committed dense
    /// result's `summary.json` counts and `failures.csv`, byte for byte. About as long
    /// as the dense whole run (minutes), so only with CARRYLENS_LONG_TESTS=1;
    /// docs/sparse-evaluation.md records its runs.
    func testWholeThreeDigitFixtureMatchesTheCommittedDenseResult() throws {
        try TestGates.requireLongTests("the whole n = 3 fixture on the sparse path")
        let model = try Fixtures.model(digits: 3)
        try checkThreeDigitAgainstCommittedDenseResult(0..<model.task.questionCount,
                                                       chunkSize: FastEvaluator.defaultChunkSize(path: .sparse, task: model.task,
                                                                                                  questions: model.task.questionCount, threads: 2))
    }

    /// A twentieth of the n = 3 fixture (a = 450…499, holding its one failure) on the sparse
    /// path: the committed dense result's failures in that range, byte for byte.
    func testThreeDigitShardMatchesTheCommittedDenseResult() throws {
        try checkThreeDigitAgainstCommittedDenseResult(450_000..<500_000, chunkSize: 25_000)
    }

    /// A shard of the n = 5 fixture: sparse and dense give byte-identical summaries and
    /// the same failures, with 1 and 2 threads.
    func testFiveDigitShardMatchesDense() throws {
        let model = try Fixtures.model(digits: 5)
        let range = (31415 * 100_000)..<(31415 * 100_000 + 20_000)
        let dense = try run(FastEvaluator(model), range, chunkSize: 4096)
        let sparseEvaluator = FastEvaluator(model, path: .sparse)
        let sparse = try run(sparseEvaluator, range, chunkSize: 10_000, threads: 2)
        XCTAssertEqual(String(decoding: sparse.summary, as: UTF8.self), String(decoding: dense.summary, as: UTF8.self))
        XCTAssertEqual(sparse.failures, dense.failures)
        XCTAssertGreaterThan(dense.failures.count, 0, "the shard has failures to compare")
        // Every near tie of either path was re-decided in fp64.
        for tie in sparse.tally.nearTies + dense.tally.nearTies { XCTAssertNotNil(tie.exactAnswer) }
        let report = sparseEvaluator.evaluationPathReport()
        XCTAssertGreaterThan(Double(report.sparseRows + report.certificateRows) / Double(report.rows), 0.5,
                             "most rows on the sparse path or certified")
        XCTAssertGreaterThan(report.certificateRows, 0, "block certificates on by default")
        print("n = 5 shard: \(dense.failures.count) failures; dense near ties \(dense.tally.nearTies.count), sparse \(sparse.tally.nearTies.count); \(report)")
    }

    /// Tighter and looser classifications (smaller or larger blocks, extra slack, the
    /// dense fallback forced; block certificates off so that every row is evaluated) and
    /// block certificates on, looser, and with the dense fallback: the decisions stay
    /// identical, only the share of rows on each path, certified, and of neurons proved
    /// dead moves.
    func testClassificationBoundDoesNotChangeDecisions() throws {
        let model = try Fixtures.model(digits: 5)
        let range = (27182 * 100_000 + 40_000)..<(27182 * 100_000 + 45_000)
        let reference = try run(FastEvaluator(model), range, chunkSize: 4096)
        var reports: [String: EvaluationPathReport] = [:]
        let settings: [(String, SparseBlockOptions)] = [
            ("default", SparseBlockOptions(certificates: false)),
            ("tighter: blocks fix 4 columns", SparseBlockOptions(minimumBlockSize: 4, fixedColumnDepth: 4, certificates: false)),
            ("looser: blocks fix 2 columns", SparseBlockOptions(fixedColumnDepth: 2, certificates: false)),
            ("looser: slack 0.5", SparseBlockOptions(slack: 0.5, certificates: false)),
            ("dense fallback forced", SparseBlockOptions(maximumLiveFraction: 0, certificates: false)),
            ("always-active neurons never folded", SparseBlockOptions(fold: .never, certificates: false)),
            ("always-active neurons folded on every block", SparseBlockOptions(fold: .always, certificates: false)),
            ("certificates", SparseBlockOptions()),
            ("certificates looser: certified margins less 1", SparseBlockOptions(certificateSlack: 1)),
            ("certificates with the dense fallback forced", SparseBlockOptions(maximumLiveFraction: 0)),
        ]
        // One chunk per setting (blocks as large as the range allows), so each run is one
        // thread: the settings run side by side.
        let runs = settings.concurrentMap { _, options in
            let fast = FastEvaluator(model, path: .sparse, sparseOptions: options)
            return (fast, Result { try run(fast, range, chunkSize: 5_000, threads: 1) })
        }
        for ((name, _), (fast, outcome)) in zip(settings, runs) {
            let result = try outcome.get()
            XCTAssertEqual(result.summary, reference.summary, name)
            XCTAssertEqual(result.failures, reference.failures, name)
            reports[name] = fast.evaluationPathReport()
            print("\(name): \(reports[name]!)")
        }
        let base = try XCTUnwrap(reports["default"])
        XCTAssertGreaterThan(try XCTUnwrap(reports["tighter: blocks fix 4 columns"]).deadShare, base.deadShare)
        XCTAssertLessThan(try XCTUnwrap(reports["looser: blocks fix 2 columns"]).deadShare, base.deadShare)
        XCTAssertLessThan(try XCTUnwrap(reports["looser: slack 0.5"]).deadShare, base.deadShare)
        XCTAssertEqual(try XCTUnwrap(reports["dense fallback forced"]).sparseRows, 0)
        XCTAssertEqual(try XCTUnwrap(reports["always-active neurons never folded"]).foldedRows, 0)
        let foldedEverywhere = try XCTUnwrap(reports["always-active neurons folded on every block"])
        XCTAssertGreaterThan(foldedEverywhere.foldedRows, foldedEverywhere.sparseRows / 2, "most sparse rows folded")
        XCTAssertGreaterThan(base.sparseRows, 0)
        XCTAssertEqual(base.certificateRows, 0)
        let certified = try XCTUnwrap(reports["certificates"]).certificateRows
        let looser = try XCTUnwrap(reports["certificates looser: certified margins less 1"]).certificateRows
        XCTAssertGreaterThan(certified, looser)
        XCTAssertGreaterThan(looser, 0)
        XCTAssertEqual(try XCTUnwrap(reports["certificates with the dense fallback forced"]).sparseRows, 0)
    }
}
