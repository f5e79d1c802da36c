import AdditionTask
import Foundation

/// The hyperparameters of an addition transformer, as stored in the model file's
/// `__metadata__["config"]` JSON (TransformerLens names, snake_case).
public struct ModelConfig: Codable, Equatable, Sendable {
    public var nDigits: Int
    public var nLayers: Int
    public var nHeads: Int
    public var dModel: Int
    public var dHead: Int
    public var dMLP: Int
    public var dVocab: Int
    public var nCtx: Int
    public var actFn: String
    public var normalizationType: String?
    public var eps: Double
    /// Training seed, when the file records it (informational).
    public var seed: Int?

    enum CodingKeys: String, CodingKey {
        case nDigits, nLayers, nHeads, dModel
        case dHead, dMLP = "dMlp", dVocab, nCtx, actFn
        case normalizationType, eps, seed
    }

    public init(nDigits: Int, nLayers: Int = 1, nHeads: Int = 3, dModel: Int = 510, dHead: Int = 170,
                dMLP: Int = 2040, dVocab: Int = Token.vocabularySize, nCtx: Int? = nil,
                actFn: String = "relu", normalizationType: String? = "LN", eps: Double = 1e-5, seed: Int? = nil) {
        self.nDigits = nDigits
        self.nLayers = nLayers
        self.nHeads = nHeads
        self.dModel = dModel
        self.dHead = dHead
        self.dMLP = dMLP
        self.dVocab = dVocab
        self.nCtx = nCtx ?? (3 * nDigits + 3)
        self.actFn = actFn
        self.normalizationType = normalizationType
        self.eps = eps
        self.seed = seed
    }

    /// Parses the `config` metadata JSON string strictly (``StrictJSON``): a repeated key
    /// is an error, integer fields need JSON integers (`510`, not `510.0`), `eps` may be any
    /// number, `seed` and `normalization_type` may be absent or null; other keys are ignored.
    public init(json: String) throws {
        let value: JSONValue
        do { value = try StrictJSON.parse(json) } catch { throw ModelError.malformedConfig("\(error)") }
        guard case .object(let object) = value else {
            throw ModelError.malformedConfig("expected a JSON object, found \(value.summary)")
        }
        let fields = ConfigFields(object: object)
        self.init(nDigits: try fields.integer("n_digits"), nLayers: try fields.integer("n_layers"),
                  nHeads: try fields.integer("n_heads"), dModel: try fields.integer("d_model"),
                  dHead: try fields.integer("d_head"), dMLP: try fields.integer("d_mlp"),
                  dVocab: try fields.integer("d_vocab"), nCtx: try fields.integer("n_ctx"),
                  actFn: try fields.string("act_fn"), normalizationType: try fields.optionalString("normalization_type"),
                  eps: try fields.number("eps"), seed: try fields.optionalInteger("seed"))
    }

    /// The addition task this model was trained on.
    public func task() throws -> AdditionTask { try AdditionTask(digitCount: nDigits) }

    /// Checks the configuration is one CarryLens runs exactly; throws a message
    /// naming what is supported otherwise.
    public func validateSupported() throws {
        var problems: [String] = []
        if !AdditionTask.supportedDigitCounts.contains(nDigits) {
            problems.append("n_digits \(nDigits) (supported: \(AdditionTask.supportedDigitCounts.lowerBound)…\(AdditionTask.supportedDigitCounts.upperBound))")
        }
        if nLayers != 1 { problems.append("n_layers \(nLayers) (supported: 1)") }
        if actFn.lowercased() != "relu" { problems.append("act_fn '\(actFn)' (supported: relu)") }
        let normalization = normalizationType ?? "none"
        if normalization != "LN" {
            problems.append("normalization_type '\(normalization)' (supported: LN, with LayerNorm weights stored; folded 'LNPre' and no normalization are not supported)")
        }
        if dVocab != Token.vocabularySize { problems.append("d_vocab \(dVocab) (supported: 12 — digits, '+', '=')") }
        if nCtx < 3 * nDigits + 2 { problems.append("n_ctx \(nCtx) (needs at least 3n+2 = \(3 * nDigits + 2))") }
        if nHeads < 1 || dModel < 1 || dHead < 1 || dMLP < 1 { problems.append("non-positive dimension") }
        if !(eps > 0) { problems.append("eps \(eps) (must be positive)") }
        if !problems.isEmpty { throw ModelError.unsupportedConfig(problems) }
    }

    /// Total number of trainable parameters.
    public var parameterCount: Int {
        let h = nHeads, d = dModel, dh = dHead, m = dMLP, v = dVocab
        let attention = 4 * h * d * dh + 3 * h * dh + d
        let mlp = d * m + m + m * d + d
        return v * d + nCtx * d + 6 * d + attention + mlp + d * v + v
    }
}

/// Typed access to the fields of a config object; each error names the field and what was found.
private struct ConfigFields {
    let object: [String: JSONValue]

    private func present(_ key: String) throws -> JSONValue {
        guard let value = object[key] else { throw ModelError.malformedConfig("field '\(key)' is missing") }
        return value
    }

    private func wrongType(_ key: String, _ expected: String, _ value: JSONValue) -> ModelError {
        if case .number(let number) = value, expected.hasPrefix("an integer"), number.rounded() == number {
            return .malformedConfig("field '\(key)' must be an integer written without fraction or exponent, found \(value.summary)")
        }
        return .malformedConfig("field '\(key)' must be \(expected), found \(value.summary)")
    }

    func integer(_ key: String) throws -> Int {
        let value = try present(key)
        guard case .integer(let integer) = value else { throw wrongType(key, "an integer", value) }
        return integer
    }

    func optionalInteger(_ key: String) throws -> Int? {
        guard let value = object[key], value != .null else { return nil }
        return try integer(key)
    }

    func number(_ key: String) throws -> Double {
        switch try present(key) {
        case .integer(let integer): return Double(integer)
        case .number(let number): return number
        case let value: throw wrongType(key, "a number", value)
        }
    }

    func string(_ key: String) throws -> String {
        let value = try present(key)
        guard case .string(let text) = value else { throw wrongType(key, "a string", value) }
        return text
    }

    func optionalString(_ key: String) throws -> String? {
        guard let value = object[key], value != .null else { return nil }
        return try string(key)
    }
}

/// Errors loading a model: file-format errors are ``SafeTensorsError``; these are model-level.
public enum ModelError: Error, Equatable, CustomStringConvertible {
    case missingConfig
    case malformedConfig(String)
    case unsupportedConfig([String])
    case wrongShape(name: String, expected: [Int], actual: [Int])
    case unsupportedArchitecture(String)
    case nonFiniteParameter(String)

    public var description: String {
        switch self {
        case .missingConfig:
            return "the model file has no __metadata__[\"config\"]: describe the model with --n-digits (and --d-model, --n-heads, … if they differ from the paper's)"
        case .malformedConfig(let reason): return "malformed model config JSON: \(reason)"
        case .unsupportedConfig(let problems):
            return "unsupported model config: " + problems.joined(separator: "; ")
                + ". CarryLens supports one-layer TransformerLens models with ReLU MLPs, LayerNorm (not folded) and the 12-token addition vocabulary."
        case .wrongShape(let name, let expected, let actual):
            return "tensor '\(name)' has shape \(actual) but the config needs \(expected)"
        case .unsupportedArchitecture(let reason): return "unsupported architecture: \(reason)"
        case .nonFiniteParameter(let name): return "tensor '\(name)' contains NaN or infinite values"
        }
    }
}
