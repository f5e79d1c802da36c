import AdditionTask
import Foundation

/// The parameters of a one-layer attention + MLP transformer, fp32, row-major,
/// with TransformerLens names and layouts (see `parameterShapes`).
public struct TransformerWeights: Sendable {
    public let config: ModelConfig
    /// `embed.W_E` [V, D]
    public var embed: [Float]
    /// `pos_embed.W_pos` [N, D]
    public var positionEmbed: [Float]
    /// `blocks.0.ln1.w`, `.b` [D]
    public var ln1Weight: [Float], ln1Bias: [Float]
    /// `blocks.0.attn.W_Q`, `W_K`, `W_V` [H, D, Dh]
    public var wQ: [Float], wK: [Float], wV: [Float]
    /// `blocks.0.attn.b_Q`, `b_K`, `b_V` [H, Dh]
    public var bQ: [Float], bK: [Float], bV: [Float]
    /// `blocks.0.attn.W_O` [H, Dh, D]
    public var wO: [Float]
    /// `blocks.0.attn.b_O` [D]
    public var bO: [Float]
    /// `blocks.0.ln2.w`, `.b` [D]
    public var ln2Weight: [Float], ln2Bias: [Float]
    /// `blocks.0.mlp.W_in` [D, M], `b_in` [M]
    public var wIn: [Float], bIn: [Float]
    /// `blocks.0.mlp.W_out` [M, D], `b_out` [D]
    public var wOut: [Float], bOut: [Float]
    /// `ln_final.w`, `.b` [D]
    public var lnFinalWeight: [Float], lnFinalBias: [Float]
    /// `unembed.W_U` [D, V], `b_U` [V]
    public var wU: [Float], bU: [Float]

    /// The TransformerLens parameter names and the shapes `config` requires.
    public static func parameterShapes(for config: ModelConfig) -> [(name: String, shape: [Int])] {
        let v = config.dVocab, n = config.nCtx, d = config.dModel, h = config.nHeads, dh = config.dHead, m = config.dMLP
        return [
            ("embed.W_E", [v, d]), ("pos_embed.W_pos", [n, d]),
            ("blocks.0.ln1.w", [d]), ("blocks.0.ln1.b", [d]),
            ("blocks.0.attn.W_Q", [h, d, dh]), ("blocks.0.attn.W_K", [h, d, dh]), ("blocks.0.attn.W_V", [h, d, dh]),
            ("blocks.0.attn.b_Q", [h, dh]), ("blocks.0.attn.b_K", [h, dh]), ("blocks.0.attn.b_V", [h, dh]),
            ("blocks.0.attn.W_O", [h, dh, d]), ("blocks.0.attn.b_O", [d]),
            ("blocks.0.ln2.w", [d]), ("blocks.0.ln2.b", [d]),
            ("blocks.0.mlp.W_in", [d, m]), ("blocks.0.mlp.b_in", [m]),
            ("blocks.0.mlp.W_out", [m, d]), ("blocks.0.mlp.b_out", [d]),
            ("ln_final.w", [d]), ("ln_final.b", [d]),
            ("unembed.W_U", [d, v]), ("unembed.b_U", [v]),
        ]
    }

    /// Buffers TransformerLens saves in state dicts that are not parameters; skipped.
    public static func isKnownBuffer(_ name: String) -> Bool {
        name.hasSuffix("attn.mask") || name.hasSuffix("attn.IGNORE") || name == "IGNORE" || name.hasSuffix(".IGNORE")
    }

    /// Reads every parameter from `file`, checking dtype, shape and finiteness.
    /// `notes` receives one line per skipped buffer and per unknown extra tensor.
    public init(file: some TensorSource, config: ModelConfig, notes: inout [String]) throws {
        try config.validateSupported()
        let shapes = Self.parameterShapes(for: config)
        let expected = Set(shapes.map(\.name))
        for name in file.tensorNames.sorted() where !expected.contains(name) {
            if Self.isKnownBuffer(name) {
                notes.append("skipped TransformerLens buffer '\(name)'")
            } else if name.hasPrefix("blocks."), !name.hasPrefix("blocks.0.") {
                throw ModelError.unsupportedArchitecture("tensor '\(name)' belongs to a second layer; CarryLens supports one-layer models")
            } else if name.hasPrefix("blocks.0.ln1.") || name.hasPrefix("blocks.0.ln2.") || name.hasPrefix("ln_final.") {
                notes.append("unknown LayerNorm tensor '\(name)' ignored")
            } else {
                notes.append("unknown extra tensor '\(name)' ignored")
            }
        }
        var values: [String: [Float]] = [:]
        for (name, shape) in shapes {
            guard let actualShape = file.tensorShape(name) else {
                if name.contains(".ln") || name.hasPrefix("ln_final") {
                    throw ModelError.unsupportedArchitecture("LayerNorm parameter '\(name)' is missing: folded LayerNorm models are not supported; export with fold_ln=False")
                }
                throw SafeTensorsError.missingTensor(name)
            }
            guard actualShape == shape else { throw ModelError.wrongShape(name: name, expected: shape, actual: actualShape) }
            let data = try file.float32Values(of: name)
            guard data.allSatisfy({ $0.isFinite }) else { throw ModelError.nonFiniteParameter(name) }
            values[name] = data
        }
        func take(_ name: String) -> [Float] { values[name] ?? [] }
        self.config = config
        embed = take("embed.W_E"); positionEmbed = take("pos_embed.W_pos")
        ln1Weight = take("blocks.0.ln1.w"); ln1Bias = take("blocks.0.ln1.b")
        wQ = take("blocks.0.attn.W_Q"); wK = take("blocks.0.attn.W_K"); wV = take("blocks.0.attn.W_V")
        bQ = take("blocks.0.attn.b_Q"); bK = take("blocks.0.attn.b_K"); bV = take("blocks.0.attn.b_V")
        wO = take("blocks.0.attn.W_O"); bO = take("blocks.0.attn.b_O")
        ln2Weight = take("blocks.0.ln2.w"); ln2Bias = take("blocks.0.ln2.b")
        wIn = take("blocks.0.mlp.W_in"); bIn = take("blocks.0.mlp.b_in")
        wOut = take("blocks.0.mlp.W_out"); bOut = take("blocks.0.mlp.b_out")
        lnFinalWeight = take("ln_final.w"); lnFinalBias = take("ln_final.b")
        wU = take("unembed.W_U"); bU = take("unembed.b_U")
    }
}

/// A loaded addition model: its file, configuration, task and parameters.
public struct AdditionModel: Sendable {
    /// Where the model was read from.
    public let url: URL
    public let config: ModelConfig
    public let task: AdditionTask
    public let weights: TransformerWeights
    /// Informational lines from loading (skipped buffers, ignored tensors).
    public let notes: [String]
    /// The model file's metadata (`config`, `tokens`, `layout`, `training`, …).
    public let metadata: [String: String]
    /// The kind of file the model was read from (see ModelFile.swift for loading).
    public let format: ModelFileFormat

    /// The file name without directory and extension, e.g. `add5_l1_h3_s129000`.
    public var name: String { url.deletingPathExtension().lastPathComponent }
}
