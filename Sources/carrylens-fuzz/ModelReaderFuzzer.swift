import Foundation
import Transformer

/// A fuzz target for the model reader: each input is read as a model file the way
/// `carrylens info` reads one (safetensors header and data, `__metadata__`, the config
/// and training JSON, every parameter with its dtype, shape and finiteness checks).
/// The outcome is discarded; the fuzzer looks for crashes, hangs and memory growth.
///
/// Built with libFuzzer by `scripts/fuzz-model-reader` (`-sanitize=fuzzer`, defining
/// `CARRYLENS_LIBFUZZER`). Built normally, the executable replays files given as
/// arguments and prints each one's outcome: `carrylens-fuzz fixtures/bad/*.safetensors`.

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
/// libFuzzer's entry point: one input per call.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzModelReader(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    _ = readModel(Data(bytes: start, count: count))
    return 0
}
#else
/// Replays files: `carrylens-fuzz FILE...` prints `FILE: outcome` for each.
@main
enum ModelReaderReplay {
    static func main() {
        for path in CommandLine.arguments.dropFirst() {
            guard let data = FileManager.default.contents(atPath: path) else {
                print("\(path): cannot read")
                continue
            }
            print("\(path): \(readModel(data))")
        }
    }
}
#endif
