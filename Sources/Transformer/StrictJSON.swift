/// Strict JSON for model files: the safetensors header and the JSON strings inside
/// `__metadata__` (`config`, `training`).
///
/// The parser accepts exactly RFC 8259 JSON and refuses what readers disagree on, so a
/// file cannot mean one thing to CarryLens and another to PyTorch:
///
/// - a key repeated in one object (at any level) is an error naming the key
///   (Python's `json` keeps the last value, other readers the first); keys equal under
///   Unicode canonical equivalence count as repeated;
/// - containers nest at most ``StrictJSON/maximumDepth`` deep and the text is at most
///   ``StrictJSON/maximumLength`` bytes; parsing is a single left-to-right pass, so its
///   time is linear in the length;
/// - a number with a fraction or an exponent (`3.0`, `1e3`) is a ``JSONValue/number(_:)``,
///   never an integer (Python reads it as a float too), so integer fields refuse it;
///   integers must fit in 64 bits, other numbers must be finite, and a number literal
///   has at most ``StrictJSON/maximumNumberLength`` characters;
/// - `NaN`, `Infinity`, comments, trailing commas, a byte-order mark, unescaped control
///   characters, invalid UTF-8 and unpaired `\u` surrogates are refused.
enum StrictJSON {
    /// The deepest nesting of arrays and objects accepted (a safetensors header needs 3).
    static let maximumDepth = 64
    /// The longest JSON text accepted, in bytes: the safetensors header limit.
    static let maximumLength = 100 * 1024 * 1024
    /// The longest number literal accepted, in characters (a Float32 needs at most 9
    /// significant digits, a Double 17).
    static let maximumNumberLength = 100

    /// Parses one JSON value (surrounded by optional whitespace) from UTF-8 bytes.
    static func parse<Bytes: Collection>(_ bytes: Bytes) throws -> JSONValue where Bytes.Element == UInt8 {
        guard bytes.count <= maximumLength else { throw StrictJSONError.tooLarge(length: bytes.count, limit: maximumLength) }
        var parser = StrictJSONParser(bytes: Array(bytes))
        return try parser.parseDocument()
    }

    /// Parses a JSON text held in a string (for example a `__metadata__` value).
    static func parse(_ text: String) throws -> JSONValue {
        try parse(Array(text.utf8))
    }
}

/// A JSON value read by ``StrictJSON``.
enum JSONValue: Equatable, Sendable {
    case null, bool(Bool)
    /// A number written without fraction or exponent.
    case integer(Int)
    /// A number written with a fraction or an exponent.
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// A short description of the value's kind and, for scalars, its value, for error messages.
    var summary: String {
        switch self {
        case .null: return "null"
        case .bool(let value): return value ? "true" : "false"
        case .integer(let value): return "the integer \(value)"
        case .number(let value): return "the number \(value)"
        case .string(let text): return "the string \(StrictJSONError.quoted(text))"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}

/// Why a JSON text was refused. Offsets are byte offsets into the text.
public enum StrictJSONError: Error, Equatable, CustomStringConvertible {
    case tooLarge(length: Int, limit: Int)
    case tooDeep(offset: Int, limit: Int)
    case duplicateKey(String, path: String)
    case unexpectedEnd(expected: String)
    case unexpectedByte(offset: Int, found: UInt8, expected: String)
    case invalidNumber(offset: Int, reason: String)
    case invalidString(offset: Int, reason: String)
    case trailingContent(offset: Int)

    public var description: String {
        switch self {
        case .tooLarge(let length, let limit):
            return "JSON text of \(length) bytes exceeds the limit of \(limit) bytes"
        case .tooDeep(let offset, let limit):
            return "arrays and objects nested more than \(limit) deep (at byte \(offset))"
        case .duplicateKey(let key, let path):
            return "duplicate key \(Self.quoted(key)) " + (path.isEmpty ? "at the top level" : "in \(path)")
        case .unexpectedEnd(let expected):
            return "unexpected end of JSON text, expected \(expected)"
        case .unexpectedByte(let offset, let found, let expected):
            return "unexpected \(Self.describe(found)) at byte \(offset), expected \(expected)"
        case .invalidNumber(let offset, let reason):
            return "invalid number at byte \(offset): \(reason)"
        case .invalidString(let offset, let reason):
            return "invalid string at byte \(offset): \(reason)"
        case .trailingContent(let offset):
            return "unexpected content after the JSON value at byte \(offset)"
        }
    }

    /// `text` in double quotes, cut to 60 characters so a huge key cannot flood a message.
    static func quoted(_ text: String) -> String {
        let limit = 60
        let shown = text.count > limit ? String(text.prefix(limit)) + "…" : text
        return "\"" + shown.unicodeScalars.map { $0.value < 0x20 ? "\\u{\(String($0.value, radix: 16))}" : String($0) }.joined() + "\""
    }

    static func describe(_ byte: UInt8) -> String {
        (0x21...0x7E).contains(byte) ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x" + String(byte, radix: 16, uppercase: true)
    }
}

/// Recursive descent over the bytes, depth bounded by ``StrictJSON/maximumDepth``.
private struct StrictJSONParser {
    let bytes: [UInt8]
    var offset = 0
    /// One step of the path to the value being parsed.
    enum PathStep { case key(String), index(Int) }
    /// Keys and indices leading to the value being parsed, for duplicate-key messages.
    var path: [PathStep] = []

    init(bytes: [UInt8]) { self.bytes = bytes }

    mutating func parseDocument() throws -> JSONValue {
        skipWhitespace()
        let value = try parseValue(depth: 0)
        skipWhitespace()
        guard offset == bytes.count else { throw StrictJSONError.trailingContent(offset: offset) }
        return value
    }

    private mutating func skipWhitespace() {
        while offset < bytes.count {
            switch bytes[offset] {
            case 0x20, 0x09, 0x0A, 0x0D: offset += 1
            default: return
            }
        }
    }

    private func peek(expecting expected: String) throws -> UInt8 {
        guard offset < bytes.count else { throw StrictJSONError.unexpectedEnd(expected: expected) }
        return bytes[offset]
    }

    private mutating func parseValue(depth: Int) throws -> JSONValue {
        let byte = try peek(expecting: "a value")
        switch byte {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try parseLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try parseLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try parseLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw StrictJSONError.unexpectedByte(offset: offset, found: byte, expected: "a value")
        }
    }

    private mutating func parseLiteral(_ word: StaticString) throws {
        let start = offset
        for expected in UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount) {
            let byte = try peek(expecting: "'\(word)'")
            guard byte == expected else {
                throw StrictJSONError.unexpectedByte(offset: offset, found: byte, expected: "'\(word)' (starting at byte \(start))")
            }
            offset += 1
        }
    }

    private mutating func parseObject(depth: Int) throws -> JSONValue {
        guard depth <= StrictJSON.maximumDepth else { throw StrictJSONError.tooDeep(offset: offset, limit: StrictJSON.maximumDepth) }
        offset += 1  // {
        var object: [String: JSONValue] = [:]
        skipWhitespace()
        if try peek(expecting: "a key or '}'") == UInt8(ascii: "}") {
            offset += 1
            return .object(object)
        }
        while true {
            skipWhitespace()
            let byte = try peek(expecting: "a key")
            guard byte == UInt8(ascii: "\"") else { throw StrictJSONError.unexpectedByte(offset: offset, found: byte, expected: "a key in double quotes") }
            let key = try parseString()
            guard object[key] == nil else { throw StrictJSONError.duplicateKey(key, path: renderedPath) }
            skipWhitespace()
            let colon = try peek(expecting: "':'")
            guard colon == UInt8(ascii: ":") else { throw StrictJSONError.unexpectedByte(offset: offset, found: colon, expected: "':'") }
            offset += 1
            skipWhitespace()
            path.append(.key(key))
            object[key] = try parseValue(depth: depth)
            path.removeLast()
            skipWhitespace()
            let separator = try peek(expecting: "',' or '}'")
            offset += 1
            if separator == UInt8(ascii: "}") { return .object(object) }
            guard separator == UInt8(ascii: ",") else {
                throw StrictJSONError.unexpectedByte(offset: offset - 1, found: separator, expected: "',' or '}'")
            }
        }
    }

    private mutating func parseArray(depth: Int) throws -> JSONValue {
        guard depth <= StrictJSON.maximumDepth else { throw StrictJSONError.tooDeep(offset: offset, limit: StrictJSON.maximumDepth) }
        offset += 1  // [
        var array: [JSONValue] = []
        skipWhitespace()
        if try peek(expecting: "a value or ']'") == UInt8(ascii: "]") {
            offset += 1
            return .array(array)
        }
        while true {
            skipWhitespace()
            path.append(.index(array.count))
            array.append(try parseValue(depth: depth))
            path.removeLast()
            skipWhitespace()
            let separator = try peek(expecting: "',' or ']'")
            offset += 1
            if separator == UInt8(ascii: "]") { return .array(array) }
            guard separator == UInt8(ascii: ",") else {
                throw StrictJSONError.unexpectedByte(offset: offset - 1, found: separator, expected: "',' or ']'")
            }
        }
    }

    /// The path of the object being parsed, e.g. `["x"]["shape"]`.
    private var renderedPath: String {
        path.map { step in
            switch step {
            case .key(let key): return "[\(StrictJSONError.quoted(key))]"
            case .index(let index): return "[\(index)]"
            }
        }.joined()
    }

    /// A string starting at the opening quote; returns its contents with escapes resolved.
    private mutating func parseString() throws -> String {
        let start = offset
        offset += 1  // "
        var result = ""
        var runStart = offset
        func flushRun(_ parser: StrictJSONParser, upTo end: Int) throws {
            guard end > runStart else { return }
            guard let text = String(validating: parser.bytes[runStart..<end], as: UTF8.self) else {
                throw StrictJSONError.invalidString(offset: start, reason: "not valid UTF-8")
            }
            result += text
        }
        while true {
            guard offset < bytes.count else { throw StrictJSONError.unexpectedEnd(expected: "the end of the string starting at byte \(start)") }
            let byte = bytes[offset]
            if byte == UInt8(ascii: "\"") {
                try flushRun(self, upTo: offset)
                offset += 1
                return result
            }
            if byte < 0x20 {
                throw StrictJSONError.invalidString(offset: offset, reason: "unescaped control character 0x\(String(byte, radix: 16, uppercase: true))")
            }
            if byte != UInt8(ascii: "\\") {
                offset += 1
                continue
            }
            try flushRun(self, upTo: offset)
            offset += 1
            guard offset < bytes.count else { throw StrictJSONError.unexpectedEnd(expected: "an escape") }
            let escape = bytes[offset]
            offset += 1
            switch escape {
            case UInt8(ascii: "\""): result += "\""
            case UInt8(ascii: "\\"): result += "\\"
            case UInt8(ascii: "/"): result += "/"
            case UInt8(ascii: "b"): result += "\u{08}"
            case UInt8(ascii: "f"): result += "\u{0C}"
            case UInt8(ascii: "n"): result += "\n"
            case UInt8(ascii: "r"): result += "\r"
            case UInt8(ascii: "t"): result += "\t"
            case UInt8(ascii: "u"):
                let escapeStart = offset - 2
                let unit = try parseHex4()
                var scalarValue = UInt32(unit)
                if (0xD800...0xDBFF).contains(unit) {
                    guard offset + 1 < bytes.count, bytes[offset] == UInt8(ascii: "\\"), bytes[offset + 1] == UInt8(ascii: "u") else {
                        throw StrictJSONError.invalidString(offset: escapeStart, reason: "unpaired surrogate \\u\(String(unit, radix: 16))")
                    }
                    offset += 2
                    let low = try parseHex4()
                    guard (0xDC00...0xDFFF).contains(low) else {
                        throw StrictJSONError.invalidString(offset: escapeStart, reason: "unpaired surrogate \\u\(String(unit, radix: 16))")
                    }
                    scalarValue = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
                } else if (0xDC00...0xDFFF).contains(unit) {
                    throw StrictJSONError.invalidString(offset: escapeStart, reason: "unpaired surrogate \\u\(String(unit, radix: 16))")
                }
                guard let scalar = Unicode.Scalar(scalarValue) else {
                    throw StrictJSONError.invalidString(offset: escapeStart, reason: "invalid escape")
                }
                result.unicodeScalars.append(scalar)
            default:
                throw StrictJSONError.invalidString(offset: offset - 2, reason: "unknown escape: backslash then \(StrictJSONError.describe(escape))")
            }
            runStart = offset
        }
    }

    private mutating func parseHex4() throws -> UInt16 {
        var value: UInt16 = 0
        for _ in 0..<4 {
            guard offset < bytes.count else { throw StrictJSONError.unexpectedEnd(expected: "four hexadecimal digits") }
            let byte = bytes[offset]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw StrictJSONError.invalidString(offset: offset, reason: "\\u needs four hexadecimal digits")
            }
            value = value << 4 | UInt16(digit)
            offset += 1
        }
        return value
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`: an integer when it has neither
    /// fraction nor exponent.
    private mutating func parseNumber() throws -> JSONValue {
        let start = offset
        func isDigit(_ index: Int) -> Bool { index < bytes.count && (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) }
        if bytes[offset] == UInt8(ascii: "-") { offset += 1 }
        guard isDigit(offset) else { throw StrictJSONError.invalidNumber(offset: start, reason: "a digit must follow '-'") }
        if bytes[offset] == UInt8(ascii: "0") {
            offset += 1
            if isDigit(offset) { throw StrictJSONError.invalidNumber(offset: start, reason: "leading zeros are not allowed") }
        } else {
            while isDigit(offset) { offset += 1 }
        }
        var integral = true
        if offset < bytes.count, bytes[offset] == UInt8(ascii: ".") {
            integral = false
            offset += 1
            guard isDigit(offset) else { throw StrictJSONError.invalidNumber(offset: start, reason: "a digit must follow '.'") }
            while isDigit(offset) { offset += 1 }
        }
        if offset < bytes.count, bytes[offset] == UInt8(ascii: "e") || bytes[offset] == UInt8(ascii: "E") {
            integral = false
            offset += 1
            if offset < bytes.count, bytes[offset] == UInt8(ascii: "+") || bytes[offset] == UInt8(ascii: "-") { offset += 1 }
            guard isDigit(offset) else { throw StrictJSONError.invalidNumber(offset: start, reason: "a digit must follow the exponent") }
            while isDigit(offset) { offset += 1 }
        }
        guard offset - start <= StrictJSON.maximumNumberLength else {
            throw StrictJSONError.invalidNumber(offset: start, reason: "longer than \(StrictJSON.maximumNumberLength) characters")
        }
        let literal = String(decoding: bytes[start..<offset], as: UTF8.self)
        if integral {
            guard let value = Int(literal) else {
                throw StrictJSONError.invalidNumber(offset: start, reason: "integer \(literal.prefix(40)) does not fit in 64 bits")
            }
            return .integer(value)
        }
        guard let value = Double(literal), value.isFinite else {
            throw StrictJSONError.invalidNumber(offset: start, reason: "\(literal.prefix(40)) is outside the range of a 64-bit float")
        }
        return .number(value)
    }
}
