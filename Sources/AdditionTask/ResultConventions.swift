import Foundation

/// The JSON convention of every CarryLens result file and JSON output: keys in
/// snake_case (Swift's camelCase property names converted by the encoder, and back by
/// ``decoder()``, so types need no hand-written keys for it), sorted keys, slashes
/// unescaped, non-finite numbers as strings; files pretty printed with one trailing
/// newline — so the bytes depend only on the value and results can be compared byte for
/// byte. Dictionary keys (digit names, carry patterns, categories) are data and are
/// written as they are.
///
/// A type that still declares `CodingKeys` (to rename a key or to encode by hand) names
/// its keys in camelCase (`dMLP = "dMlp"` for `d_mlp`): the encoder converts them like
/// property names, and the decoder converts the file's keys back to that form.
public enum CanonicalJSON {
    /// An encoder with the convention: snake_case keys, sorted; `pretty` adds indentation.
    public static func encoder(pretty: Bool = true) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return encoder
    }

    /// The decoder of files written with the convention.
    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return decoder
    }

    /// Encodes `value` canonically (pretty printed, one trailing newline).
    public static func encode<Value: Encodable>(_ value: Value) throws -> Data {
        var data = try encoder().encode(value)
        data.append(0x0A)
        return data
    }

    /// Decodes a value written by ``encode(_:)``.
    public static func decode<Value: Decodable>(_ type: Value.Type, from data: Data) throws -> Value {
        try decoder().decode(type, from: data)
    }

    /// Encodes `value` canonically as a UTF-8 string.
    public static func string<Value: Encodable>(_ value: Value) throws -> String {
        String(decoding: try encode(value), as: UTF8.self)
    }
}

/// A small deterministic pseudo-random generator (SplitMix64), so every sample
/// CarryLens draws is reproducible from its seed on every platform.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// Creates a generator from a seed.
    public init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform integer in 0..<bound.
    public mutating func below(_ bound: Int) -> Int { Int.random(in: 0..<bound, using: &self) }
}

/// A uniform random sample of canonical question indices, reproducible from its seed,
/// without repeats, in increasing order.
public struct QuestionSample: Sendable {
    public let seed: UInt64
    public let indices: [Int]

    public init(size: Int, population: Int, seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        var chosen = Set<Int>()
        let target = min(size, population)
        while chosen.count < target { chosen.insert(generator.below(population)) }
        self.seed = seed
        indices = chosen.sorted()
    }
}

/// Decimal numbers as CarryLens prints them.
public enum DecimalText {
    /// A string of decimal digits with thousands separators: `12345678` → `12,345,678`.
    /// Works on the text, so exact counts beyond 2^63 (Z3's, for many digits) group too.
    public static func grouped(digits: String) -> String {
        var result = ""
        for (offset, character) in digits.enumerated() {
            if offset > 0 && (digits.count - offset) % 3 == 0 { result.append(",") }
            result.append(character)
        }
        return result
    }

    /// An integer with thousands separators: `-1234567` → `-1,234,567`.
    public static func grouped(_ value: Int) -> String {
        (value < 0 ? "-" : "") + grouped(digits: String(value.magnitude))
    }
}
