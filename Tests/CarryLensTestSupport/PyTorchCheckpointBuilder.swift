import Foundation
import ZIPFoundation

/// Writes pickle opcodes byte by byte, for hand-built (and deliberately hostile)
/// checkpoint pickles. Opcode values are those of Python's pickle protocol 2–4.
public struct PickleBuilder {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    public mutating func raw(_ values: [UInt8]) { bytes += values }
    public mutating func proto(_ version: UInt8 = 2) { raw([0x80, version]) }
    public mutating func global(_ module: String, _ name: String) { raw([UInt8(ascii: "c")] + Array("\(module)\n\(name)\n".utf8)) }
    /// Protocol 4's STACK_GLOBAL: module and name as strings on the stack.
    public mutating func stackGlobal(_ module: String, _ name: String) { string(module); string(name); raw([0x93]) }
    public mutating func mark() { raw([UInt8(ascii: "(")]) }
    public mutating func tuple() { raw([UInt8(ascii: "t")]) }
    public mutating func emptyTuple() { raw([UInt8(ascii: ")")]) }
    public mutating func emptyDict() { raw([UInt8(ascii: "}")]) }
    public mutating func setItems() { raw([UInt8(ascii: "u")]) }
    public mutating func reduce() { raw([UInt8(ascii: "R")]) }
    public mutating func build() { raw([UInt8(ascii: "b")]) }
    public mutating func persistentID() { raw([UInt8(ascii: "Q")]) }
    public mutating func newFalse() { raw([0x89]) }
    public mutating func stop() { raw([UInt8(ascii: ".")]) }
    public mutating func put(_ index: UInt8) { raw([UInt8(ascii: "q"), index]) }
    public mutating func get(_ index: UInt8) { raw([UInt8(ascii: "h"), index]) }

    /// BINUNICODE.
    public mutating func string(_ text: String) {
        let utf8 = Array(text.utf8)
        raw([UInt8(ascii: "X")] + withUnsafeBytes(of: UInt32(utf8.count).littleEndian, Array.init) + utf8)
    }

    /// BININT (4-byte signed).
    public mutating func int(_ value: Int32) {
        raw([UInt8(ascii: "J")] + withUnsafeBytes(of: value.littleEndian, Array.init))
    }

    /// A tuple of integers.
    public mutating func intTuple(_ values: [Int]) {
        mark()
        values.forEach { int(Int32($0)) }
        tuple()
    }

    /// `_rebuild_tensor_v2(('storage', torch.<storageType>, key, 'cpu', numel), offset, shape, stride, False, OrderedDict())`.
    public mutating func tensor(storageType: String, key: String, elementCount: Int, offset: Int, shape: [Int], stride: [Int]) {
        global("torch._utils", "_rebuild_tensor_v2")
        mark()
        mark()
        string("storage")
        global("torch", storageType)
        string(key)
        string("cpu")
        int(Int32(elementCount))
        tuple()
        persistentID()
        int(Int32(offset))
        intTuple(shape)
        intTuple(stride)
        newFalse()
        global("collections", "OrderedDict")
        emptyTuple()
        reduce()
        tuple()
        reduce()
    }

    /// Begins a state dict: PROTO 2, `OrderedDict()`, MARK for SETITEMS.
    public mutating func beginStateDict() {
        proto()
        global("collections", "OrderedDict")
        emptyTuple()
        reduce()
        mark()
    }

    /// Ends a state dict: SETITEMS, a `_metadata` BUILD like `Module.state_dict()` writes, STOP.
    public mutating func endStateDict() {
        setItems()
        emptyDict()
        string("_metadata")
        global("collections", "OrderedDict")
        emptyTuple()
        reduce()
        raw([UInt8(ascii: "s")])
        build()
        stop()
    }

    public var data: Data { Data(bytes) }
}

/// One F32 tensor for ``CheckpointBuilder``.
public struct CheckpointTensor {
    public var name: String
    public var shape: [Int]
    public var values: [Float]

    public init(_ name: String, _ shape: [Int], _ values: [Float]) {
        self.name = name
        self.shape = shape
        self.values = values
    }
}

/// Builds `torch.save`-layout zip archives in memory with ZIPFoundation.
public enum CheckpointBuilder {
    /// A zip archive with the given entries (paths already include the directory).
    public static func archive(_ entries: [(path: String, data: Data, compressed: Bool)]) throws -> Data {
        let archive = try Archive(data: Data(), accessMode: .create)
        for entry in entries {
            try archive.addEntry(with: entry.path, type: .file, uncompressedSize: Int64(entry.data.count),
                                 compressionMethod: entry.compressed ? .deflate : .none) { position, size in
                entry.data.subdata(in: Int(position)..<(Int(position) + size))
            }
        }
        guard let data = archive.data else { throw CocoaError(.fileWriteUnknown) }
        return data
    }

    /// A checkpoint directory `prefix/` holding `pickle` as data.pkl and the given storages.
    public static func checkpoint(pickle: Data, storages: [(key: String, data: Data)], prefix: String = "archive",
                                  compressed: Bool = false) throws -> Data {
        var entries: [(path: String, data: Data, compressed: Bool)] = [("\(prefix)/data.pkl", pickle, compressed)]
        for storage in storages { entries.append(("\(prefix)/data/\(storage.key)", storage.data, compressed)) }
        entries.append(("\(prefix)/byteorder", Data("little".utf8), false))
        entries.append(("\(prefix)/version", Data("3\n".utf8), false))
        return try archive(entries)
    }

    /// A valid state-dict checkpoint of contiguous F32 tensors, one storage each.
    public static func stateDict(_ tensors: [CheckpointTensor]) throws -> Data {
        var pickle = PickleBuilder()
        pickle.beginStateDict()
        var storages: [(key: String, data: Data)] = []
        for (index, tensor) in tensors.enumerated() {
            pickle.string(tensor.name)
            pickle.tensor(storageType: "FloatStorage", key: String(index), elementCount: tensor.values.count, offset: 0,
                          shape: tensor.shape, stride: contiguousStrides(tensor.shape))
            storages.append((String(index), float32Bytes(tensor.values)))
        }
        pickle.endStateDict()
        return try checkpoint(pickle: pickle.data, storages: storages)
    }

    public static func contiguousStrides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        for axis in stride(from: shape.count - 2, through: 0, by: -1) { strides[axis] = strides[axis + 1] * shape[axis + 1] }
        return strides
    }

    public static func float32Bytes(_ values: [Float]) -> Data {
        var data = Data(capacity: values.count * 4)
        for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        return data
    }

    /// Overwrites the 4-byte uncompressed-size fields of the entry at `path` in both
    /// its local header and its central directory record (for lying-size zip tests).
    public static func forgeUncompressedSize(_ archive: Data, path: String, to size: UInt32) -> Data {
        var bytes = [UInt8](archive)
        let name = Array(path.utf8)
        func matches(_ at: Int, signature: [UInt8], nameOffset: Int) -> Bool {
            guard at + nameOffset + name.count <= bytes.count, Array(bytes[at..<(at + 4)]) == signature else { return false }
            return Array(bytes[(at + nameOffset)..<(at + nameOffset + name.count)]) == name
        }
        let sizeBytes = withUnsafeBytes(of: size.littleEndian, Array.init)
        for index in 0..<(bytes.count - 4) {
            if matches(index, signature: [0x50, 0x4B, 0x03, 0x04], nameOffset: 30) {
                bytes.replaceSubrange((index + 22)..<(index + 26), with: sizeBytes)
            } else if matches(index, signature: [0x50, 0x4B, 0x01, 0x02], nameOffset: 46) {
                bytes.replaceSubrange((index + 24)..<(index + 28), with: sizeBytes)
            }
        }
        return Data(bytes)
    }
}

extension Fixtures {
    /// The PyTorch checkpoint fixtures (made by scripts/make-pth-fixtures.py).
    public static let pthDirectory = repositoryRoot.appendingPathComponent("fixtures/pth")

    public static func pthURL(_ name: String) -> URL { pthDirectory.appendingPathComponent(name) }
}
