import AdditionTask
import CarryLensTestSupport
import Foundation
import XCTest
@testable import Transformer

/// One test per validation rule of safetensors parsing and model loading, each
/// asserting the specific error case. Files are built from a tiny valid model
/// (`TinyModel`), so everything runs in milliseconds.
final class ModelFileValidationTests: XCTestCase {
    // MARK: Helpers

    private func assertFileError(_ data: Data, file: StaticString = #filePath, line: UInt = #line,
                                 _ matches: (SafeTensorsError) -> Bool) {
        XCTAssertThrowsError(try SafeTensorsFile(data: data), file: file, line: line) { error in
            guard let error = error as? SafeTensorsError else {
                return XCTFail("expected a SafeTensorsError, got \(error)", file: file, line: line)
            }
            XCTAssertTrue(matches(error), "unexpected error case: \(error)", file: file, line: line)
        }
    }

    /// Loads `writer`'s image as a model (through a temporary file), returning the thrown error.
    private func loadError(_ writer: SafeTensorsWriter, configOverride: ModelConfig? = nil,
                           file: StaticString = #filePath, line: UInt = #line) throws -> Error? {
        let url = try TinyModel.temporaryFile(try writer.data())
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        do {
            _ = try AdditionModel(contentsOf: url, configOverride: configOverride)
            return nil
        } catch {
            return error
        }
    }

    private func assertModelError(_ writer: SafeTensorsWriter, configOverride: ModelConfig? = nil,
                                  file: StaticString = #filePath, line: UInt = #line,
                                  _ matches: (ModelError) -> Bool) throws {
        let error = try loadError(writer, configOverride: configOverride, file: file, line: line)
        guard let error else { return XCTFail("expected loading to fail", file: file, line: line) }
        guard let modelError = error as? ModelError else {
            return XCTFail("expected a ModelError, got \(error)", file: file, line: line)
        }
        XCTAssertTrue(matches(modelError), "unexpected error case: \(modelError)", file: file, line: line)
    }

    private func load(_ writer: SafeTensorsWriter, configOverride: ModelConfig? = nil) throws -> AdditionModel {
        let url = try TinyModel.temporaryFile(try writer.data())
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        return try AdditionModel(contentsOf: url, configOverride: configOverride)
    }

    private func writer(config: [String: Any]) throws -> SafeTensorsWriter {
        var writer = try TinyModel.writer()
        let json = String(decoding: try JSONSerialization.data(withJSONObject: config, options: [.sortedKeys]), as: UTF8.self)
        writer.setMetadata(["config": json])
        return writer
    }

    private var tinyConfigObject: [String: Any] {
        ["n_digits": 1, "n_layers": 1, "n_heads": 3, "d_model": 8, "d_head": 2, "d_mlp": 16, "d_vocab": 12,
         "n_ctx": 6, "act_fn": "relu", "normalization_type": "LN", "eps": 1e-5]
    }

    // MARK: A valid tiny model

    func testTinyRandomModelLoadsAndRunsTheReferencePass() throws {
        let model = try load(try TinyModel.writer())
        XCTAssertEqual(model.config, TinyModel.config)
        XCTAssertEqual(model.task.digitCount, 1)
        XCTAssertEqual(model.notes, [])
        let question = try model.task.parseQuestion("7+8")
        let fp32 = ReferenceTransformer<Float>(model).run(question)
        let fp64 = ReferenceTransformer<Double>(model).run(question)
        XCTAssertEqual(fp32.answerLogits.count, 2)
        XCTAssertEqual(fp32.answerLogits[0].count, 12)
        for (row32, row64) in zip(fp32.answerLogits, fp64.answerLogits) {
            for (x, y) in zip(row32, row64) {
                XCTAssertTrue(x.isFinite)
                XCTAssertEqual(Double(x), y, accuracy: 1e-4)
            }
        }
    }

    func testScalarAndUnitDimensionsParseAsIntegers() throws {
        var writer = SafeTensorsWriter()
        writer.add("scalar", shape: [], floats: [1.5])
        writer.add("one", shape: [1], floats: [2.5])
        writer.add("empty", dtype: "F32", shape: [0], bytes: Data())
        let file = try SafeTensorsFile(data: try writer.data())
        XCTAssertEqual(try file.float32("scalar"), [1.5])
        XCTAssertEqual(try file.float32("one"), [2.5])
        XCTAssertEqual(try file.float32("empty"), [])
    }

    func testHeaderPaddedWithSpacesIsAccepted() throws {
        // Writers pad the header with spaces to align the buffer to 8 bytes.
        var writer = SafeTensorsWriter()
        writer.add("x", shape: [2], floats: [1, 2])
        let header = try writer.headerJSON() + Data("     ".utf8)
        let file = try SafeTensorsFile(data: SafeTensorsWriter.image(header: header, buffer: writer.buffer))
        XCTAssertEqual(try file.float32("x"), [1, 2])
    }

    // MARK: File layout

    func testFileShorterThanEightBytes() {
        assertFileError(Data([1, 0, 0, 0, 0])) { $0 == .truncatedHeaderLength(fileSize: 5) }
        assertFileError(Data()) { $0 == .truncatedHeaderLength(fileSize: 0) }
    }

    func testHeaderLengthBeyondTheFile() {
        let data = SafeTensorsWriter.image(declaredHeaderLength: 100, header: Data("{}".utf8), buffer: Data())
        assertFileError(data) { $0 == .headerBeyondFile(length: 100, fileSize: 10) }
    }

    func testHeaderLengthOverTheLimit() {
        let length = UInt64(SafeTensorsFile.maximumHeaderLength) + 1
        let data = SafeTensorsWriter.image(declaredHeaderLength: length, header: Data("{}".utf8), buffer: Data())
        assertFileError(data) { $0 == .headerTooLarge(length: length, limit: SafeTensorsFile.maximumHeaderLength) }
        // A length that does not fit in Int must not crash either.
        let huge = SafeTensorsWriter.image(declaredHeaderLength: UInt64.max, header: Data(), buffer: Data())
        assertFileError(huge) { if case .headerTooLarge = $0 { return true }; return false }
    }

    func testHeaderNotJSON() {
        let data = SafeTensorsWriter.image(header: Data("{\"a\": ".utf8), buffer: Data())
        assertFileError(data) { if case .malformedHeaderJSON = $0 { return true }; return false }
    }

    func testHeaderJSONNotAnObject() {
        let data = SafeTensorsWriter.image(header: Data("[1, 2, 3]".utf8), buffer: Data())
        assertFileError(data) { $0 == .malformedHeaderJSON("the header is not a JSON object") }
    }

    // MARK: Entries

    func testEntryMissingDType() throws {
        var writer = SafeTensorsWriter()
        writer.add("x", shape: [2], floats: [1, 2])
        writer.edit("x") { $0["dtype"] = nil }
        assertFileError(try writer.data()) { $0 == .malformedEntry(name: "x", reason: "missing 'dtype'") }
    }

    func testEntryMissingShape() throws {
        var writer = SafeTensorsWriter()
        writer.add("x", shape: [2], floats: [1, 2])
        writer.edit("x") { $0["shape"] = nil }
        assertFileError(try writer.data()) { $0 == .malformedEntry(name: "x", reason: "missing 'shape'") }
    }

    func testEntryMissingDataOffsets() throws {
        var writer = SafeTensorsWriter()
        writer.add("x", shape: [2], floats: [1, 2])
        writer.edit("x") { $0["data_offsets"] = nil }
        assertFileError(try writer.data()) { $0 == .malformedEntry(name: "x", reason: "'data_offsets' must be two integers") }
    }

    func testEntryNotAnObject() throws {
        var writer = SafeTensorsWriter()
        writer.header["x"] = [1, 2]
        assertFileError(try writer.data()) { $0 == .malformedEntry(name: "x", reason: "not a JSON object") }
    }

    func testUnknownDType() throws {
        var writer = SafeTensorsWriter()
        writer.add("x", dtype: "F12", shape: [2], bytes: Data(count: 8))
        assertFileError(try writer.data()) { $0 == .unknownDType(name: "x", dtype: "F12") }
    }

    func testOffsetsOutsideTheBuffer() throws {
        var writer = SafeTensorsWriter()
        writer.add("x", shape: [2], floats: [1, 2])
        writer.edit("x") { $0["data_offsets"] = [0, 12] }
        assertFileError(try writer.data()) { $0 == .offsetsOutsideBuffer(name: "x", end: 12, bufferSize: 8) }
    }

    func testTruncatedFixtureFile() throws {
        let data = try Data(contentsOf: Fixtures.modelURL(digits: 3))
        let truncated = data.prefix(data.count - 100)
        assertFileError(Data(truncated)) { error in
            guard case .offsetsOutsideBuffer(_, let end, let size) = error else { return false }
            return end > size
        }
        // Cut inside the header: the declared header length runs past the end.
        assertFileError(Data(data.prefix(20))) { if case .headerBeyondFile = $0 { return true }; return false }
    }

    func testBeginAfterEnd() throws {
        var writer = SafeTensorsWriter()
        writer.add("x", shape: [2], floats: [1, 2])
        writer.edit("x") { $0["data_offsets"] = [8, 0] }
        assertFileError(try writer.data()) { error in
            guard case .malformedEntry(let name, let reason) = error else { return false }
            return name == "x" && reason.contains("not an increasing range")
        }
    }

    func testSizeMismatchBetweenShapeAndOffsets() throws {
        var writer = SafeTensorsWriter()
        writer.add("x", shape: [2], floats: [1, 2])
        writer.edit("x") { $0["shape"] = [3] }
        assertFileError(try writer.data()) { $0 == .sizeMismatch(name: "x", expectedBytes: 12, actualBytes: 8) }
    }

    func testOverlappingTensors() throws {
        var writer = SafeTensorsWriter()
        writer.add("a", shape: [2], floats: [1, 2])
        writer.add("b", shape: [2], floats: [3, 4])
        writer.edit("b") { $0["data_offsets"] = [4, 12] }
        assertFileError(try writer.data()) { $0 == .overlappingTensors("a", "b") }
    }

    func testOverlapHiddenBehindAnEmptyTensor() throws {
        // `wide` spans the buffer; an empty tensor sorts between it and `inner`.
        var writer = SafeTensorsWriter()
        writer.add("wide", shape: [4], floats: [1, 2, 3, 4])
        writer.header["empty"] = ["dtype": "F32", "shape": [0], "data_offsets": [4, 4]] as [String: Any]
        writer.header["inner"] = ["dtype": "F32", "shape": [1], "data_offsets": [8, 12]] as [String: Any]
        assertFileError(try writer.data()) { $0 == .overlappingTensors("wide", "inner") }
    }

    func testMetadataValueNotAString() throws {
        var writer = SafeTensorsWriter()
        writer.add("x", shape: [1], floats: [1])
        writer.setMetadata(["steps": 3])
        assertFileError(try writer.data()) { $0 == .malformedMetadata("value of 'steps' is not a string") }
    }

    func testMetadataNotAnObject() throws {
        var writer = SafeTensorsWriter()
        writer.add("x", shape: [1], floats: [1])
        writer.header["__metadata__"] = "config"
        assertFileError(try writer.data()) { $0 == .malformedMetadata("not a JSON object") }
    }

    // MARK: Model parameters

    func testNonF32ParameterIsRejected() throws {
        var f16 = try TinyModel.writer()
        f16.add("unembed.b_U", dtype: "F16", shape: [12], bytes: Data(count: 24))
        let f16Error = try loadError(f16)
        XCTAssertEqual(f16Error as? SafeTensorsError, .wrongDType(name: "unembed.b_U", expected: .f32, actual: .f16))
        XCTAssertTrue(String(describing: f16Error ?? ModelError.missingConfig).contains("unsupported dtype"))

        var i64 = try TinyModel.writer()
        i64.add("unembed.b_U", dtype: "I64", shape: [12], bytes: Data(count: 96))
        XCTAssertEqual(try loadError(i64) as? SafeTensorsError, .wrongDType(name: "unembed.b_U", expected: .f32, actual: .i64))
    }

    func testMissingParameter() throws {
        var writer = try TinyModel.writer()
        writer.remove("blocks.0.mlp.W_in")
        XCTAssertEqual(try loadError(writer) as? SafeTensorsError, .missingTensor("blocks.0.mlp.W_in"))
    }

    func testWrongShapeVersusConfig() throws {
        var writer = try TinyModel.writer()
        writer.add("blocks.0.attn.b_Q", shape: [2, 3], floats: [Float](repeating: 0, count: 6))
        try assertModelError(writer) { $0 == .wrongShape(name: "blocks.0.attn.b_Q", expected: [3, 2], actual: [2, 3]) }
    }

    func testMissingConfigMetadataAndConfigOverride() throws {
        let writer = try TinyModel.writer(withConfig: false)
        try assertModelError(writer) { $0 == .missingConfig }
        let model = try load(writer, configOverride: TinyModel.config)
        XCTAssertEqual(model.config, TinyModel.config)
        XCTAssertEqual(model.metadata, [:])
    }

    func testMalformedConfigJSON() throws {
        var writer = try TinyModel.writer()
        writer.setMetadata(["config": "{\"n_digits\": "])
        try assertModelError(writer) { if case .malformedConfig = $0 { return true }; return false }
    }

    func testUnsupportedConfigs() throws {
        let cases: [(key: String, value: Any, mentions: String)] = [
            ("n_layers", 2, "n_layers 2"),
            ("act_fn", "gelu", "act_fn 'gelu'"),
            ("normalization_type", "LNPre", "normalization_type 'LNPre'"),
            ("normalization_type", NSNull(), "normalization_type 'none'"),
        ]
        for item in cases {
            var config = tinyConfigObject
            config[item.key] = item.value
            try assertModelError(try writer(config: config)) { error in
                guard case .unsupportedConfig(let problems) = error else { return false }
                return problems.contains { $0.hasPrefix(item.mentions) }
            }
        }
    }

    func testFoldedLayerNormIsUnsupportedArchitecture() throws {
        var writer = try TinyModel.writer()
        for name in ["blocks.0.ln1.w", "blocks.0.ln1.b", "blocks.0.ln2.w", "blocks.0.ln2.b", "ln_final.w", "ln_final.b"] {
            writer.remove(name)
        }
        try assertModelError(writer) { error in
            guard case .unsupportedArchitecture(let reason) = error else { return false }
            return reason.contains("folded")
        }
    }

    func testSecondLayerTensorIsUnsupportedArchitecture() throws {
        var writer = try TinyModel.writer()
        writer.add("blocks.1.ln1.w", shape: [8], floats: [Float](repeating: 1, count: 8))
        try assertModelError(writer) { error in
            guard case .unsupportedArchitecture(let reason) = error else { return false }
            return reason.contains("blocks.1.ln1.w")
        }
    }

    func testKnownTransformerLensBuffersAreSkippedWithANote() throws {
        var writer = try TinyModel.writer()
        writer.add("blocks.0.attn.mask", dtype: "BOOL", shape: [6, 6], bytes: Data(count: 36))
        writer.add("blocks.0.attn.IGNORE", shape: [], floats: [-1e5])
        let model = try load(writer)
        XCTAssertEqual(model.notes, [
            "skipped TransformerLens buffer 'blocks.0.attn.IGNORE'",
            "skipped TransformerLens buffer 'blocks.0.attn.mask'",
        ])
    }

    func testUnknownExtraTensorIsReportedInNotes() throws {
        var writer = try TinyModel.writer()
        writer.add("probe.direction", shape: [8], floats: [Float](repeating: 0, count: 8))
        let model = try load(writer)
        XCTAssertEqual(model.notes, ["unknown extra tensor 'probe.direction' ignored"])
    }

    func testNaNParameter() throws {
        var writer = try TinyModel.writer()
        var values = [Float](repeating: 0.5, count: 16)
        values[3] = .nan
        writer.add("blocks.0.mlp.b_in", shape: [16], floats: values)
        try assertModelError(writer) { $0 == .nonFiniteParameter("blocks.0.mlp.b_in") }
        var infinite = try TinyModel.writer()
        infinite.add("unembed.b_U", shape: [12], floats: [Float](repeating: .infinity, count: 12))
        try assertModelError(infinite) { $0 == .nonFiniteParameter("unembed.b_U") }
    }
}
