import CarryLensTestSupport
import Foundation
@testable import Transformer
import XCTest

/// The PyTorch checkpoint reader on the fixtures made with real PyTorch, and on
/// hand-built hostile archives and pickles.
final class PyTorchCheckpointTests: XCTestCase {
    // MARK: - Fixtures written by torch.save

    /// Each fixture's tensors equal, bit for bit, the F32 values PyTorch itself
    /// produced (`tensor.float()`), stored beside it as safetensors.
    func testFixturesMatchPyTorchsOwnWidening() throws {
        let expectedDTypes: [String: PyTorchDType] = [
            "tiny_f32": .float32, "tiny_f16": .float16, "tiny_bf16": .bfloat16,
            "tiny_f32_nobuffers": .float32, "tiny_f32_strided": .float32,
        ]
        for (name, dtype) in expectedDTypes {
            let checkpoint = try PyTorchCheckpoint(contentsOf: Fixtures.pthURL(name + ".pth"))
            let expected = try SafeTensorsFile(contentsOf: Fixtures.pthURL(name + ".expected.safetensors"))
            XCTAssertEqual(checkpoint.archivePrefix, name)
            XCTAssertEqual(Set(checkpoint.names.filter { !$0.contains(".attn.mask") && !$0.hasSuffix(".IGNORE") }), Set(expected.tensors.keys), name)
            XCTAssertEqual(expected.tensors.count, 22)
            for tensorName in expected.tensors.keys {
                let tensor = try checkpoint.tensor(tensorName)
                XCTAssertEqual(tensor.dtype, dtype, "\(name) \(tensorName)")
                XCTAssertEqual(tensor.shape, expected.tensors[tensorName]?.shape, "\(name) \(tensorName)")
                XCTAssertEqual(try checkpoint.float32Values(of: tensorName).map(\.bitPattern),
                               try expected.float32(tensorName).map(\.bitPattern), "\(name) \(tensorName)")
            }
        }
    }

    func testStridedFixtureIsReadThroughItsStrides() throws {
        let checkpoint = try PyTorchCheckpoint(contentsOf: Fixtures.pthURL("tiny_f32_strided.pth"))
        let unembed = try checkpoint.tensor("unembed.W_U")
        XCTAssertEqual(unembed.shape, [8, 12])
        XCTAssertEqual(unembed.strides, [1, 8])
        XCTAssertFalse(unembed.isContiguous)
        XCTAssertTrue(try checkpoint.tensor("embed.W_E").isContiguous)
    }

    func testTinyModelConfigIsInferredFromShapes() throws {
        let model = try AdditionModel(contentsOf: Fixtures.pthURL("tiny_f16.pth"))
        XCTAssertEqual(model.format, .pytorch)
        // The script's dimensions: n = 1, n_ctx 6, d_model 8, 3 heads of 4, d_mlp 16.
        XCTAssertEqual(model.config, ModelConfig(nDigits: 1, nLayers: 1, nHeads: 3, dModel: 8, dHead: 4, dMLP: 16,
                                                 dVocab: 12, nCtx: 6, actFn: "relu", normalizationType: "LN", eps: 1e-5))
        XCTAssertTrue(model.notes.contains("22 of 22 parameter tensors are F16, widened exactly to F32"), "\(model.notes)")
        XCTAssertTrue(model.notes.contains { $0.hasPrefix("TransformerLens buffer 'blocks.0.attn.mask' checked: BOOL [6, 6]") }, "\(model.notes)")
        XCTAssertTrue(model.notes.contains { $0.hasPrefix("TransformerLens buffer 'blocks.0.attn.IGNORE' checked: F16 scalar -inf") }, "\(model.notes)")
        XCTAssertTrue(model.notes.contains("act_fn not stated: assumed relu (state it with --config)"))

        let plain = try AdditionModel(contentsOf: Fixtures.pthURL("tiny_f32_nobuffers.pth"))
        XCTAssertFalse(plain.notes.contains { $0.contains("TransformerLens buffer") }, "\(plain.notes)")
        XCTAssertFalse(plain.notes.contains { $0.contains("widened") })
    }

    func testStatedConfigIsUsedAndCrossChecked() throws {
        let declared = try DeclaredModelConfig(contentsOf: Fixtures.pthURL("tiny.config.json"))
        XCTAssertEqual(declared.dModel, 8)
        XCTAssertEqual(declared.seed, 20260101)
        let model = try AdditionModel(contentsOf: Fixtures.pthURL("tiny_f32.pth"), declaredConfig: declared)
        XCTAssertEqual(model.config.seed, 20260101)
        XCTAssertFalse(model.notes.contains { $0.hasPrefix("act_fn not stated") })

        var wrongWidth = declared
        wrongWidth.dModel = 9
        XCTAssertThrowsError(try AdditionModel(contentsOf: Fixtures.pthURL("tiny_f32.pth"), declaredConfig: wrongWidth)) { error in
            XCTAssertEqual(error as? ConfigInferenceError, .conflict(field: "d_model", declared: "9", inferred: "8", evidence: "embed.W_E [12, 8]"))
        }
        var gelu = declared
        gelu.actFn = "gelu"
        XCTAssertThrowsError(try AdditionModel(contentsOf: Fixtures.pthURL("tiny_f32.pth"), declaredConfig: gelu)) { error in
            XCTAssertEqual(error as? ModelError, .unsupportedConfig(["act_fn 'gelu' (supported: relu)"]))
        }
        var folded = declared
        folded.normalizationType = .some("LNPre")
        XCTAssertThrowsError(try AdditionModel(contentsOf: Fixtures.pthURL("tiny_f32.pth"), declaredConfig: folded)) { error in
            XCTAssertEqual(error as? ConfigInferenceError, .conflict(field: "normalization_type", declared: "LNPre", inferred: "LN", evidence: "blocks.0.ln1.w present"))
        }
        XCTAssertThrowsError(try DeclaredModelConfig(json: Data(#"{"d_model": "wide"}"#.utf8))) { error in
            XCTAssertEqual(error as? ConfigInferenceError, .malformedConfigFile("'d_model' is not an integer"))
        }
    }

    /// The n = 3 fixture converted by torch.save gives the same parameters, and so
    /// the same logits, as the safetensors fixture.
    func testThreeDigitCheckpointEqualsSafetensorsModel() throws {
        let checkpoint = try AdditionModel(contentsOf: Fixtures.pthURL("add3_l1_h3_s129000.pth"))
        let reference = try Fixtures.model(digits: 3)
        XCTAssertEqual(checkpoint.config.nDigits, 3)
        XCTAssertEqual(checkpoint.config.dModel, reference.config.dModel)
        XCTAssertEqual(checkpoint.config.parameterCount, reference.config.parameterCount)
        for tensor in reference.weights.namedTensors {
            XCTAssertEqual(checkpoint.weights.values(named: tensor.name).map(\.bitPattern), tensor.values.map(\.bitPattern), tensor.name)
        }
        let indices = Array(stride(from: 0, to: reference.task.questionCount, by: 9_973))
        XCTAssertEqual(FastEvaluator(checkpoint).logits(indices: indices).map(\.bitPattern),
                       FastEvaluator(reference).logits(indices: indices).map(\.bitPattern))
        let question = try reference.task.parseQuestion("555+445")
        XCTAssertEqual(ReferenceTransformer<Float>(checkpoint).run(question).answerLogits.flatMap { $0 }.map(\.bitPattern),
                       ReferenceTransformer<Float>(reference).run(question).answerLogits.flatMap { $0 }.map(\.bitPattern))
    }

    func testConvertedImageReadsBackIdentically() throws {
        let model = try AdditionModel(contentsOf: Fixtures.pthURL("tiny_bf16.pth"))
        let image = try SafeTensorsSerialization.image(model.weights.namedTensors,
                                                       metadata: ["config": try TinyModel.configJSON(model.config)])
        XCTAssertEqual(image.count % 8, 0)
        let file = try SafeTensorsFile(data: image)
        XCTAssertEqual(try ModelConfig(json: file.metadata["config"] ?? ""), model.config)
        let expected = try SafeTensorsFile(contentsOf: Fixtures.pthURL("tiny_bf16.expected.safetensors"))
        for name in expected.tensors.keys {
            XCTAssertEqual(try file.float32(name).map(\.bitPattern), try expected.float32(name).map(\.bitPattern), name)
        }
    }

    // MARK: - Formats

    func testFormatIsDetectedFromBytesNotExtension() throws {
        XCTAssertEqual(try ModelFileFormat(detecting: Data([0x50, 0x4B, 0x03, 0x04, 0])), .pytorch)
        XCTAssertEqual(try ModelFileFormat(detecting: Data([8, 0, 0, 0, 0, 0, 0, 0, 0x7B])), .safetensors)
        XCTAssertThrowsError(try ModelFileFormat(detecting: Data([0x80, 0x02, 0x8A, 0x0A]))) { error in
            XCTAssertEqual(error as? ModelFileError, .legacyPyTorchFormat)
        }
        let directory = try Fixtures.temporaryDirectory("pth-format")
        defer { try? FileManager.default.removeItem(at: directory) }
        let renamed = directory.appendingPathComponent("model.safetensors")
        try FileManager.default.copyItem(at: Fixtures.pthURL("tiny_f32.pth"), to: renamed)
        XCTAssertEqual(try AdditionModel(contentsOf: renamed).format, .pytorch)
    }

    func testHalfPrecisionWideningFollowsIEEE() {
        XCTAssertEqual(HalfPrecision.float(fromBinary16: 0x3C00), 1)
        XCTAssertEqual(HalfPrecision.float(fromBinary16: 0xC000), -2)
        XCTAssertEqual(HalfPrecision.float(fromBinary16: 0x7BFF), 65504)
        XCTAssertEqual(HalfPrecision.float(fromBinary16: 0x0001), 0x1p-24)
        XCTAssertEqual(HalfPrecision.float(fromBinary16: 0x03FF), 1023 * 0x1p-24)
        XCTAssertEqual(HalfPrecision.float(fromBinary16: 0x8000).bitPattern, (-0.0 as Float).bitPattern)
        XCTAssertEqual(HalfPrecision.float(fromBinary16: 0xFC00), -.infinity)
        XCTAssertTrue(HalfPrecision.float(fromBinary16: 0x7E00).isNaN)
        XCTAssertEqual(HalfPrecision.float(fromBFloat16: 0x3F80), 1)
        XCTAssertEqual(HalfPrecision.float(fromBFloat16: 0xC0A0), -5)
    }

    // MARK: - Hostile and broken inputs

    private func assertRefused(_ data: Data, limits: PyTorchCheckpoint.Limits = .init(), message: String,
                               file: StaticString = #filePath, line: UInt = #line,
                               _ check: (Error) -> Bool) {
        XCTAssertThrowsError(try PyTorchCheckpoint(data: data, limits: limits), file: file, line: line) { error in
            XCTAssertTrue(check(error), "unexpected error: \(error)", file: file, line: line)
            XCTAssertTrue(String(describing: error).contains(message), "message '\(error)' lacks '\(message)'", file: file, line: line)
        }
    }

    /// A checkpoint whose data.pkl is `pickle` and whose storage 0 holds `floats`.
    private func checkpoint(_ pickle: PickleBuilder, floats: [Float] = [1, 2, 3, 4]) throws -> Data {
        try CheckpointBuilder.checkpoint(pickle: pickle.data, storages: [("0", CheckpointBuilder.float32Bytes(floats))])
    }

    /// A state dict with one tensor, edited by `body` before SETITEMS.
    private func stateDict(_ body: (inout PickleBuilder) -> Void) -> PickleBuilder {
        var pickle = PickleBuilder()
        pickle.beginStateDict()
        body(&pickle)
        pickle.endStateDict()
        return pickle
    }

    /// A persistent id of 10,000 long strings is refused with a short message (the
    /// fuzzer's inputs gave messages of hundreds of characters; this one would give
    /// hundreds of kilobytes if every item were described).
    func testAHugePersistentIDIsDescribedBriefly() throws {
        let pickle = stateDict { pickle in
            pickle.string("x")
            pickle.global("torch._utils", "_rebuild_tensor_v2")
            pickle.mark()
            pickle.mark()
            for index in 0..<10_000 { pickle.string("item \(index) " + String(repeating: "z", count: 100)) }
            pickle.tuple()
            pickle.persistentID()
        }
        assertRefused(try checkpoint(pickle), message: "pickle persistent id (str 'item 0 zzz") { error in
            guard case RestrictedPickleError.persistentIDNotAllowed(let found) = error else { return false }
            return found.hasSuffix(", … (10000 items))") && "\(error)".utf8.count < 700
        }
    }

    /// A dict set as its own value (through the memo) would be a reference cycle that is
    /// never freed (found by fuzzing: LeakSanitizer at exit); it is refused.
    func testADictInsideItselfIsRefused() throws {
        var pickle = PickleBuilder()
        pickle.proto()
        pickle.emptyDict()
        pickle.put(0)
        pickle.string("self")
        pickle.get(0)
        pickle.raw([UInt8(ascii: "s")])  // SETITEM
        pickle.stop()
        // PROTO (2 bytes), EMPTY_DICT, BINPUT (2), BINUNICODE 'self' (9), BINGET (2): SETITEM at byte 16.
        assertRefused(try checkpoint(pickle), message: "pickle SETITEM at byte 16 puts a container inside itself") { error in
            (error as? RestrictedPickleError) == .containsItself(opcode: "SETITEM", offset: 16)
        }
        var list = PickleBuilder()
        list.proto()
        list.raw([UInt8(ascii: "]")])  // EMPTY_LIST
        list.put(0)
        list.get(0)
        list.raw([UInt8(ascii: "a")])  // APPEND
        list.stop()
        assertRefused(try checkpoint(list), message: "puts a container inside itself") { ($0 as? RestrictedPickleError) != nil }
    }

    func testHandBuiltStateDictIsAccepted() throws {
        let pickle = stateDict { pickle in
            pickle.string("x")
            pickle.tensor(storageType: "FloatStorage", key: "0", elementCount: 4, offset: 1, shape: [3], stride: [1])
            pickle.string("y")
            pickle.tensor(storageType: "FloatStorage", key: "0", elementCount: 4, offset: 0, shape: [2, 2], stride: [1, 2])
        }
        let checkpoint = try PyTorchCheckpoint(data: try checkpoint(pickle))
        XCTAssertEqual(checkpoint.names, ["x", "y"])
        XCTAssertEqual(try checkpoint.float32Values(of: "x"), [2, 3, 4])
        XCTAssertEqual(try checkpoint.float32Values(of: "y"), [1, 3, 2, 4])
        // The same archive deflated.
        let deflated = try CheckpointBuilder.checkpoint(pickle: pickle.data, storages: [("0", CheckpointBuilder.float32Bytes([1, 2, 3, 4]))], compressed: true)
        XCTAssertEqual(try PyTorchCheckpoint(data: deflated).float32Values(of: "y"), [1, 3, 2, 4])
    }

    func testGlobalOsSystemIsRefused() throws {
        var pickle = PickleBuilder()
        pickle.proto()
        pickle.global("os", "system")
        pickle.mark()
        pickle.string("touch /tmp/pwned")
        pickle.tuple()
        pickle.reduce()
        pickle.stop()
        assertRefused(try checkpoint(pickle), message: "pickle GLOBAL os.system is not allowed") {
            ($0 as? RestrictedPickleError) == .globalNotAllowed("os.system")
        }
    }

    func testStackGlobalBuiltinsEvalIsRefused() throws {
        var pickle = PickleBuilder()
        pickle.proto(4)
        pickle.stackGlobal("builtins", "eval")
        pickle.mark()
        pickle.string("__import__('os').system('id')")
        pickle.tuple()
        pickle.reduce()
        pickle.stop()
        assertRefused(try checkpoint(pickle), message: "pickle GLOBAL builtins.eval is not allowed") {
            ($0 as? RestrictedPickleError) == .globalNotAllowed("builtins.eval")
        }
    }

    func testReduceOnUnknownCallableIsRefused() throws {
        // An allowed global that is not one of the allowed calls.
        var storageCall = PickleBuilder()
        storageCall.proto()
        storageCall.global("torch", "FloatStorage")
        storageCall.emptyTuple()
        storageCall.reduce()
        storageCall.stop()
        assertRefused(try checkpoint(storageCall), message: "calls torch.FloatStorage, which is not allowed") {
            ($0 as? RestrictedPickleError) == .callNotAllowed(callee: "torch.FloatStorage", offset: 23)
        }
        // A value that is not a global at all.
        var stringCall = PickleBuilder()
        stringCall.proto()
        stringCall.string("os.system")
        stringCall.emptyTuple()
        stringCall.reduce()
        stringCall.stop()
        assertRefused(try checkpoint(stringCall), message: "calls a str 'os.system' value, which is not allowed") {
            ($0 as? RestrictedPickleError) == .callNotAllowed(callee: "a str 'os.system' value", offset: 17)
        }
    }

    func testDisallowedOpcodesAreRefused() throws {
        // INST: the protocol-0 way to call a class.
        var inst = PickleBuilder()
        inst.proto()
        inst.mark()
        inst.raw([UInt8(ascii: "i")] + Array("os\nsystem\n".utf8))
        inst.stop()
        assertRefused(try checkpoint(inst), message: "pickle opcode INST (0x69) at byte 3 is not allowed") {
            ($0 as? RestrictedPickleError) == .opcodeNotAllowed(opcode: 0x69, name: "INST", offset: 3)
        }
        // BUILD with state other than a state dict's _metadata.
        var build = PickleBuilder()
        build.proto()
        build.emptyDict()
        build.emptyDict()
        build.string("__setstate__")
        build.string("x")
        build.raw([UInt8(ascii: "s")])
        build.build()
        build.stop()
        assertRefused(try checkpoint(build), message: "pickle BUILD with state dict of 1 is not allowed") {
            ($0 as? RestrictedPickleError) == .buildNotAllowed("with state dict of 1")
        }
    }

    func testStorageOffsetPastTheEndIsRefused() throws {
        let pickle = stateDict { pickle in
            pickle.string("x")
            pickle.tensor(storageType: "FloatStorage", key: "0", elementCount: 4, offset: 3, shape: [2], stride: [1])
        }
        assertRefused(try checkpoint(pickle), message: "reach element 4, past the end of storage '0' (4 F32 elements)") {
            if case .badTensor(name: "x", _) = $0 as? PyTorchCheckpointError { return true }
            return false
        }
        let negative = stateDict { pickle in
            pickle.string("x")
            pickle.tensor(storageType: "FloatStorage", key: "0", elementCount: 4, offset: -1, shape: [2], stride: [1])
        }
        assertRefused(try checkpoint(negative), message: "storage offset -1 is negative") {
            ($0 as? PyTorchCheckpointError) == .badTensor(name: "x", reason: "storage offset -1 is negative")
        }
    }

    func testMismatchedDTypeAndShapeAreRefused() throws {
        // The pickle says 4 F16 elements (8 bytes); the entry holds 4 F32 elements (16 bytes).
        let wrongType = stateDict { pickle in
            pickle.string("x")
            pickle.tensor(storageType: "HalfStorage", key: "0", elementCount: 4, offset: 0, shape: [4], stride: [1])
        }
        assertRefused(try checkpoint(wrongType), message: "storage '0' should hold 4 F16 elements (8 bytes) but its entry data/0 has 16 bytes") {
            ($0 as? PyTorchCheckpointError) == .storageSizeMismatch(key: "0", dtype: .float16, elements: 4, entryBytes: 16)
        }
        // A [3, 2] view of a 4-element storage.
        let wrongShape = stateDict { pickle in
            pickle.string("x")
            pickle.tensor(storageType: "FloatStorage", key: "0", elementCount: 4, offset: 0, shape: [3, 2], stride: [2, 1])
        }
        assertRefused(try checkpoint(wrongShape), message: "tensor 'x': storage offset 0, shape [3, 2] and stride [2, 1] reach element 5") { _ in true }
        // Shape and stride of different lengths.
        let mismatchedRank = stateDict { pickle in
            pickle.string("x")
            pickle.tensor(storageType: "FloatStorage", key: "0", elementCount: 4, offset: 0, shape: [2, 2], stride: [1])
        }
        assertRefused(try checkpoint(mismatchedRank), message: "shape [2, 2] and stride [1] have different lengths") { _ in true }
        // One key used as two storage types.
        let inconsistent = stateDict { pickle in
            pickle.string("x")
            pickle.tensor(storageType: "FloatStorage", key: "0", elementCount: 4, offset: 0, shape: [4], stride: [1])
            pickle.string("y")
            pickle.tensor(storageType: "HalfStorage", key: "0", elementCount: 8, offset: 0, shape: [8], stride: [1])
        }
        assertRefused(try checkpoint(inconsistent), message: "storage '0' is referenced with different types or sizes") {
            ($0 as? RestrictedPickleError) == .inconsistentStorage(key: "0")
        }
    }

    func testDuplicateKeysAreRefused() throws {
        let pickle = stateDict { pickle in
            for _ in 0..<2 {
                pickle.string("embed.W_E")
                pickle.tensor(storageType: "FloatStorage", key: "0", elementCount: 4, offset: 0, shape: [4], stride: [1])
            }
        }
        assertRefused(try checkpoint(pickle), message: "pickle dict has the key str 'embed.W_E' twice") {
            ($0 as? RestrictedPickleError) == .duplicateKey("str 'embed.W_E'")
        }
    }

    func testZipBombsAreRefused() throws {
        let pickle = stateDict { pickle in
            pickle.string("x")
            pickle.tensor(storageType: "FloatStorage", key: "0", elementCount: 4, offset: 0, shape: [4], stride: [1])
        }
        // 4 MiB of zeros deflates to a few kilobytes: over 32 times the archive's size
        // under the default limits, and over an explicit 1 MiB limit.
        let zeros = Data(count: 4 << 20)
        let bomb = try CheckpointBuilder.checkpoint(pickle: pickle.data, storages: [("0", CheckpointBuilder.float32Bytes([1, 2, 3, 4])), ("9", zeros)], compressed: true)
        XCTAssertLessThan(bomb.count, 64 << 10)
        assertRefused(bomb, message: "more than the limit of \(32 * bomb.count) bytes") {
            ($0 as? PyTorchCheckpointError) == .tooLarge(declaredBytes: UInt64(zeros.count + 16 + pickle.bytes.count), limit: UInt64(32 * bomb.count))
        }
        assertRefused(bomb, limits: .init(maximumTotalUncompressedBytes: 1 << 20, maximumExpansion: 1 << 20), message: "more than the limit of 1048576 bytes") {
            if case .tooLarge(_, 1 << 20) = $0 as? PyTorchCheckpointError { return true }
            return false
        }
        // With the expansion bound lifted, the same archive reads (the extra entry is unused).
        XCTAssertEqual(try PyTorchCheckpoint(data: bomb, limits: .init(maximumExpansion: 1 << 20)).names, ["x"])
        // An entry that declares 1,000 bytes but inflates to 4 MiB is stopped at the first chunk past 1,000.
        let liar = try CheckpointBuilder.archive([
            ("archive/data.pkl", zeros, true),
            ("archive/data/0", CheckpointBuilder.float32Bytes([1, 2, 3, 4]), false),
        ])
        assertRefused(CheckpointBuilder.forgeUncompressedSize(liar, path: "archive/data.pkl", to: 1000),
                      message: "zip entry 'archive/data.pkl' inflates past its declared 1000 bytes (zip bomb?)") {
            ($0 as? PyTorchCheckpointError) == .entryLargerThanDeclared("archive/data.pkl", declaredBytes: 1000)
        }
        // An entry declaring ~4 GB is refused under the default 1 GiB limit before anything is inflated.
        let huge = CheckpointBuilder.forgeUncompressedSize(try checkpoint(pickle), path: "archive/data/0", to: 0xF000_0000)
        assertRefused(huge, message: "zip archive declares") {
            if case .tooLarge(_, let limit) = $0 as? PyTorchCheckpointError { return limit == 32 * UInt64(huge.count) }
            return false
        }
        assertRefused(huge, limits: .init(maximumExpansion: 1 << 40), message: "more than the limit of 1073741824 bytes") {
            if case .tooLarge(_, let limit) = $0 as? PyTorchCheckpointError { return limit == 1 << 30 }
            return false
        }
    }

    func testDeepNestingIsRefused() throws {
        var deep = PickleBuilder()
        deep.proto()
        deep.emptyTuple()
        deep.raw([UInt8](repeating: 0x85, count: 100_000)) // TUPLE1, again and again
        deep.stop()
        assertRefused(try checkpoint(deep), message: "pickle nests containers more than 32 deep (at byte 34)") {
            ($0 as? RestrictedPickleError) == .nestedTooDeeply(offset: 34, limit: 32)
        }
        // A dict changed after it was placed in a tuple (which would hide its depth).
        var changed = PickleBuilder()
        changed.proto()
        changed.emptyDict()
        changed.put(0)
        changed.raw([0x85]) // TUPLE1
        changed.get(0)
        changed.string("k")
        changed.string("v")
        changed.raw([UInt8(ascii: "s")])
        changed.stop()
        assertRefused(try checkpoint(changed), message: "pickle SETITEM at byte 20 changes a container already placed inside another one") {
            ($0 as? RestrictedPickleError) == .changedAfterNesting(opcode: "SETITEM", offset: 20)
        }
    }

    func testTruncatedArchiveIsRefused() throws {
        let whole = try Data(contentsOf: Fixtures.pthURL("tiny_f32.pth"))
        for length in [whole.count / 2, whole.count - 10, 3] {
            assertRefused(whole.prefix(length), message: "not a readable zip archive") {
                ($0 as? PyTorchCheckpointError) == .notAZipArchive(fileSize: length)
            }
        }
        // A pickle cut short inside a valid archive.
        var pickle = PickleBuilder()
        pickle.beginStateDict()
        pickle.string("embed.W_E")
        assertRefused(try checkpoint(pickle), message: "pickle ends without STOP") {
            ($0 as? RestrictedPickleError) == .noStop
        }
    }

    func testNonStateDictsAreRefused() throws {
        var pickle = PickleBuilder()
        pickle.proto()
        pickle.string("not a dict")
        pickle.stop()
        assertRefused(try checkpoint(pickle), message: "the checkpoint is not a state dict of tensors: the pickle holds a str 'not a dict'") { _ in true }
        let archive = try CheckpointBuilder.archive([("model/constants.pkl", Data([0x80, 2, 0x4E, 0x2E]), false), ("model/code/x.py", Data(), false)])
        assertRefused(archive, message: "TorchScript archive") { ($0 as? PyTorchCheckpointError) == .torchScript }
    }

    // MARK: - Unsupported architectures

    /// A complete one-layer checkpoint with d_model 4, 1 head of 2, d_mlp 4, for n = 1.
    private func tinyTensors(nCtx: Int = 6) -> [CheckpointTensor] {
        let d = 4, h = 1, dh = 2, m = 4, v = 12
        func values(_ count: Int, _ seed: Int) -> [Float] { (0..<count).map { Float(($0 * 7 + seed) % 13) / 13 - 0.5 } }
        let shapes: [(String, [Int])] = [
            ("embed.W_E", [v, d]), ("pos_embed.W_pos", [nCtx, d]), ("blocks.0.ln1.w", [d]), ("blocks.0.ln1.b", [d]),
            ("blocks.0.attn.W_Q", [h, d, dh]), ("blocks.0.attn.W_K", [h, d, dh]), ("blocks.0.attn.W_V", [h, d, dh]),
            ("blocks.0.attn.b_Q", [h, dh]), ("blocks.0.attn.b_K", [h, dh]), ("blocks.0.attn.b_V", [h, dh]),
            ("blocks.0.attn.W_O", [h, dh, d]), ("blocks.0.attn.b_O", [d]), ("blocks.0.ln2.w", [d]), ("blocks.0.ln2.b", [d]),
            ("blocks.0.mlp.W_in", [d, m]), ("blocks.0.mlp.b_in", [m]), ("blocks.0.mlp.W_out", [m, d]), ("blocks.0.mlp.b_out", [d]),
            ("ln_final.w", [d]), ("ln_final.b", [d]), ("unembed.W_U", [d, v]), ("unembed.b_U", [v]),
        ]
        return shapes.enumerated().map { index, item in CheckpointTensor(item.0, item.1, values(item.1.reduce(1, *), index)) }
    }

    private func loadError(_ tensors: [CheckpointTensor]) throws -> Error? {
        let directory = try Fixtures.temporaryDirectory("pth-arch")
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("model.pth")
        try CheckpointBuilder.stateDict(tensors).write(to: url)
        do { _ = try AdditionModel(contentsOf: url) } catch { return error }
        return nil
    }

    func testUnsupportedArchitecturesAreRefusedSayingWhatIsSupported() throws {
        XCTAssertNil(try loadError(tinyTensors()))
        let twoLayers = tinyTensors() + [CheckpointTensor("blocks.1.attn.W_Q", [1, 4, 2], [Float](repeating: 0, count: 8))]
        XCTAssertEqual(try loadError(twoLayers) as? ModelError, .unsupportedConfig(["n_layers 2 (supported: 1)"]))
        let folded = tinyTensors().filter { !$0.name.contains(".ln") && !$0.name.hasPrefix("ln_final") }
        let foldedError = try loadError(folded)
        XCTAssertEqual(foldedError as? ModelError, .unsupportedConfig(["normalization_type 'none' (supported: LN, with LayerNorm weights stored; folded 'LNPre' and no normalization are not supported)"]))
        XCTAssertTrue(String(describing: foldedError).contains("CarryLens supports one-layer TransformerLens models"))
        let otherVocabulary = tinyTensors().map { tensor -> CheckpointTensor in
            tensor.name == "embed.W_E" ? CheckpointTensor("embed.W_E", [14, 4], [Float](repeating: 0, count: 56)) : tensor
        }
        XCTAssertEqual(try loadError(otherVocabulary) as? ModelError, .unsupportedConfig(["d_vocab 14 (supported: 12 — digits, '+', '=')"]))
        XCTAssertEqual(try loadError(tinyTensors(nCtx: 7)) as? ConfigInferenceError, .contextLengthNotForAddition(nCtx: 7))
    }
}
