import AdditionTask
import ArgumentParser
import Foundation
import Transformer

/// `carrylens info`: what a model file holds and how its questions are laid out.
struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Show a model's configuration, parameter count, question layout, load notes and metadata.",
        discussion: "See docs/cli.md."
    )

    @OptionGroup var modelOptions: ModelOptions

    @Flag(name: .long, help: "Print one JSON object instead of text.")
    var json = false

    func run() throws {
        let model = try modelOptions.load()
        let info = ModelInfo(model)
        if json {
            print(try encodeJSON(info))
        } else {
            print(info.text)
        }
    }
}

/// The facts `info` reports, in the shape of its JSON output.
struct ModelInfo: Encodable {
    /// One input or answer position of the question layout.
    struct Position: Encodable {
        var position: Int
        /// What sits there: `D2`, `+`, `D'0`, `=`, `A3`, …
        var token: String
        /// The answer digit the model predicts at this position, if any.
        var predicts: String?
    }

    var name: String
    var path: String
    /// `safetensors` or `pytorch`, read from the file's bytes.
    var format: ModelFileFormat
    var config: ModelConfig
    var parameterCount: Int
    var layout: String
    var contextLength: Int
    var inputLength: Int
    var questionCount: Int
    var positions: [Position]
    var notes: [String]
    /// Warnings about the weights: that an fp32 forward pass can overflow (``Float32OverflowBound``).
    var warnings: [String]
    var metadataKeys: [String]
    var training: TrainingSummary?

    init(_ model: AdditionModel) {
        let task = model.task
        name = model.name
        path = model.url.path
        format = model.format
        config = model.config
        parameterCount = model.config.parameterCount
        layout = task.description
        contextLength = task.contextLength
        inputLength = task.inputLength
        questionCount = task.questionCount
        positions = (0..<task.contextLength).map { position in
            Position(position: position, token: Self.label(of: position, in: task),
                     predicts: task.answerDigit(predictedAt: position)?.description)
        }
        notes = model.notes
        warnings = Float32OverflowBound(model.weights).warning.map { [$0] } ?? []
        metadataKeys = model.metadata.keys.sorted()
        training = model.training
    }

    /// The symbol at `position` of the layout `D(n-1)..D0 + D'(n-1)..D'0 = A(n)..A0`.
    static func label(of position: Int, in task: AdditionTask) -> String { task.positionLabel(position) }

    /// The human-readable report.
    var text: String {
        let c = config
        var lines: [String] = []
        lines.append("model: \(name) (\(path))")
        lines.append("format: " + (format == .pytorch ? "PyTorch torch.save checkpoint (zip)" : "safetensors"))
        lines.append("config: n_digits \(c.nDigits), n_layers \(c.nLayers), n_heads \(c.nHeads), d_model \(c.dModel), d_head \(c.dHead), d_mlp \(c.dMLP), d_vocab \(c.dVocab), n_ctx \(c.nCtx), act_fn \(c.actFn), normalization \(c.normalizationType ?? "none"), eps \(c.eps)" + (c.seed.map { ", seed \($0)" } ?? ""))
        lines.append("parameters: \(parameterCount)")
        lines.append("task: \(layout)")
        lines.append("positions (teacher forced: the model reads positions 0...\(inputLength - 1)):")
        for item in positions {
            let role = item.predicts.map { "predicts \($0)" } ?? (item.position >= inputLength ? "(not fed to the model)" : "")
            let line = "  " + padRight(String(item.position), 4) + padRight(item.token, 5) + role
            lines.append(String(line.reversed().drop(while: { $0 == " " }).reversed()))
        }
        lines.append("load notes: " + (notes.isEmpty ? "none" : ""))
        for note in notes { lines.append("  \(note)") }
        for warning in warnings { lines.append(warning) }
        lines.append("metadata keys: " + (metadataKeys.isEmpty ? "none" : metadataKeys.joined(separator: ", ")))
        if let training {
            var parts: [String] = []
            if let steps = training.steps { parts.append("steps \(steps)") }
            if let loss = training.finalLoss {
                parts.append("final loss \(loss)" + (training.finalLossStep.map { " (at step \($0))" } ?? ""))
            }
            lines.append("training: " + (parts.isEmpty ? "present (no steps or loss_history)" : parts.joined(separator: ", ")))
        }
        return lines.joined(separator: "\n")
    }
}

/// `text` padded with spaces to at least `width` characters.
func padRight(_ text: String, _ width: Int) -> String {
    text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
}

/// Pretty, key-sorted JSON of `value`.
func encodeJSON<Value: Encodable>(_ value: Value) throws -> String {
    String(decoding: try CanonicalJSON.encoder().encode(value), as: UTF8.self)
}
