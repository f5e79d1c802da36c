import Foundation

/// JSON encoding whose bytes depend only on the value: sorted keys, pretty printed
/// with two-space indentation by Foundation, slashes unescaped, one trailing newline.
public enum DeterministicJSON {
    /// Encodes `value` deterministically.
    public static func data<Value: Encodable>(_ value: Value) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        var data = try encoder.encode(value)
        data.append(0x0A)
        return data
    }

    /// Encodes `value` deterministically as a UTF-8 string.
    public static func string<Value: Encodable>(_ value: Value) throws -> String {
        String(decoding: try data(value), as: UTF8.self)
    }
}
