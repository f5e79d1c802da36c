import ArgumentParser
import Foundation
import Transformer

/// The model a command works on: the MODEL path and, for files without
/// `__metadata__["config"]`, flags describing it (paper defaults otherwise).
struct ModelOptions: ParsableArguments {
    @Argument(help: "Path to the model's .safetensors file.")
    var model: String

    @Option(name: .long, help: "Digits per operand, for a model file without __metadata__[\"config\"].")
    var nDigits: Int?

    @Option(name: .long, help: "Attention heads (default 3) for a model without a config.")
    var nHeads: Int?

    @Option(name: .long, help: "Residual width (default 510) for a model without a config.")
    var dModel: Int?

    @Option(name: .long, help: "Head width (default 170) for a model without a config.")
    var dHead: Int?

    @Option(name: .customLong("d-mlp"), help: "MLP width (default 2040) for a model without a config.")
    var dMLP: Int?

    @Option(name: .long, help: "LayerNorm epsilon (default 1e-5) for a model without a config.")
    var eps: Double?

    /// Whether any flag describing the model was given.
    var describesModel: Bool {
        nDigits != nil || nHeads != nil || dModel != nil || dHead != nil || dMLP != nil || eps != nil
    }

    /// The configuration the flags describe, or nil without `--n-digits`.
    func configFromFlags() -> ModelConfig? {
        guard let nDigits else { return nil }
        let defaults = ModelConfig(nDigits: nDigits)
        return ModelConfig(nDigits: nDigits, nHeads: nHeads ?? defaults.nHeads, dModel: dModel ?? defaults.dModel,
                           dHead: dHead ?? defaults.dHead, dMLP: dMLP ?? defaults.dMLP, eps: eps ?? defaults.eps)
    }

    /// Loads and validates the model.
    ///
    /// The file's own config is used when present; flags that contradict it are an
    /// error. Without one, `--n-digits` (and the other flags) describe the model.
    func load() throws -> AdditionModel {
        let url = URL(fileURLWithPath: model)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw CLIError("no such model file '\(model)'")
        }
        guard !isDirectory.boolValue else { throw CLIError("'\(model)' is a directory, not a model file") }
        do {
            let loaded = try AdditionModel(contentsOf: url)
            try checkFlagsAgree(with: loaded.config)
            return loaded
        } catch ModelError.missingConfig {
            guard let config = configFromFlags() else {
                throw CLIError("cannot load model '\(model)': \(ModelError.missingConfig)")
            }
            do {
                return try AdditionModel(contentsOf: url, configOverride: config)
            } catch {
                throw CLIError("cannot load model '\(model)' with the configuration given by flags: \(error)")
            }
        } catch let error as CLIError {
            throw error
        } catch {
            throw CLIError("cannot load model '\(model)': \(error)")
        }
    }

    /// Throws when a flag disagrees with the configuration stored in the file.
    private func checkFlagsAgree(with config: ModelConfig) throws {
        var conflicts: [String] = []
        func check<Value: Equatable>(_ flag: String, _ given: Value?, _ stored: Value) {
            if let given, given != stored { conflicts.append("\(flag) \(given) (file: \(stored))") }
        }
        check("--n-digits", nDigits, config.nDigits)
        check("--n-heads", nHeads, config.nHeads)
        check("--d-model", dModel, config.dModel)
        check("--d-head", dHead, config.dHead)
        check("--d-mlp", dMLP, config.dMLP)
        check("--eps", eps, config.eps)
        if !conflicts.isEmpty {
            throw CLIError("'\(model)' has its own config, which these flags contradict: " + conflicts.joined(separator: ", "))
        }
    }
}

/// Floating-point precision of a forward pass.
enum Precision: String, ExpressibleByArgument, CaseIterable {
    case fp32, fp64
}

/// Writes `text` and a newline to standard error.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
