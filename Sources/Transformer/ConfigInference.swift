import Foundation

/// What a user states about a model: a TransformerLens `HookedTransformerConfig`
/// dict saved as JSON (`cfg.to_dict()`), possibly partial. Every field is optional;
/// unknown keys are ignored. CarryLens's own `n_digits` is read too.
public struct DeclaredModelConfig: Equatable, Sendable {
    public var nDigits: Int?
    public var nLayers: Int?
    public var nHeads: Int?
    public var dModel: Int?
    public var dHead: Int?
    public var dMLP: Int?
    public var dVocab: Int?
    public var dVocabOut: Int?
    public var nCtx: Int?
    public var actFn: String?
    /// Outer nil: not stated. `.some(nil)`: stated as null (no normalization).
    public var normalizationType: String??
    public var eps: Double?
    public var seed: Int?
    public var attnOnly: Bool?
    public var positionalEmbeddingType: String?
    public var gatedMLP: Bool?
    public var parallelAttnMLP: Bool?
    public var attentionDir: String?

    public init() {}

    /// Parses a JSON object; throws ``ConfigInferenceError/malformedConfigFile(_:)``
    /// naming the key whose value has the wrong type.
    public init(json data: Data) throws {
        do {
            self = try JSONDecoder().decode(DeclaredModelConfig.self, from: data)
        } catch let error as DecodingError {
            switch error {
            case .typeMismatch(_, let context) where context.codingPath.isEmpty:
                throw ConfigInferenceError.malformedConfigFile("not a JSON object")
            case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
                let key = context.codingPath.map(\.stringValue).joined(separator: ".")
                throw ConfigInferenceError.malformedConfigFile("'\(key)' is not \(type == String.self ? "a string" : type == Bool.self ? "true or false" : type == Double.self ? "a number" : "an integer")")
            case .dataCorrupted(let context) where context.codingPath.isEmpty:
                throw ConfigInferenceError.malformedConfigFile("not valid JSON")
            default:
                throw ConfigInferenceError.malformedConfigFile("not a JSON object of config fields")
            }
        }
    }

    /// Reads a config file.
    public init(contentsOf url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ConfigInferenceError.malformedConfigFile("cannot read '\(url.path)': \(error.localizedDescription)")
        }
        try self.init(json: data)
    }

}

extension DeclaredModelConfig: Decodable {
    private enum Key: String, CodingKey {
        case nDigits = "n_digits", nLayers = "n_layers", nHeads = "n_heads", dModel = "d_model", dHead = "d_head"
        case dMLP = "d_mlp", dVocab = "d_vocab", dVocabOut = "d_vocab_out", nCtx = "n_ctx", actFn = "act_fn"
        case normalizationType = "normalization_type", eps, seed, attnOnly = "attn_only"
        case positionalEmbeddingType = "positional_embedding_type", gatedMLP = "gated_mlp"
        case parallelAttnMLP = "parallel_attn_mlp", attentionDir = "attention_dir"
    }

    /// Decodes the fields CarryLens uses; null means not stated, except for
    /// `normalization_type`, where null means no normalization.
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        self.init()
        nDigits = try container.decodeIfPresent(Int.self, forKey: .nDigits)
        nLayers = try container.decodeIfPresent(Int.self, forKey: .nLayers)
        nHeads = try container.decodeIfPresent(Int.self, forKey: .nHeads)
        dModel = try container.decodeIfPresent(Int.self, forKey: .dModel)
        dHead = try container.decodeIfPresent(Int.self, forKey: .dHead)
        dMLP = try container.decodeIfPresent(Int.self, forKey: .dMLP)
        dVocab = try container.decodeIfPresent(Int.self, forKey: .dVocab)
        dVocabOut = try container.decodeIfPresent(Int.self, forKey: .dVocabOut)
        nCtx = try container.decodeIfPresent(Int.self, forKey: .nCtx)
        actFn = try container.decodeIfPresent(String.self, forKey: .actFn)
        if container.contains(.normalizationType) {
            normalizationType = .some(try container.decodeIfPresent(String.self, forKey: .normalizationType))
        }
        eps = try container.decodeIfPresent(Double.self, forKey: .eps)
        seed = try container.decodeIfPresent(Int.self, forKey: .seed)
        attnOnly = try container.decodeIfPresent(Bool.self, forKey: .attnOnly)
        positionalEmbeddingType = try container.decodeIfPresent(String.self, forKey: .positionalEmbeddingType)
        gatedMLP = try container.decodeIfPresent(Bool.self, forKey: .gatedMLP)
        parallelAttnMLP = try container.decodeIfPresent(Bool.self, forKey: .parallelAttnMLP)
        attentionDir = try container.decodeIfPresent(String.self, forKey: .attentionDir)
    }
}

/// Errors working out a model's configuration from its tensors.
public enum ConfigInferenceError: Error, Equatable, CustomStringConvertible {
    case malformedConfigFile(String)
    case missingShapeTensor(String)
    case unexpectedShape(name: String, shape: [Int], expected: String)
    case inconsistentShapes(String)
    case contextLengthNotForAddition(nCtx: Int)
    case conflict(field: String, declared: String, inferred: String, evidence: String)

    public var description: String {
        switch self {
        case .malformedConfigFile(let reason): return "malformed config file: \(reason)"
        case .missingShapeTensor(let name): return "cannot infer the config: tensor '\(name)' is missing"
        case .unexpectedShape(let name, let shape, let expected): return "cannot infer the config: tensor '\(name)' has shape \(shape), expected \(expected)"
        case .inconsistentShapes(let reason): return "cannot infer the config: \(reason)"
        case .contextLengthNotForAddition(let nCtx):
            return "cannot infer n_digits: n_ctx \(nCtx) is not 3n+3 for any n; state n_digits in --config"
        case .conflict(let field, let declared, let inferred, let evidence):
            return "the config says \(field) \(declared) but the tensors say \(inferred) (\(evidence))"
        }
    }
}

extension ModelConfig {
    /// The configuration read from the tensor shapes, with `declared` filling in
    /// what shapes cannot show (act_fn, eps, seed) and cross-checked against them.
    ///
    /// From the shapes: d_vocab and d_model (`embed.W_E` [V, D]), n_ctx
    /// (`pos_embed.W_pos` [N, D]), n_heads and d_head (`blocks.0.attn.W_Q` [H, D, Dh]),
    /// d_mlp (`blocks.0.mlp.W_in` [D, M]), n_layers (the `blocks.<i>.` prefixes),
    /// LayerNorm (`blocks.0.ln1.w` present) and n_digits (n_ctx = 3n + 3). `notes`
    /// receives one line per assumed value.
    public static func inferred(from source: some TensorSource, declared: DeclaredModelConfig?, notes: inout [String]) throws -> ModelConfig {
        func shape(_ name: String, rank: Int, expected: String) throws -> [Int] {
            guard let shape = source.tensorShape(name) else { throw ConfigInferenceError.missingShapeTensor(name) }
            guard shape.count == rank, shape.allSatisfy({ $0 > 0 }) else {
                throw ConfigInferenceError.unexpectedShape(name: name, shape: shape, expected: expected)
            }
            return shape
        }
        let embed = try shape("embed.W_E", rank: 2, expected: "[d_vocab, d_model]")
        let position = try shape("pos_embed.W_pos", rank: 2, expected: "[n_ctx, d_model]")
        let query = try shape("blocks.0.attn.W_Q", rank: 3, expected: "[n_heads, d_model, d_head]")
        let mlpIn = try shape("blocks.0.mlp.W_in", rank: 2, expected: "[d_model, d_mlp]")
        let dModel = embed[1]
        guard position[1] == dModel, query[1] == dModel, mlpIn[0] == dModel else {
            throw ConfigInferenceError.inconsistentShapes("d_model differs between embed.W_E \(embed), pos_embed.W_pos \(position), blocks.0.attn.W_Q \(query) and blocks.0.mlp.W_in \(mlpIn)")
        }
        let layerIndices = Set(source.tensorNames.compactMap { name -> Int? in
            let parts = name.split(separator: ".")
            guard parts.count > 2, parts[0] == "blocks" else { return nil }
            return Int(parts[1])
        })
        let nLayers = (layerIndices.max() ?? 0) + 1
        let hasLayerNorm = source.tensorShape("blocks.0.ln1.w") != nil
        let nCtx = position[0]

        var problems: [String] = []
        if let declared {
            func check(_ field: String, _ stated: Int?, _ inferred: Int, _ evidence: String) throws {
                if let stated, stated != inferred {
                    throw ConfigInferenceError.conflict(field: field, declared: String(stated), inferred: String(inferred), evidence: evidence)
                }
            }
            try check("d_vocab", declared.dVocab, embed[0], "embed.W_E \(embed)")
            try check("d_model", declared.dModel, dModel, "embed.W_E \(embed)")
            try check("n_ctx", declared.nCtx, nCtx, "pos_embed.W_pos \(position)")
            try check("n_heads", declared.nHeads, query[0], "blocks.0.attn.W_Q \(query)")
            try check("d_head", declared.dHead, query[2], "blocks.0.attn.W_Q \(query)")
            try check("d_mlp", declared.dMLP, mlpIn[1], "blocks.0.mlp.W_in \(mlpIn)")
            try check("n_layers", declared.nLayers, nLayers, "tensors under blocks.0…blocks.\(nLayers - 1)")
            if case .some(let stated) = declared.normalizationType, (stated == "LN") != hasLayerNorm {
                throw ConfigInferenceError.conflict(field: "normalization_type", declared: stated ?? "null",
                                                    inferred: hasLayerNorm ? "LN" : "no LayerNorm weights",
                                                    evidence: "blocks.0.ln1.w " + (hasLayerNorm ? "present" : "absent"))
            }
            if let outputs = declared.dVocabOut, outputs != -1, outputs != embed[0] {
                problems.append("d_vocab_out \(outputs) (supported: equal to d_vocab)")
            }
            if declared.attnOnly == true { problems.append("attn_only true (supported: attention and MLP)") }
            if let kind = declared.positionalEmbeddingType, kind != "standard" {
                problems.append("positional_embedding_type '\(kind)' (supported: standard)")
            }
            if declared.gatedMLP == true { problems.append("gated_mlp true (supported: false)") }
            if declared.parallelAttnMLP == true { problems.append("parallel_attn_mlp true (supported: false)") }
            if let direction = declared.attentionDir, direction != "causal" { problems.append("attention_dir '\(direction)' (supported: causal)") }
        }
        let nDigits: Int
        if let stated = declared?.nDigits {
            nDigits = stated
        } else {
            guard nCtx >= 6, (nCtx - 3) % 3 == 0 else { throw ConfigInferenceError.contextLengthNotForAddition(nCtx: nCtx) }
            nDigits = (nCtx - 3) / 3
        }
        if declared?.actFn == nil { notes.append("act_fn not stated: assumed relu (state it with --config)") }
        if declared?.eps == nil { notes.append("eps not stated: assumed 1e-05 (state it with --config)") }
        let normalization: String?
        if case .some(let stated) = declared?.normalizationType { normalization = stated } else { normalization = hasLayerNorm ? "LN" : nil }
        if !problems.isEmpty { throw ModelError.unsupportedConfig(problems) }
        return ModelConfig(nDigits: nDigits, nLayers: nLayers, nHeads: query[0], dModel: dModel, dHead: query[2],
                           dMLP: mlpIn[1], dVocab: embed[0], nCtx: nCtx, actFn: declared?.actFn ?? "relu",
                           normalizationType: normalization, eps: declared?.eps ?? 1e-5, seed: declared?.seed)
    }
}
