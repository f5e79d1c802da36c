import ArgumentParser
import Foundation
import Transformer

/// `carrylens convert`: a model (a PyTorch checkpoint or safetensors) as F32
/// safetensors with TransformerLens names and the config in `__metadata__`.
struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Write a model (PyTorch checkpoint or safetensors) as F32 safetensors with its config in __metadata__.",
        discussion: """
        The model is loaded and checked exactly as every other command loads it (format from the file's \
        bytes; F16/BF16 widened exactly to F32; config inferred from the shapes or taken from --config). \
        The output is written to a temporary file in the same directory, read back and compared tensor by \
        tensor, then renamed into place, so a partial file is never left at --out. See docs/model-formats.md.
        """
    )

    @OptionGroup var modelOptions: ModelOptions

    @Option(name: .long, help: "The safetensors file to write.")
    var out: String

    @Flag(name: .long, help: "Replace --out if it exists.")
    var force = false

    func run() throws {
        let model = try modelOptions.load()
        let destination = URL(fileURLWithPath: out)
        guard destination.standardizedFileURL.path != model.url.standardizedFileURL.path else {
            throw CLIError("--out '\(out)' is the model file itself")
        }
        if FileManager.default.fileExists(atPath: destination.path), !force {
            throw CLIError("'\(out)' exists; pass --force to replace it")
        }
        let written = try ModelConversion.write(model, to: destination)
        print("wrote \(out): \(written.tensorCount) F32 tensors, \(written.byteCount) bytes, config \(written.configJSON)")
    }
}
