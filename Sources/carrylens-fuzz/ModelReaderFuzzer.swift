import Foundation
import Transformer

/// The fuzz targets: the safetensors model reader (this file) and the PyTorch
/// checkpoint reader (CheckpointReaderFuzzer.swift). `CARRYLENS_FUZZ_TARGET=checkpoint`
/// chooses the checkpoint reader; anything else, or nothing, the model reader.
///
/// The model reader's target: each input is read as a model file the way
/// `carrylens info` reads one (safetensors header and data, `__metadata__`, the config
/// and training JSON, every parameter with its dtype, shape and finiteness checks).
/// The outcome is discarded; the fuzzer looks for crashes, hangs and memory growth.
///
/// Built with libFuzzer by `scripts/fuzz-model-reader` (`-sanitize=fuzzer`, defining
/// `CARRYLENS_LIBFUZZER`), the executable's entry point hands over to libFuzzer's driver. Built normally, the executable replays files given as
/// arguments and prints each one's outcome: `carrylens-fuzz fixtures/bad/*.safetensors`.

/// The target chosen by `CARRYLENS_FUZZ_TARGET`: ``readCheckpoint(_:)`` for
/// `checkpoint`, else ``readModel(_:)``.
func fuzzTarget(_ data: Data) -> String { fuzzingCheckpoints ? readCheckpoint(data) : readModel(data) }

/// Whether `CARRYLENS_FUZZ_TARGET` is `checkpoint`.
let fuzzingCheckpoints = ProcessInfo.processInfo.environment["CARRYLENS_FUZZ_TARGET"] == "checkpoint"

/// Reads `data` as a model file; returns `accepted` or the error's message.
func readModel(_ data: Data) -> String {
    do {
        let file = try SafeTensorsFile(data: data)
        _ = file.metadata["training"].flatMap(TrainingSummary.init(metadataJSON:))
        guard let text = file.metadata["config"] else { return "\(ModelError.missingConfig)" }
        let config = try ModelConfig(json: text)
        var notes: [String] = []
        _ = try TransformerWeights(file: file, config: config, notes: &notes)
        return "accepted (\(config.parameterCount) parameters, \(notes.count) notes)"
    } catch {
        return "\(error)"
    }
}

#if CARRYLENS_LIBFUZZER
/// libFuzzer's driver (from the `-sanitize=fuzzer` runtime): parses libFuzzer's options
/// and calls `callback` with each input.
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(_ argc: UnsafeMutablePointer<CInt>,
                     _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                     _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

/// Runs libFuzzer with the command line's options; one input per callback.
@main
enum ModelReaderFuzzer {
    static func main() {
        // The checkpoint target's frame is read once, before the first input.
        if fuzzingCheckpoints { _ = CheckpointFrame.shared }
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        let status = runFuzzerDriver(&argc, &argv) { start, count in
            _ = fuzzTarget(start.map { Data(bytes: $0, count: count) } ?? Data())
            return 0
        }
        exit(status)
    }
}
#else
/// Replays files: `carrylens-fuzz FILE...` prints `FILE: outcome` for each (with
/// `CARRYLENS_FUZZ_TARGET=checkpoint`, through the checkpoint target).
@main
enum ModelReaderReplay {
    static func main() {
        for path in CommandLine.arguments.dropFirst() {
            guard let data = FileManager.default.contents(atPath: path) else {
                print("\(path): cannot read")
                continue
            }
            print("\(path): \(fuzzTarget(data))")
        }
    }
}
#endif
