import AdditionTask
import CarryLensTestSupport
import Exhaustive
import Foundation
import Transformer
import XCTest

/// `carrylens compare`: two model files or two enumeration results, checked against
/// the fp64 reference pass's answers counted here, and the refusals.
final class CompareCLITests: XCTestCase {
    private func object(_ text: String) throws -> [String: Any] {
        try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    /// Two tiny random models (n = 1) written to files.
    private func tinyModels(in directory: URL, seeds: [UInt64] = [3, 11], config: ModelConfig = TinyModel.config) throws -> [URL] {
        try seeds.map { seed in
            let url = directory.appendingPathComponent("tiny-\(config.nDigits)-\(seed).safetensors")
            try TinyModel.writer(config: config, seed: seed).data().write(to: url)
            return url
        }
    }

    /// The outcome counts of the two models over every question, from the fp64 reference pass.
    private func referenceOutcomes(_ urls: [URL]) throws -> (counts: [String: Int], differing: [String]) {
        let models = try urls.map { try AdditionModel(contentsOf: $0) }
        let task = models[0].task
        let references = models.map { ReferenceEvaluator<Double>($0) }
        var counts: [String: Int] = [:]
        var differing: [String] = []
        for index in 0..<task.questionCount {
            let truth = task.question(atIndex: index).answerDigits
            let x = references[0].evaluate(index..<(index + 1))[0].predicted.map(Int.init)
            let y = references[1].evaluate(index..<(index + 1))[0].predicted.map(Int.init)
            let key: String
            switch (x == truth, y == truth) {
            case (true, true): key = "both_correct"
            case (false, true): key = "only_first_wrong"
            case (true, false): key = "only_second_wrong"
            case (false, false): key = x == y ? "both_wrong_same_answer" : "both_wrong_different_answers"
            }
            counts[key, default: 0] += 1
            if x != y { differing.append(task.question(atIndex: index).description) }
        }
        return (counts, differing)
    }

    func testTwoModelFilesAndTheirResultDirectoriesGiveTheReferenceOutcomes() throws {
        let directory = try Fixtures.temporaryDirectory("cli-compare")
        defer { try? FileManager.default.removeItem(at: directory) }
        let urls = try tinyModels(in: directory)
        let expected = try referenceOutcomes(urls)

        let fromModels = try object(try CLIRunner.succeed(["compare", urls[0].path, urls[1].path, "--json", "--list", "1000"]).stdout)
        let scope = try XCTUnwrap(fromModels["scope"] as? [String: Any])
        XCTAssertEqual(scope["kind"] as? String, "range")
        XCTAssertEqual(scope["count"] as? Int, 100)
        XCTAssertEqual(fromModels["n_digits"] as? Int, 1)
        let outcomes = try XCTUnwrap(fromModels["outcomes"] as? [String: Int])
        for key in ["both_correct", "only_first_wrong", "only_second_wrong", "both_wrong_same_answer", "both_wrong_different_answers"] {
            XCTAssertEqual(outcomes[key], expected.counts[key] ?? 0, key)
        }
        let listed = try XCTUnwrap(fromModels["differing"] as? [[String: Any]]).compactMap { $0["question"] as? String }
        XCTAssertEqual(listed, expected.differing)
        XCTAssertFalse(expected.differing.isEmpty, "two random models should disagree somewhere")

        // The same models enumerated, then their result directories compared.
        let results = try urls.enumerated().map { offset, url -> String in
            let out = directory.appendingPathComponent("result-\(offset)").path
            try CLIRunner.succeed(["enumerate", url.path, "--out", out, "--threads", "1"])
            return out
        }
        let fromResults = try object(try CLIRunner.succeed(["compare", results[0], results[1], "--json", "--list", "1000"]).stdout)
        XCTAssertEqual(fromResults as NSDictionary, fromModels as NSDictionary, "results and models must compare alike (same identities too)")

        // The text report states the scope and counts.
        let text = try CLIRunner.succeed(["compare", urls[0].path, urls[1].path]).stdout
        XCTAssertTrue(text.contains("questions: every question of 1-digit addition (100)"), text)
        XCTAssertTrue(text.contains("answers differ: \(expected.differing.count)"), text)
    }

    func testASampleStatesItsSizeSeedAndIntervals() throws {
        let directory = try Fixtures.temporaryDirectory("cli-compare-sample")
        defer { try? FileManager.default.removeItem(at: directory) }
        let urls = try tinyModels(in: directory)
        let output = try object(try CLIRunner.succeed(["compare", urls[0].path, urls[1].path, "--json", "--sample", "40", "--seed", "9"]).stdout)
        let scope = try XCTUnwrap(output["scope"] as? [String: Any])
        XCTAssertEqual(scope["kind"] as? String, "sample")
        XCTAssertEqual(scope["count"] as? Int, 40)
        XCTAssertEqual(scope["seed"] as? Int, 9)
        XCTAssertEqual(scope["population"] as? Int, 100)
        let rates = try XCTUnwrap(output["rates"] as? [String: [String: Double]])
        let outcomes = try XCTUnwrap(output["outcomes"] as? [String: Int])
        XCTAssertEqual(outcomes.values.reduce(0, +), 40)
        let differ = outcomes["only_first_wrong"]! + outcomes["only_second_wrong"]! + outcomes["both_wrong_different_answers"]!
        let interval = WilsonInterval(successes: differ, trials: 40)
        XCTAssertEqual(try XCTUnwrap(rates["answers_differ"]?["low"]), interval.low, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(rates["answers_differ"]?["high"]), interval.high, accuracy: 1e-12)
    }

    func testInputsThatCannotBeComparedAreRefused() throws {
        let directory = try Fixtures.temporaryDirectory("cli-compare-refused")
        defer { try? FileManager.default.removeItem(at: directory) }
        let one = try tinyModels(in: directory)
        let two = try tinyModels(in: directory, seeds: [5], config: ModelConfig(nDigits: 2, nHeads: 3, dModel: 8, dHead: 2, dMLP: 16))

        var output = try CLIRunner.fail(["compare", one[0].path, two[0].path], mentioning: "cannot compare a 1-digit model with a 2-digit model")
        XCTAssertEqual(output.status, 2)

        // Result directories over different ranges, or of different n.
        let whole = directory.appendingPathComponent("whole").path, half = directory.appendingPathComponent("half").path
        let other = directory.appendingPathComponent("two-digit").path
        try CLIRunner.succeed(["enumerate", one[0].path, "--out", whole])
        try CLIRunner.succeed(["enumerate", one[1].path, "--out", half, "--shard", "0/2"])
        try CLIRunner.succeed(["enumerate", two[0].path, "--out", other, "--shard", "0/100"])
        output = try CLIRunner.fail(["compare", whole, half], mentioning: "the first covers [0, 100), the second [0, 50)")
        XCTAssertEqual(output.status, 2)
        output = try CLIRunner.fail(["compare", whole, other], mentioning: "cannot compare a 1-digit model with a 2-digit model")
        XCTAssertEqual(output.status, 2)

        // A model and a directory; --sample with directories.
        output = try CLIRunner.fail(["compare", one[0].path, whole], mentioning: "give two model files or two result directories")
        XCTAssertEqual(output.status, 64)
        output = try CLIRunner.fail(["compare", whole, whole, "--sample", "10"], mentioning: "--sample applies to model files")
        XCTAssertEqual(output.status, 64)

        // A directory holding no result, a sampled result, and a result whose files were edited.
        let empty = directory.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        output = try CLIRunner.fail(["compare", whole, empty.path], mentioning: "is not a CarryLens result directory")
        XCTAssertEqual(output.status, 2)
        let sampled = directory.appendingPathComponent("sampled")
        try FileManager.default.createDirectory(at: sampled, withIntermediateDirectories: true)
        try Data(#"{"format": "carrylens-sample/2"}"#.utf8).write(to: sampled.appendingPathComponent("summary.json"))
        output = try CLIRunner.fail(["compare", whole, sampled.path], mentioning: "holds a sampled result")
        XCTAssertEqual(output.status, 2)
        // An edited failure set (one byte of the compressed records changed) fails its checks.
        let failures = URL(fileURLWithPath: whole).appendingPathComponent("failures.bin")
        var bytes = try Data(contentsOf: failures)
        bytes[bytes.count - 2] ^= 0x5A
        try bytes.write(to: failures)
        output = try CLIRunner.fail(["compare", whole, whole], mentioning: "failures.bin")
        XCTAssertEqual(output.status, 1, "an edited result fails its checks")

        // Missing paths.
        output = try CLIRunner.fail(["compare", "/nonexistent/a", one[0].path], mentioning: "no such model file or result directory '/nonexistent/a'")
        XCTAssertEqual(output.status, 2)
    }
}
