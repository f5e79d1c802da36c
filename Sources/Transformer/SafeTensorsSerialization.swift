import Foundation

/// Writes F32 safetensors images: the format ``SafeTensorsFile`` reads.
public enum SafeTensorsSerialization {
    /// One tensor to write.
    public struct Tensor: Sendable {
        public var name: String
        public var shape: [Int]
        public var values: [Float]

        public init(name: String, shape: [Int], values: [Float]) {
            self.name = name
            self.shape = shape
            self.values = values
        }
    }

    /// The image: u64 header length, the JSON header (tensors in name order, then
    /// `__metadata__`, padded with spaces to a multiple of 8 bytes), then the
    /// tensors' little-endian F32 bytes back to back in the same order.
    public static func image(_ tensors: [Tensor], metadata: [String: String]) throws -> Data {
        let ordered = tensors.sorted { $0.name < $1.name }
        var entries: [String] = []
        var offset = 0
        for tensor in ordered {
            precondition(tensor.shape.reduce(1, *) == tensor.values.count, "tensor '\(tensor.name)' shape does not match its values")
            let end = offset + tensor.values.count * 4
            entries.append("\(try quoted(tensor.name)):{\"dtype\":\"F32\",\"shape\":[\(tensor.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        let pairs = try metadata.keys.sorted().map { "\(try quoted($0)):\(try quoted(metadata[$0] ?? ""))" }
        entries.append("\"__metadata__\":{" + pairs.joined(separator: ",") + "}")
        var header = Data(("{" + entries.joined(separator: ",") + "}").utf8)
        header.append(contentsOf: [UInt8](repeating: 0x20, count: (8 - header.count % 8) % 8))
        var image = Data(capacity: 8 + header.count + offset)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { image.append(contentsOf: $0) }
        image.append(header)
        for tensor in ordered {
            tensor.values.withUnsafeBufferPointer { buffer in
                for value in buffer { withUnsafeBytes(of: value.bitPattern.littleEndian) { image.append(contentsOf: $0) } }
            }
        }
        return image
    }

    /// A JSON string literal.
    private static func quoted(_ text: String) throws -> String {
        String(decoding: try JSONEncoder().encode(text), as: UTF8.self)
    }
}

extension TransformerWeights {
    /// Every parameter with its TransformerLens name and shape, in ``parameterShapes(for:)`` order.
    public var namedTensors: [SafeTensorsSerialization.Tensor] {
        Self.parameterShapes(for: config).map { name, shape in
            SafeTensorsSerialization.Tensor(name: name, shape: shape, values: values(named: name))
        }
    }

    /// The parameter called `name` (a TransformerLens name from ``parameterShapes(for:)``).
    public func values(named name: String) -> [Float] {
        switch name {
        case "embed.W_E": return embed
        case "pos_embed.W_pos": return positionEmbed
        case "blocks.0.ln1.w": return ln1Weight
        case "blocks.0.ln1.b": return ln1Bias
        case "blocks.0.attn.W_Q": return wQ
        case "blocks.0.attn.W_K": return wK
        case "blocks.0.attn.W_V": return wV
        case "blocks.0.attn.b_Q": return bQ
        case "blocks.0.attn.b_K": return bK
        case "blocks.0.attn.b_V": return bV
        case "blocks.0.attn.W_O": return wO
        case "blocks.0.attn.b_O": return bO
        case "blocks.0.ln2.w": return ln2Weight
        case "blocks.0.ln2.b": return ln2Bias
        case "blocks.0.mlp.W_in": return wIn
        case "blocks.0.mlp.b_in": return bIn
        case "blocks.0.mlp.W_out": return wOut
        case "blocks.0.mlp.b_out": return bOut
        case "ln_final.w": return lnFinalWeight
        case "ln_final.b": return lnFinalBias
        case "unembed.W_U": return wU
        case "unembed.b_U": return bU
        default: return []
        }
    }
}
