import CarryLensTestSupport
import Foundation
import Transformer
import XCTest

/// A model whose fp32 forward pass overflows: `info` warns, `run` never calls a question
/// correct on non-finite logits, its JSON encodes, and it exits with status 2.
final class NonFiniteCLITests: XCTestCase {
    /// The tiny model with its unembedding at ±3e38 (finite weights, overflowing logits).
    private func overflowingModel() throws -> URL {
        var writer = try TinyModel.writer(seed: 7)
        let shape = [TinyModel.config.dModel, TinyModel.config.dVocab]
        let count = shape.reduce(1, *)
        writer.add("unembed.W_U", shape: shape, floats: (0..<count).map { Float($0 % 7 == 0 ? -3e38 : 3e38) * (1 - Float($0 % 5) / 10) })
        return try TinyModel.temporaryFile(try writer.data(), name: "overflowing.safetensors")
    }

    func testInfoWarnsAboutOverflowOnlyWhenItCanHappen() throws {
        let url = try overflowingModel()
        let text = try CLIRunner.succeed(["info", url.path]).stdout
        XCTAssertTrue(text.contains("warning: the weights can overflow fp32 in the forward pass"), text)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(try CLIRunner.succeed(["info", url.path, "--json"]).stdout.utf8)) as? [String: Any])
        let warnings = try XCTUnwrap(json["warnings"] as? [String])
        XCTAssertEqual(warnings.count, 1)
        XCTAssertTrue(warnings[0].contains("|logits|"), warnings[0])

        for fixture in [Fixtures.modelURL(digits: 3), Fixtures.modelURL(digits: 5)] {
            let output = try CLIRunner.succeed(["info", fixture.path, "--json"]).stdout
            let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
            XCTAssertEqual(object["warnings"] as? [String], [], fixture.lastPathComponent)
        }
    }

    func testRunOnNonFiniteLogitsIsUndecidedNeverCorrect() throws {
        let url = try overflowingModel()
        // The fp32 reference pass really gives non-finite logits on this question.
        let model = try AdditionModel(contentsOf: url)
        let logits = ReferenceTransformer<Float>(model).run(try model.task.parseQuestion("0+0")).answerLogits
        XCTAssertTrue(logits.contains { $0.contains { !$0.isFinite } }, "the model was meant to overflow in fp32")

        let json = try CLIRunner.run(["run", url.path, "0+0", "--json"])
        XCTAssertEqual(json.status, 2, json.stderr)
        XCTAssertTrue(json.stderr.hasPrefix("Error: the fp32 forward pass gave non-finite logits for "), json.stderr)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any], "JSON must encode: \(json.stdout)")
        XCTAssertEqual(object["correct"] as? Bool, false)
        XCTAssertNotEqual(object["verdict"] as? String, "correct")
        let digits = try XCTUnwrap(object["digits"] as? [[String: Any]])
        let undecided = try XCTUnwrap(object["undecided_digits"] as? [String])
        XCTAssertFalse(undecided.isEmpty)
        for (slot, digit) in digits.enumerated() where !logits[slot].allSatisfy(\.isFinite) {
            XCTAssertEqual(digit["verdict"] as? String, "undecided")
            XCTAssertEqual(digit["correct"] as? Bool, false)
            XCTAssertTrue(digit["margin"] is NSNull, "\(digit)")
            XCTAssertTrue(undecided.contains(digit["digit"] as? String ?? ""))
        }

        let text = try CLIRunner.run(["run", url.path, "0+0"])
        XCTAssertEqual(text.status, 2)
        XCTAssertFalse(text.stdout.contains("correct: yes"), text.stdout)
        XCTAssertTrue(text.stdout.contains("UNDECIDED"), text.stdout)
    }
}
