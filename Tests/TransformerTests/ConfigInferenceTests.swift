import CarryLensTestSupport
import Foundation
import Transformer
import XCTest

/// A stated config (`--config`) against safetensors files, with and without their own config.
final class ConfigInferenceTests: XCTestCase {
    private let withConfig = Fixtures.pthURL("tiny_f32.expected.safetensors")

    func testStatedConfigMustAgreeWithTheFilesOwn() throws {
        var agreeing = DeclaredModelConfig()
        agreeing.dModel = 8
        agreeing.nDigits = 1
        XCTAssertEqual(try AdditionModel(contentsOf: withConfig, declaredConfig: agreeing).config.dModel, 8)
        var disagreeing = DeclaredModelConfig()
        disagreeing.eps = 1e-6
        XCTAssertThrowsError(try AdditionModel(contentsOf: withConfig, declaredConfig: disagreeing)) { error in
            XCTAssertEqual(error as? ModelFileError, .configConflict(field: "eps", stated: "1e-06", file: "1e-05"))
            XCTAssertEqual(String(describing: error), "--config says eps 1e-06 but the model file's own config says 1e-05")
        }
    }

    func testSafetensorsWithoutConfigIsInferredWhenAConfigIsStated() throws {
        let model = try AdditionModel(contentsOf: withConfig)
        let image = try SafeTensorsSerialization.image(model.weights.namedTensors, metadata: [:])
        let directory = try Fixtures.temporaryDirectory("config-inference")
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("bare.safetensors")
        try image.write(to: url)
        XCTAssertThrowsError(try AdditionModel(contentsOf: url)) { XCTAssertEqual($0 as? ModelError, .missingConfig) }
        var stated = DeclaredModelConfig()
        stated.eps = 1e-5
        stated.actFn = "relu"
        let inferred = try AdditionModel(contentsOf: url, declaredConfig: stated)
        XCTAssertEqual(inferred.config, model.config)
        XCTAssertEqual(inferred.notes.first, "config inferred from the tensor shapes and the stated config")
        XCTAssertEqual(inferred.format, .safetensors)
    }

    func testTransformerLensConfigKeysAreRead() throws {
        let json = #"{"n_layers": 1, "d_model": 8, "n_ctx": 6, "d_head": 4, "n_heads": 3, "d_mlp": 16, "d_vocab": 12, "d_vocab_out": -1, "act_fn": "relu", "eps": 1e-05, "normalization_type": null, "seed": null, "attn_only": false, "positional_embedding_type": "standard", "dtype": "torch.float32", "device": "cpu"}"#
        let declared = try DeclaredModelConfig(json: Data(json.utf8))
        XCTAssertEqual(declared.nLayers, 1)
        XCTAssertEqual(declared.dVocabOut, -1)
        XCTAssertEqual(declared.normalizationType, .some(nil))
        XCTAssertNil(declared.seed)
        XCTAssertEqual(declared.attnOnly, false)
        XCTAssertEqual(DeclaredModelConfig().normalizationType, nil)
        XCTAssertThrowsError(try DeclaredModelConfig(json: Data(#"{"attn_only": 1}"#.utf8))) { error in
            XCTAssertEqual(error as? ConfigInferenceError, .malformedConfigFile("'attn_only' is not true or false"))
        }
        XCTAssertThrowsError(try DeclaredModelConfig(json: Data("[1]".utf8))) { error in
            XCTAssertEqual(error as? ConfigInferenceError, .malformedConfigFile("not a JSON object"))
        }
        var attentionOnly = declared
        attentionOnly.normalizationType = .some("LN")
        attentionOnly.attnOnly = true
        attentionOnly.positionalEmbeddingType = "rotary"
        XCTAssertThrowsError(try AdditionModel(contentsOf: Fixtures.pthURL("tiny_f32.pth"), declaredConfig: attentionOnly)) { error in
            XCTAssertEqual(error as? ModelError, .unsupportedConfig(["attn_only true (supported: attention and MLP)", "positional_embedding_type 'rotary' (supported: standard)"]))
        }
    }
}
