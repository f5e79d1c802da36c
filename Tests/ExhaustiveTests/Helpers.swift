import AdditionTask
import CarryLensTestSupport
import Foundation
import Transformer
import XCTest
@testable import Exhaustive

/// Shared set-up for the plumbing tests: toy evaluators, toy model identities, file comparison.
enum Toy {
    static func task(_ n: Int) throws -> AdditionTask { try AdditionTask(digitCount: n) }

    static let model = ModelIdentity(file: "toy.safetensors", sha256: String(repeating: "0", count: 64))
    static let otherModel = ModelIdentity(file: "toy.safetensors", sha256: String(repeating: "1", count: 64))

    static func enumerator(n: Int, threads: Int = 1, chunkSize: Int = 37, nearTieEvery: Int? = 101) throws -> Enumerator {
        let task = try task(n)
        return try Enumerator(
            evaluator: OneLevelCarryEvaluator(task: task, nearTieEvery: nearTieEvery),
            exactEvaluator: TrueAdditionEvaluator(task: task),
            options: EnumerationOptions(chunkSize: chunkSize, threadCount: threads))
    }

    /// Runs shard `shard` of n-digit addition into `directory`.
    @discardableResult
    static func runShard(n: Int, shard: Shard = .whole, directory: URL, threads: Int = 1, chunkSize: Int = 37,
                         model: ModelIdentity = Toy.model, resume: Bool = false, force: Bool = false,
                         stopAfterChunks: Int? = nil, checkpointEveryChunks: Int? = nil) throws -> ShardRunOutcome {
        let enumerator = try enumerator(n: n, threads: threads, chunkSize: chunkSize)
        var run = ShardRun(directory: directory, model: model, range: shard.range(for: enumerator.task), enumerator: enumerator)
        run.stopAfterChunks = stopAfterChunks
        run.checkpointEveryChunks = checkpointEveryChunks
        run.checkpointInterval = 3600
        run.showsProgress = false
        return try run.run(resume: resume, force: force)
    }
}

/// Asserts two result directories hold byte-identical summary.json and failures.bin.
func assertSameResultFiles(_ first: URL, _ second: URL, file: StaticString = #filePath, line: UInt = #line) throws {
    for name in ["summary.json", "failures.bin"] {
        let a = try Data(contentsOf: first.appendingPathComponent(name))
        let b = try Data(contentsOf: second.appendingPathComponent(name))
        XCTAssertEqual(a, b, "\(name) differs between \(first.path) and \(second.path)", file: file, line: line)
    }
}

/// Asserts `body` throws an `ExhaustiveError` matching `predicate`.
func assertThrowsExhaustive(_ body: @autoclosure () throws -> Any, _ predicate: (ExhaustiveError) -> Bool,
                            file: StaticString = #filePath, line: UInt = #line) {
    do {
        _ = try body()
        XCTFail("expected an error", file: file, line: line)
    } catch let error as ExhaustiveError {
        XCTAssertTrue(predicate(error), "unexpected error: \(error)", file: file, line: line)
    } catch {
        XCTFail("unexpected error type: \(error)", file: file, line: line)
    }
}
