import ArgumentParser
import Foundation
import Transformer

/// The model a command works on: the MODEL path (safetensors or a PyTorch
/// checkpoint, told apart by the file's bytes) and, for files without
/// `__metadata__["config"]`, flags or a config file describing it.
struct ModelOptions: ParsableArguments {
    @Argument(help: "Path to the model: a .safetensors file or a PyTorch torch.save checkpoint (.pth/.pt); the format is read from the file's bytes.")
    var model: String

    @Option(name: .customLong("config"), help: "A TransformerLens HookedTransformerConfig dict as JSON: states what a checkpoint's tensors cannot show (act_fn, eps) and is cross-checked against them.")
    var configFile: String?

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
        let format: ModelFileFormat
        let declared: DeclaredModelConfig?
        do {
            format = try ModelFileFormat(detectingFileAt: url)
            declared = try configFile.map { try DeclaredModelConfig(contentsOf: URL(fileURLWithPath: $0)) }
        } catch {
            throw CLIError("cannot load model '\(model)': \(error)")
        }
        if format == .pytorch {
            return try loadCheckpoint(url, declared: declared)
        }
        do {
            let loaded = try AdditionModel(contentsOf: url, declaredConfig: declared)
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

    /// A PyTorch checkpoint: its config is inferred from the tensor shapes; the
    /// flags and `--config` state the rest and are cross-checked against them.
    private func loadCheckpoint(_ url: URL, declared fromFile: DeclaredModelConfig?) throws -> AdditionModel {
        var declared = fromFile ?? DeclaredModelConfig()
        var conflicts: [String] = []
        func merge<Value: Equatable>(_ flag: String, _ given: Value?, _ field: WritableKeyPath<DeclaredModelConfig, Value?>) {
            guard let given else { return }
            if let stated = declared[keyPath: field], stated != given { conflicts.append("\(flag) \(given) (--config: \(stated))") }
            declared[keyPath: field] = given
        }
        merge("--n-digits", nDigits, \.nDigits)
        merge("--n-heads", nHeads, \.nHeads)
        merge("--d-model", dModel, \.dModel)
        merge("--d-head", dHead, \.dHead)
        merge("--d-mlp", dMLP, \.dMLP)
        merge("--eps", eps, \.eps)
        if !conflicts.isEmpty { throw CLIError("these flags contradict --config: " + conflicts.joined(separator: ", ")) }
        let stated = (fromFile != nil || describesModel) ? declared : nil
        do {
            return try AdditionModel(contentsOf: url, declaredConfig: stated)
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
