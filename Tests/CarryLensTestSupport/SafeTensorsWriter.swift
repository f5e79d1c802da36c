import AdditionTask
import Foundation
import Transformer

/// Builds safetensors images in memory for tests, including deliberately broken ones.
///
/// Tensors are laid out back to back in the order they are added. The header is
/// kept as a JSON object (`header`) so a test can edit any entry before calling
/// ``data()``.
public struct SafeTensorsWriter {
    /// The header object: tensor entries by name, plus `__metadata__` when set.
    public var header: [String: Any] = [:]
    /// The data buffer after the header.
    public var buffer = Data()

    public init() {}

    /// Appends a tensor with raw bytes and the given dtype name and shape.
    public mutating func add(_ name: String, dtype: String, shape: [Int], bytes: Data) {
        let begin = buffer.count
        buffer.append(bytes)
        header[name] = ["dtype": dtype, "shape": shape, "data_offsets": [begin, buffer.count]] as [String: Any]
    }

    /// Appends an F32 tensor.
    public mutating func add(_ name: String, shape: [Int], floats: [Float]) {
        var bytes = Data(capacity: floats.count * 4)
        for value in floats {
            withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
        }
        add(name, dtype: "F32", shape: shape, bytes: bytes)
    }

    /// Sets `__metadata__` (normally string to string; tests may store other values).
    public mutating func setMetadata(_ metadata: [String: Any]) {
        header["__metadata__"] = metadata
    }

    /// Removes a tensor entry from the header (its bytes stay in the buffer).
    public mutating func remove(_ name: String) {
        header[name] = nil
    }

    /// Edits one tensor entry's header fields.
    public mutating func edit(_ name: String, _ change: (inout [String: Any]) -> Void) {
        var entry = header[name] as? [String: Any] ?? [:]
        change(&entry)
        header[name] = entry
    }

    /// The header serialized as JSON (sorted keys, so images are deterministic).
    public func headerJSON() throws -> Data {
        try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
    }

    /// The complete file image: 8-byte little-endian header length, header, buffer.
    public func data() throws -> Data {
        Self.image(header: try headerJSON(), buffer: buffer)
    }

    /// Assembles a file image from raw header bytes and a buffer.
    public static func image(header: Data, buffer: Data) -> Data {
        image(declaredHeaderLength: UInt64(header.count), header: header, buffer: buffer)
    }

    /// Assembles an image whose 8-byte length prefix may disagree with the header.
    public static func image(declaredHeaderLength: UInt64, header: Data, buffer: Data) -> Data {
        var data = Data()
        withUnsafeBytes(of: declaredHeaderLength.littleEndian) { data.append(contentsOf: $0) }
        data.append(header)
        data.append(buffer)
        return data
    }
}

/// A tiny random model with the fixture architecture, for tests that must run in milliseconds.
public enum TinyModel {
    /// n_digits 1, d_model 8, d_head 2, n_heads 3, d_mlp 16 (n_ctx 6).
    public static let config = ModelConfig(nDigits: 1, nHeads: 3, dModel: 8, dHead: 2, dMLP: 16)

    /// The `__metadata__["config"]` JSON of `config`.
    public static func configJSON(_ config: ModelConfig = config) throws -> String {
        String(decoding: try CanonicalJSON.encoder(pretty: false).encode(config), as: UTF8.self)
    }

    /// A writer holding every parameter of `config` with deterministic pseudo-random
    /// values (LayerNorm weights near 1), and the config in `__metadata__` when `withConfig`.
    public static func writer(config: ModelConfig = config, seed: UInt64 = 1, withConfig: Bool = true) throws -> SafeTensorsWriter {
        var writer = SafeTensorsWriter()
        var state = seed
        func next() -> Float {
            // SplitMix64 mapped to [-1, 1).
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            return Float(z >> 40) / Float(1 << 23) - 1
        }
        for (name, shape) in TransformerWeights.parameterShapes(for: config) {
            let count = shape.reduce(1, *)
            let isLayerNormWeight = name.hasSuffix("ln1.w") || name.hasSuffix("ln2.w") || name == "ln_final.w"
            let values = (0..<count).map { _ in isLayerNormWeight ? 1 + 0.1 * next() : next() }
            writer.add(name, shape: shape, floats: values)
        }
        if withConfig {
            writer.setMetadata(["config": try configJSON(config), "format": "pt"])
        }
        return writer
    }

    /// Writes `data` to a fresh temporary file and returns its URL.
    public static func temporaryFile(_ data: Data, name: String = "model.safetensors") throws -> URL {
        let url = try Fixtures.temporaryDirectory("tiny-model").appendingPathComponent(name)
        try data.write(to: url)
        return url
    }
}
