import CarryLensTestSupport
import Foundation
import XCTest
@testable import Transformer

/// Strict JSON for model headers and the config in `__metadata__`: repeated keys,
/// nesting depth, integral floats in integer fields, and the grammar's edge cases.
final class StrictJSONTests: XCTestCase {
    // MARK: Helpers

    /// A safetensors image with `header` as its raw header text and `bufferSize` zero bytes of data.
    private func image(_ header: String, bufferSize: Int = 8) -> Data {
        SafeTensorsWriter.image(header: Data(header.utf8), buffer: Data(count: bufferSize))
    }

    /// The message of the error reading `data`, or nil when it reads.
    private func headerError(_ data: Data) -> SafeTensorsError? {
        do { _ = try SafeTensorsFile(data: data); return nil } catch { return error as? SafeTensorsError }
    }

    private func configError(_ json: String) -> String? {
        do { _ = try ModelConfig(json: json); return nil } catch { return "\(error)" }
    }

    private func parseError(_ text: String) -> StrictJSONError? {
        do { _ = try StrictJSON.parse(text); return nil } catch { return error as? StrictJSONError }
    }

    private let entry = #"{"dtype":"F32","shape":[2],"data_offsets":[0,8]}"#

    /// The tiny model's config as a JSON object text, with `extra` spliced in before the closing brace.
    private func tinyConfig(_ extra: String = "") -> String {
        #"{"n_digits": 1, "n_layers": 1, "n_heads": 3, "d_model": 8, "d_head": 2, "d_mlp": 16, "d_vocab": 12, "n_ctx": 6, "act_fn": "relu", "normalization_type": "LN", "eps": 1e-05"#
            + extra + "}"
    }

    // MARK: Repeated keys, at every level

    func testRepeatedTensorNameIsRefused() {
        // A reader keeping the first entry sees shape [1], one keeping the last sees shape [2].
        let header = #"{"x": {"dtype":"F32","shape":[1],"data_offsets":[0,4]}, "x": "# + entry + "}"
        XCTAssertEqual(headerError(image(header)), .malformedHeaderJSON(#"duplicate key "x" at the top level"#))
    }

    func testRepeatedKeyInsideATensorEntryIsRefused() {
        let header = #"{"x": {"dtype":"F32","shape":[2],"shape":[1],"data_offsets":[0,8]}}"#
        XCTAssertEqual(headerError(image(header)), .malformedHeaderJSON(#"duplicate key "shape" in ["x"]"#))
    }

    func testRepeatedMetadataObjectAndMetadataKeyAreRefused() {
        let twice = #"{"x": "# + entry + #", "__metadata__": {"format": "pt"}, "__metadata__": {"format": "np"}}"#
        XCTAssertEqual(headerError(image(twice)), .malformedHeaderJSON(#"duplicate key "__metadata__" at the top level"#))
        let key = #"{"x": "# + entry + #", "__metadata__": {"config": "{}", "config": "{\"n_digits\": 3}"}}"#
        XCTAssertEqual(headerError(image(key)), .malformedHeaderJSON(#"duplicate key "config" in ["__metadata__"]"#))
    }

    func testRepeatedKeyInsideTheConfigIsRefused() throws {
        // Python's json keeps the last value (eps 0.5); CarryLens must not silently keep 1e-5.
        let message = try XCTUnwrap(configError(tinyConfig(#", "eps": 0.5"#)))
        XCTAssertEqual(message, #"malformed model config JSON: duplicate key "eps" at the top level"#)
        XCTAssertNil(configError(tinyConfig()))
    }

    func testRepeatedKeyDeepInsideIsNamedWithItsPath() {
        XCTAssertEqual(parseError(#"{"a": [{"b": {"c": 1, "c": 2}}]}"#), .duplicateKey("c", path: #"["a"][0]["b"]"#))
        XCTAssertEqual(parseError(#"{"a": [{"b": {"c": 1, "c": 2}}]}"#)?.description, #"duplicate key "c" in ["a"][0]["b"]"#)
    }

    func testKeysThatAreCanonicallyEquivalentCountAsRepeated() {
        // "é" precomposed and "e" + combining acute are one Swift String key.
        XCTAssertEqual(parseError("{\"\u{E9}\": 1, \"e\u{301}\": 2}"), .duplicateKey("e\u{301}", path: ""))
    }

    // MARK: Nesting depth and time

    func testDeepNestingIsRefusedAtOnce() throws {
        // Eight 1 KB blocks of arrays nested 500 deep as tensor entries.
        let block = String(repeating: "[", count: 500) + String(repeating: "]", count: 500)
        let header = "{" + (0..<8).map { "\"t\($0)\": \(block)" }.joined(separator: ", ") + "}"
        let start = Date()
        let error = headerError(image(header))
        let seconds = Date().timeIntervalSince(start)
        XCTAssertEqual(error, .malformedHeaderJSON("arrays and objects nested more than 64 deep (at byte 70)"))
        XCTAssertLessThan(seconds, 0.5)
    }

    func testNestingUpToTheLimitParses() throws {
        let depth = StrictJSON.maximumDepth
        let inside = String(repeating: "[", count: depth - 1) + String(repeating: "]", count: depth - 1)
        XCTAssertNoThrow(try StrictJSON.parse("{\"a\": \(inside)}"))
        let over = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        XCTAssertEqual(parseError("{\"a\": \(over)}"), .tooDeep(offset: 6 + depth - 1, limit: depth))
    }

    func testParsingTimeIsLinear() throws {
        // 4 MB of 60-deep nesting, 100,000 keys and a 4 MB string: each within seconds on a
        // loaded machine (the reader this replaced took 12 s for 8 KB nested 500 deep).
        let nested = String(repeating: "[", count: 60) + String(repeating: "]", count: 60)
        let cases = [
            "[" + Array(repeating: nested, count: 35_000).joined(separator: ",") + "]",
            "{" + (0..<100_000).map { "\"k\($0)\": \($0)" }.joined(separator: ",") + "}",
            "\"" + String(repeating: "ab\\n", count: 1_000_000) + "\"",
        ]
        for text in cases {
            let start = Date()
            XCTAssertNoThrow(try StrictJSON.parse(text))
            XCTAssertLessThan(Date().timeIntervalSince(start), 3.0, "\(text.utf8.count) bytes")
        }
    }

    // MARK: Integral floats in integer fields

    func testIntegralFloatsAreRefusedInShapeAndOffsets() {
        XCTAssertEqual(headerError(image(#"{"x": {"dtype":"F32","shape":[2.0],"data_offsets":[0,8]}}"#)),
                       .malformedEntry(name: "x", reason: "shape must be non-negative integers"))
        XCTAssertEqual(headerError(image(#"{"x": {"dtype":"F32","shape":[2],"data_offsets":[0,8e0]}}"#)),
                       .malformedEntry(name: "x", reason: "'data_offsets' must be two integers"))
    }

    func testIntegralFloatsAreRefusedInConfigIntegerFields() {
        let config = tinyConfig().replacingOccurrences(of: #""d_model": 8"#, with: #""d_model": 8.0"#)
        XCTAssertEqual(configError(config),
                       "malformed model config JSON: field 'd_model' must be an integer written without fraction or exponent, found the number 8.0")
        let exponent = tinyConfig().replacingOccurrences(of: #""n_digits": 1"#, with: #""n_digits": 1e0"#)
        XCTAssertEqual(configError(exponent),
                       "malformed model config JSON: field 'n_digits' must be an integer written without fraction or exponent, found the number 1.0")
    }

    func testConfigFieldsAreCheckedByType() throws {
        XCTAssertEqual(configError(tinyConfig().replacingOccurrences(of: #""n_heads": 3"#, with: #""n_heads": "3""#)),
                       "malformed model config JSON: field 'n_heads' must be an integer, found the string \"3\"")
        XCTAssertEqual(configError(tinyConfig().replacingOccurrences(of: #""n_ctx": 6, "#, with: "")),
                       "malformed model config JSON: field 'n_ctx' is missing")
        XCTAssertEqual(configError("[1]"), "malformed model config JSON: expected a JSON object, found an array")
        // eps may be written as an integer; seed and normalization_type may be null; other keys are ignored.
        let lenient = try ModelConfig(json: tinyConfig(#", "seed": null, "lr": 8e-05, "steps": 30000"#)
            .replacingOccurrences(of: #""eps": 1e-05"#, with: #""eps": 1"#))
        XCTAssertEqual(lenient.eps, 1)
        XCTAssertNil(lenient.seed)
        XCTAssertEqual(try ModelConfig(json: tinyConfig(#", "seed": 129000"#)).seed, 129000)
    }

    // MARK: The grammar

    func testValuesAreReadExactly() throws {
        XCTAssertEqual(try StrictJSON.parse(#" {"a": [1, -0, 1.5, 1e-05, true, false, null, "x\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00"]} "#),
                       .object(["a": .array([.integer(1), .integer(0), .number(1.5), .number(1e-5), .bool(true), .bool(false), .null,
                                             .string("x\"\\/\u{8}\u{C}\n\r\t\u{E9}\u{1F600}")])]))
        XCTAssertEqual(try StrictJSON.parse("9223372036854775807"), .integer(Int.max))
        XCTAssertEqual(try StrictJSON.parse("{}"), .object([:]))
        XCTAssertEqual(try StrictJSON.parse("[]"), .array([]))
    }

    func testWhatOtherReadersDisagreeOnIsRefused() {
        let refused: [(String, String)] = [
            ("NaN", "unexpected 'N' at byte 0, expected a value"),
            ("[Infinity]", "unexpected 'I' at byte 1, expected a value"),
            ("[1,]", "unexpected ']' at byte 3, expected a value"),
            ("{\"a\": 1,}", "unexpected '}' at byte 8, expected a key in double quotes"),
            ("[01]", "invalid number at byte 1: leading zeros are not allowed"),
            ("[1.]", "invalid number at byte 1: a digit must follow '.'"),
            ("[-]", "invalid number at byte 1: a digit must follow '-'"),
            ("[1e400]", "invalid number at byte 1: 1e400 is outside the range of a 64-bit float"),
            ("[9223372036854775808]", "invalid number at byte 1: integer 9223372036854775808 does not fit in 64 bits"),
            ("\u{FEFF}{}", "unexpected byte 0xEF at byte 0, expected a value"),
            ("{} {}", "unexpected content after the JSON value at byte 3"),
            ("\"a\u{1}\"", "invalid string at byte 2: unescaped control character 0x1"),
            (#""\ud800""#, "invalid string at byte 1: unpaired surrogate \\ud800"),
            (#""\udc00x""#, "invalid string at byte 1: unpaired surrogate \\udc00"),
            (#""\x""#, "invalid string at byte 1: unknown escape: backslash then 'x'"),
            ("[1, 2", "unexpected end of JSON text, expected ',' or ']'"),
            ("", "unexpected end of JSON text, expected a value"),
            ("// comment\n{}", "unexpected '/' at byte 0, expected a value"),
            ("[" + String(repeating: "1", count: 101) + "]", "invalid number at byte 1: longer than 100 characters"),
        ]
        for (text, message) in refused {
            XCTAssertEqual(parseError(text)?.description, message, text)
        }
    }

    func testInvalidUTF8IsRefused() {
        do {
            _ = try StrictJSON.parse([UInt8](#"{"a": ""#.utf8) + [0xC3, 0x28] + [UInt8](#""}"#.utf8))
            XCTFail("invalid UTF-8 accepted")
        } catch {
            XCTAssertEqual(error as? StrictJSONError, .invalidString(offset: 6, reason: "not valid UTF-8"))
        }
    }

    func testHugeKeyIsShortenedInMessages() {
        let key = String(repeating: "k", count: 10_000)
        let message = parseError("{\"\(key)\": 1, \"\(key)\": 2}")?.description ?? ""
        XCTAssertLessThan(message.count, 120, message)
        XCTAssertTrue(message.hasPrefix("duplicate key \"kkkk"), message)
    }
}
