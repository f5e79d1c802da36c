import CarryLensTestSupport
import Foundation
import Transformer
import XCTest

/// Commands on a PyTorch checkpoint give what they give on the equivalent
/// safetensors file; `convert` writes that safetensors file.
final class ModelFormatCLITests: XCTestCase {
    private let safetensors = Fixtures.modelURL(digits: 3).path
    private let checkpoint = Fixtures.pthURL("add3_l1_h3_s129000.pth").path

    private func jsonObject(_ text: String) throws -> [String: Any] {
        try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    func testInfoOnCheckpointShowsFormatInferredConfigAndNotes() throws {
        let text = try CLIRunner.succeed(["info", checkpoint]).stdout
        for expected in [
            "format: PyTorch torch.save checkpoint (zip)",
            "config: n_digits 3, n_layers 1, n_heads 3, d_model 510, d_head 170, d_mlp 2040, d_vocab 12, n_ctx 12, act_fn relu, normalization LN, eps 1e-05",
            "read from a PyTorch torch.save checkpoint (zip archive directory 'add3_l1_h3_s129000/')",
            "config inferred from the tensor shapes",
            "TransformerLens buffer 'blocks.0.attn.mask' checked: BOOL [12, 12] causal mask",
            "metadata keys: none",
        ] {
            XCTAssertTrue(text.contains(expected), "missing '\(expected)' in:\n\(text)")
        }
        let fromCheckpoint = try jsonObject(try CLIRunner.succeed(["info", checkpoint, "--json"]).stdout)
        let fromSafetensors = try jsonObject(try CLIRunner.succeed(["info", safetensors, "--json"]).stdout)
        XCTAssertEqual(fromCheckpoint["format"] as? String, "pytorch")
        XCTAssertEqual(fromSafetensors["format"] as? String, "safetensors")
        for key in ["parameter_count", "layout", "question_count", "context_length", "input_length"] {
            XCTAssertEqual(fromCheckpoint[key] as? NSObject, fromSafetensors[key] as? NSObject, key)
        }
        var checkpointConfig = try XCTUnwrap(fromCheckpoint["config"] as? [String: Any])
        var safetensorsConfig = try XCTUnwrap(fromSafetensors["config"] as? [String: Any])
        // The checkpoint does not record the training seed; every other field agrees.
        XCTAssertNil(checkpointConfig.removeValue(forKey: "seed"))
        XCTAssertEqual(safetensorsConfig.removeValue(forKey: "seed") as? Int, 129000)
        XCTAssertEqual(checkpointConfig as NSDictionary, safetensorsConfig as NSDictionary)
    }

    func testRunAndLogitsOnCheckpointEqualSafetensors() throws {
        for question in ["555+445", "999+1"] {
            XCTAssertEqual(try CLIRunner.succeed(["run", checkpoint, question, "--json"]).stdout,
                           try CLIRunner.succeed(["run", safetensors, question, "--json"]).stdout, question)
        }
        XCTAssertEqual(try CLIRunner.succeed(["run", checkpoint, "555+445", "--precision", "fp64"]).stdout,
                       try CLIRunner.succeed(["run", safetensors, "555+445", "--precision", "fp64"]).stdout)
        for (precision, count) in [("fp32", 100), ("fp64", 10)] {
            let questions = (0..<count).map { "\(($0 * 37) % 1000)+\(($0 * 91 + 5) % 1000)" }.joined(separator: "\n")
            let fromCheckpoint = try CLIRunner.succeed(["logits", checkpoint, "--input", "-", "--precision", precision], standardInput: questions).stdout
            let fromSafetensors = try CLIRunner.succeed(["logits", safetensors, "--input", "-", "--precision", precision], standardInput: questions).stdout
            XCTAssertEqual(fromCheckpoint.split(separator: "\n").count, count)
            XCTAssertEqual(fromCheckpoint, fromSafetensors, precision)
        }
    }

    func testConfigFileAndFlagsOnCheckpoint() throws {
        let tiny = Fixtures.pthURL("tiny_f32.pth").path
        let config = Fixtures.pthURL("tiny.config.json").path
        let info = try CLIRunner.succeed(["info", tiny, "--config", config]).stdout
        XCTAssertTrue(info.contains("n_digits 1, n_layers 1, n_heads 3, d_model 8, d_head 4, d_mlp 16"), info)
        XCTAssertTrue(info.contains("seed 20260101"), info)
        try CLIRunner.fail(["info", tiny, "--d-model", "9"], mentioning: "the config says d_model 9 but the tensors say 8 (embed.W_E [12, 8])")
        try CLIRunner.fail(["info", tiny, "--config", config, "--n-heads", "2"], mentioning: "these flags contradict --config: --n-heads 2 (--config: 3)")
        try CLIRunner.succeed(["run", Fixtures.pthURL("tiny_bf16.pth").path, "3+4"])
    }

    func testHostileCheckpointFailsWithItsError() throws {
        let directory = try Fixtures.temporaryDirectory("cli-pth")
        defer { try? FileManager.default.removeItem(at: directory) }
        var pickle = PickleBuilder()
        pickle.proto()
        pickle.global("os", "system")
        pickle.stop()
        let url = directory.appendingPathComponent("evil.pth")
        try CheckpointBuilder.checkpoint(pickle: pickle.data, storages: []).write(to: url)
        try CLIRunner.fail(["info", url.path], mentioning: "pickle GLOBAL os.system is not allowed")
        let legacy = directory.appendingPathComponent("legacy.pt")
        try Data([0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC]).write(to: legacy)
        try CLIRunner.fail(["run", legacy.path, "1+2"], mentioning: "legacy torch.save file")
    }

    func testConvertWritesTheEquivalentSafetensorsAtomically() throws {
        let directory = try Fixtures.temporaryDirectory("cli-convert")
        defer { try? FileManager.default.removeItem(at: directory) }
        let out = directory.appendingPathComponent("add3.safetensors").path
        let output = try CLIRunner.succeed(["convert", checkpoint, "--out", out])
        XCTAssertTrue(output.stdout.hasPrefix("wrote \(out): 22 F32 tensors"), output.stdout)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["add3.safetensors"])
        let converted = try AdditionModel(contentsOf: URL(fileURLWithPath: out))
        let reference = try Fixtures.model(digits: 3)
        XCTAssertEqual(converted.format, .safetensors)
        XCTAssertEqual(converted.config.nDigits, 3)
        for tensor in reference.weights.namedTensors {
            XCTAssertEqual(converted.weights.values(named: tensor.name).map(\.bitPattern), tensor.values.map(\.bitPattern), tensor.name)
        }
        XCTAssertEqual(try CLIRunner.succeed(["run", out, "555+445", "--json"]).stdout,
                       try CLIRunner.succeed(["run", safetensors, "555+445", "--json"]).stdout)

        let before = try Data(contentsOf: URL(fileURLWithPath: out))
        try CLIRunner.fail(["convert", Fixtures.pthURL("tiny_f16.pth").path, "--out", out], mentioning: "exists; pass --force to replace it")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: out)), before)
        try CLIRunner.succeed(["convert", Fixtures.pthURL("tiny_f16.pth").path, "--out", out, "--force"])
        XCTAssertEqual(try AdditionModel(contentsOf: URL(fileURLWithPath: out)).config.dModel, 8)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["add3.safetensors"])
    }

    /// `enumerate` and `verify` on a checkpoint find what they find on the same
    /// parameters as safetensors (the tiny model answers every question wrong, so
    /// the failure lists are full and their equality means something).
    func testEnumerateAndVerifyOnCheckpointEqualSafetensors() throws {
        let directory = try Fixtures.temporaryDirectory("cli-pth-verify")
        defer { try? FileManager.default.removeItem(at: directory) }
        let tiny = Fixtures.pthURL("tiny_f32.pth").path
        let reference = Fixtures.pthURL("tiny_f32.expected.safetensors").path
        func summary(_ url: URL, dropping keys: [String]) throws -> NSDictionary {
            var object = try jsonObject(String(decoding: try Data(contentsOf: url), as: UTF8.self))
            for key in keys { object.removeValue(forKey: key) }
            return object as NSDictionary
        }
        for command in ["enumerate", "verify"] {
            let outA = directory.appendingPathComponent("\(command)-pth"), outB = directory.appendingPathComponent("\(command)-safetensors")
            try CLIRunner.succeed([command, tiny, "--out", outA.path])
            try CLIRunner.succeed([command, reference, "--out", outB.path])
            // enumerate keeps its failures compact (failures.bin, listed by `failures`); verify's report writes CSV.
            func failures(_ out: URL) throws -> String {
                command == "enumerate" ? try CLIRunner.succeed(["failures", out.path]).stdout
                    : try String(contentsOf: out.appendingPathComponent("failures.csv"), encoding: .utf8)
            }
            let failuresA = try failures(outA)
            XCTAssertEqual(failuresA, try failures(outB), command)
            XCTAssertEqual(failuresA.split(separator: "\n").count, 101, command)
            // The model identity (file name, hash, load notes) and timings differ; nothing else.
            XCTAssertEqual(try summary(outA.appendingPathComponent("summary.json"), dropping: ["model", "timings"]),
                           try summary(outB.appendingPathComponent("summary.json"), dropping: ["model", "timings"]), command)
        }
    }

    func testRunExplainOnCheckpointEqualsSafetensors() throws {
        let json = try CLIRunner.succeed(["run", checkpoint, "555+445", "--explain", "--json"]).stdout
        XCTAssertEqual(json, try CLIRunner.succeed(["run", safetensors, "555+445", "--explain", "--json"]).stdout)
        let object = try jsonObject(json)
        XCTAssertEqual(object["carry_pattern"] as? String, try Fixtures.model(digits: 3).task.parseQuestion("555+445").pattern.description)
        let digits = try XCTUnwrap(object["digits"] as? [[String: Any]])
        XCTAssertEqual(digits.map { $0["cascade_length"] as? Int }, [2, 1, 0, 0])
        XCTAssertEqual((digits[0]["heads"] as? [Any])?.count, 3)
        let text = try CLIRunner.succeed(["run", checkpoint, "555+445", "--explain"]).stdout
        XCTAssertTrue(text.contains("A3 at position 7: predicted 1 (true 1), runner-up"), text)
        XCTAssertTrue(text.contains("carry in: yes, cascade length 2"), text)
        XCTAssertTrue(text.contains("  head 0 attends: "), text)
        XCTAssertTrue(text.contains("  MLP "), text)
    }
}
