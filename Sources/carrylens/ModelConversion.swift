import AdditionTask
import Foundation
import Transformer

/// Writes a loaded model as safetensors, atomically and checked.
enum ModelConversion {
    struct Written {
        var tensorCount: Int
        var byteCount: Int
        var configJSON: String
    }

    /// Writes `model` to a temporary file beside `destination`, reads it back and
    /// compares every tensor and the config, then renames it onto `destination`.
    static func write(_ model: AdditionModel, to destination: URL) throws -> Written {
        let configJSON = String(decoding: try CanonicalJSON.encoder(pretty: false).encode(model.config), as: UTF8.self)
        var metadata = model.metadata
        metadata["config"] = configJSON
        metadata["format"] = "pt"
        let tensors = model.weights.namedTensors
        let image = try SafeTensorsSerialization.image(tensors, metadata: metadata)
        let directory = destination.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent(".\(destination.lastPathComponent).partial-\(ProcessInfo.processInfo.processIdentifier)")
        do {
            try image.write(to: temporary)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw CLIError("cannot write '\(destination.path)': \(error.localizedDescription)")
        }
        do {
            let reread = try AdditionModel(contentsOf: temporary)
            guard reread.config == model.config else { throw CLIError("the written config differs from the model's") }
            for tensor in tensors where reread.weights.values(named: tensor.name).map(\.bitPattern) != tensor.values.map(\.bitPattern) {
                throw CLIError("tensor '\(tensor.name)' reads back differently")
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw CLIError("conversion check failed, nothing written: \(error)")
        }
        guard rename(temporary.path, destination.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw CLIError("cannot move the converted file to '\(destination.path)': \(reason)")
        }
        return Written(tensorCount: tensors.count, byteCount: image.count, configJSON: configJSON)
    }
}
