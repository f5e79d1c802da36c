import CarryLensTestSupport
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// End-to-end checks of `carrylens enumerate / merge / failures`, running the built executable.
final class CommandLineTests: XCTestCase {
    private var modelPath: String { Fixtures.modelURL(digits: 3).path }

    /// The built `carrylens` next to the test bundle, or in .build/{release,debug}.
    private func executable() throws -> URL {
        let bundle = Bundle.main.bundleURL
        let candidates = [
            bundle.deletingLastPathComponent().appendingPathComponent("carrylens"),
            bundle.appendingPathComponent("carrylens"),
            Fixtures.repositoryRoot.appendingPathComponent(".build/release/carrylens"),
            Fixtures.repositoryRoot.appendingPathComponent(".build/debug/carrylens"),
        ]
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw TestGates.missingTool("carrylens executable not built (run swift build first)")
        }
        return found
    }

    private struct Outcome { var status: Int32; var stdout: String; var stderr: String }

    private func launch(_ arguments: [String]) throws -> (Process, Pipe, Pipe) {
        let process = Process()
        process.executableURL = try executable()
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        return (process, out, err)
    }

    private func run(_ arguments: [String]) throws -> Outcome {
        let (process, out, err) = try launch(arguments)
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                       stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// A real `kill -9` mid-run, then `--resume`: byte-identical to an uninterrupted run.
    func testKillNineThenResumeIsByteIdentical() throws {
        let root = try Fixtures.temporaryDirectory("exhaustive-kill")
        defer { try? FileManager.default.removeItem(at: root) }
        let reference = root.appendingPathComponent("reference").path
        let killed = root.appendingPathComponent("killed").path
        let common = ["enumerate", modelPath, "--toy-evaluator", "--shard", "1/2", "--chunk-size", "500"]
        let first = try run(common + ["--out", reference, "--threads", "2"])
        XCTAssertEqual(first.status, 0, first.stderr)

        // ~1000 chunks at 8 ms each on 2 threads: about 4 s; checkpoint after every wave.
        let (process, out, err) = try launch(common + ["--out", killed, "--threads", "2", "--toy-delay", "0.008", "--checkpoint-seconds", "0"])
        let checkpoint = URL(fileURLWithPath: killed).appendingPathComponent("checkpoint.json")
        let deadline = Date().addingTimeInterval(30)
        var progressed = false
        while Date() < deadline, process.isRunning {
            if let data = try? Data(contentsOf: checkpoint),
               let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
               let next = object["next_index"] as? Int, next >= 500_000 + 50_000 {
                progressed = true
                break
            }
            usleep(20_000)
        }
        XCTAssertTrue(progressed, "the run did not checkpoint progress in time")
        XCTAssertTrue(process.isRunning, "the run finished before it could be killed")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        _ = out.fileHandleForReading.readDataToEndOfFile()
        _ = err.fileHandleForReading.readDataToEndOfFile()
        XCTAssertEqual(process.terminationReason, .uncaughtSignal)
        XCTAssertFalse(FileManager.default.fileExists(atPath: killed + "/summary.json"))

        let refused = try run(common + ["--out", killed])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("--resume"), refused.stderr)
        let otherShard = try run(["enumerate", modelPath, "--toy-evaluator", "--shard", "0/2", "--chunk-size", "500", "--out", killed, "--resume"])
        XCTAssertNotEqual(otherShard.status, 0)
        XCTAssertTrue(otherShard.stderr.contains("cannot resume"), otherShard.stderr)

        let resumed = try run(common + ["--out", killed, "--threads", "1", "--resume"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        for name in ["summary.json", "failures.bin"] {
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: reference + "/" + name)),
                           try Data(contentsOf: URL(fileURLWithPath: killed + "/" + name)), name)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: checkpoint.path))
        let again = try run(common + ["--out", killed])
        XCTAssertNotEqual(again.status, 0)
        XCTAssertTrue(again.stderr.contains("--force"), again.stderr)
    }

    func testMergeAndFailuresCommands() throws {
        let root = try Fixtures.temporaryDirectory("exhaustive-cli-merge")
        defer { try? FileManager.default.removeItem(at: root) }
        var shards: [String] = []
        for i in 0..<3 {
            let directory = root.appendingPathComponent("s\(i)").path
            let outcome = try run(["enumerate", modelPath, "--toy-evaluator", "--shard", "\(i)/3", "--out", directory])
            XCTAssertEqual(outcome.status, 0, outcome.stderr)
            shards.append(directory)
        }
        let merged = root.appendingPathComponent("merged").path
        let gap = try run(["merge", shards[0], shards[2], "--out", merged])
        XCTAssertNotEqual(gap.status, 0)
        XCTAssertTrue(gap.stderr.contains("covered by no shard"), gap.stderr)
        let ok = try run(["merge"] + shards + ["--out", merged])
        XCTAssertEqual(ok.status, 0, ok.stderr)

        let all = try run(["failures", merged])
        XCTAssertEqual(all.status, 0, all.stderr)
        let lines = all.stdout.split(separator: "\n")
        XCTAssertEqual(lines.first, "a,b,model_answer,true_answer,wrong_digits,pattern,cascade_lengths")
        XCTAssertEqual(lines.count - 1, 4500 - 5)  // the toy's near ties at multiples of 997 fix 5 cascade failures
        let filtered = try run(["failures", merged, "--digit", "3", "--pattern", "9?C", "--format", "jsonl"])
        XCTAssertEqual(filtered.status, 0, filtered.stderr)
        XCTAssertEqual(filtered.stdout.split(separator: "\n").count, 4495)
        // The toy's failures are the 99C questions: A3 wrong through a cascade of 2.
        let cascade = try run(["failures", merged, "--cascade", "2"])
        XCTAssertEqual(cascade.stdout, all.stdout)
        XCTAssertEqual(try run(["failures", merged, "--cascade", "1"]).stdout.split(separator: "\n").count, 1)
        let limited = try run(["failures", merged, "--limit", "3"])
        XCTAssertEqual(limited.stdout.split(separator: "\n"), Array(lines.prefix(4)))
        let sampled = try run(["failures", merged, "--sample", "10", "--seed", "4"])
        XCTAssertEqual(sampled.status, 0, sampled.stderr)
        let sampledLines = sampled.stdout.split(separator: "\n")
        XCTAssertEqual(sampledLines.count, 11)
        XCTAssertTrue(Set(sampledLines).isSubset(of: Set(lines)))
        XCTAssertEqual(try run(["failures", merged, "--sample", "10", "--seed", "4"]).stdout, sampled.stdout)
        let none = try run(["failures", merged, "--digit", "0"])
        XCTAssertEqual(none.stdout.split(separator: "\n").count, 1)
        let badPattern = try run(["failures", merged, "--pattern", "9X"])
        XCTAssertNotEqual(badPattern.status, 0)
        XCTAssertTrue(badPattern.stderr.contains("malformed pattern"), badPattern.stderr)
    }

    func testBadArgumentsFailClearly() throws {
        let root = try Fixtures.temporaryDirectory("exhaustive-cli-bad")
        defer { try? FileManager.default.removeItem(at: root) }
        let out = root.appendingPathComponent("o").path
        for (shard, message) in [("3/2", "malformed shard"), ("0/0", "malformed shard"), ("x/y", "malformed shard"), ("1", "malformed shard")] {
            let outcome = try run(["enumerate", modelPath, "--toy-evaluator", "--shard", shard, "--out", out])
            XCTAssertNotEqual(outcome.status, 0, shard)
            XCTAssertTrue(outcome.stderr.contains(message), "\(shard): \(outcome.stderr)")
        }
        let threads = try run(["enumerate", modelPath, "--toy-evaluator", "--threads", "0", "--out", out])
        XCTAssertNotEqual(threads.status, 0)
        let missing = try run(["enumerate", root.appendingPathComponent("nope.safetensors").path, "--out", out])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("no such model file"), missing.stderr)
        let notResult = try run(["failures", root.path])
        XCTAssertNotEqual(notResult.status, 0)
        XCTAssertTrue(notResult.stderr.contains("not a CarryLens result directory"), notResult.stderr)
        let mergeMissing = try run(["merge", root.appendingPathComponent("absent").path, "--out", out])
        XCTAssertNotEqual(mergeMissing.status, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
    }
}
