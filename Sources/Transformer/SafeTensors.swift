import Diagnostics
import Foundation

/// The `Transformer` module owns the network: its configuration, reading and
/// validating safetensors model files, the parameters, and a reference forward
/// pass (fp32 and fp64) with hooks for ablation.

/// Element types a safetensors file may declare, with their sizes in bytes.
public enum SafeTensorsDType: String, Sendable {
    case f64 = "F64", f32 = "F32", f16 = "F16", bf16 = "BF16"
    case i64 = "I64", i32 = "I32", i16 = "I16", i8 = "I8"
    case u64 = "U64", u32 = "U32", u16 = "U16", u8 = "U8", bool = "BOOL"
    case f8e4m3 = "F8_E4M3", f8e5m2 = "F8_E5M2"

    public var byteCount: Int {
        switch self {
        case .f64, .i64, .u64: return 8
        case .f32, .i32, .u32: return 4
        case .f16, .bf16, .i16, .u16: return 2
        case .i8, .u8, .bool, .f8e4m3, .f8e5m2: return 1
        }
    }
}

/// One tensor's entry in a safetensors header.
public struct SafeTensorInfo: Sendable, Equatable {
    public let name: String
    public let dtype: SafeTensorsDType
    public let shape: [Int]
    /// Byte range inside the data buffer (after the header).
    public let dataRange: Range<Int>

    public var elementCount: Int { shape.reduce(1, *) }
}

/// Errors reading a safetensors file. Each names the rule that was broken.
public enum SafeTensorsError: Error, Equatable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case truncatedHeaderLength(fileSize: Int)
    case headerTooLarge(length: UInt64, limit: Int)
    case headerBeyondFile(length: UInt64, fileSize: Int)
    case malformedHeaderJSON(String)
    case malformedEntry(name: String, reason: String)
    case unknownDType(name: String, dtype: String)
    case offsetsOutsideBuffer(name: String, end: Int, bufferSize: Int)
    case sizeMismatch(name: String, expectedBytes: Int, actualBytes: Int)
    case overlappingTensors(String, String)
    case malformedMetadata(String)
    case missingTensor(String)
    case wrongDType(name: String, expected: SafeTensorsDType, actual: SafeTensorsDType)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): return "cannot read '\(path)': \(reason)"
        case .truncatedHeaderLength(let size): return "truncated safetensors file: \(size) bytes, fewer than the 8-byte header length"
        case .headerTooLarge(let length, let limit): return "safetensors header length \(length) exceeds the limit of \(limit) bytes"
        case .headerBeyondFile(let length, let size): return "truncated safetensors file: header length \(length) runs past the end of the \(size)-byte file"
        case .malformedHeaderJSON(let reason): return "malformed safetensors header JSON: \(reason)"
        case .malformedEntry(let name, let reason): return "malformed safetensors entry '\(name)': \(reason)"
        case .unknownDType(let name, let dtype): return "tensor '\(name)' has unknown dtype '\(dtype)'"
        case .offsetsOutsideBuffer(let name, let end, let size): return "tensor '\(name)' data ends at byte \(end), outside the \(size)-byte data buffer (file truncated?)"
        case .sizeMismatch(let name, let expected, let actual): return "tensor '\(name)': shape and dtype need \(expected) bytes but data_offsets span \(actual)"
        case .overlappingTensors(let a, let b): return "tensors '\(a)' and '\(b)' overlap in the data buffer"
        case .malformedMetadata(let reason): return "malformed __metadata__: \(reason)"
        case .missingTensor(let name): return "tensor '\(name)' is missing"
        case .wrongDType(let name, let expected, let actual): return "unsupported dtype \(actual.rawValue) for tensor '\(name)': CarryLens reads \(expected.rawValue) tensors only"
        }
    }
}

/// A parsed and validated safetensors file held in memory.
///
/// Layout: u64 little-endian header length N, N bytes of JSON
/// `{"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {str: str}}`,
/// then the data buffer; offsets are relative to the buffer.
public struct SafeTensorsFile: Sendable {
    /// Headers longer than this are refused (real headers are a few kilobytes).
    public static let maximumHeaderLength = 100 * 1024 * 1024

    /// Tensors by name.
    public let tensors: [String: SafeTensorInfo]
    /// The string-to-string `__metadata__` map (empty when absent).
    public let metadata: [String: String]
    private let buffer: Data

    /// Reads and validates the file at `url`.
    public init(contentsOf url: URL) throws {
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .mappedIfSafe)
        } catch {
            throw SafeTensorsError.unreadable(path: url.path, reason: systemReason(of: error))
        }
        try self.init(data: data)
    }

    /// Parses and validates an in-memory safetensors image.
    public init(data: Data) throws {
        guard data.count >= 8 else { throw SafeTensorsError.truncatedHeaderLength(fileSize: data.count) }
        var length: UInt64 = 0
        for (shift, byte) in data.prefix(8).enumerated() { length |= UInt64(byte) << (8 * UInt64(shift)) }
        guard length <= UInt64(Self.maximumHeaderLength) else {
            throw SafeTensorsError.headerTooLarge(length: length, limit: Self.maximumHeaderLength)
        }
        guard length <= UInt64(data.count - 8) else {
            throw SafeTensorsError.headerBeyondFile(length: length, fileSize: data.count)
        }
        let headerStart = data.startIndex + 8
        let headerEnd = headerStart + Int(length)
        let header = data[headerStart..<headerEnd]
        let json: JSONValue
        do {
            json = try StrictJSON.parse(header)
        } catch {
            throw SafeTensorsError.malformedHeaderJSON("\(error)")
        }
        guard case .object(let object) = json else {
            throw SafeTensorsError.malformedHeaderJSON("the header is not a JSON object")
        }
        let buffer = data[headerEnd...]
        var tensors: [String: SafeTensorInfo] = [:]
        var metadata: [String: String] = [:]
        for (name, value) in object {
            if name == "__metadata__" {
                guard case .object(let map) = value else { throw SafeTensorsError.malformedMetadata("not a JSON object") }
                for (key, item) in map {
                    guard case .string(let text) = item else { throw SafeTensorsError.malformedMetadata("value of '\(key)' is not a string") }
                    metadata[key] = text
                }
                continue
            }
            tensors[name] = try Self.parseEntry(name: name, value: value, bufferSize: buffer.count)
        }
        let ordered = tensors.values.sorted { ($0.dataRange.lowerBound, $0.dataRange.upperBound, $0.name) < ($1.dataRange.lowerBound, $1.dataRange.upperBound, $1.name) }
        // Compare each tensor with the furthest-reaching one before it, not just its
        // neighbour: an empty tensor sorted in between must not hide an overlap.
        var furthest: SafeTensorInfo?
        for tensor in ordered where !tensor.dataRange.isEmpty {
            if let previous = furthest, previous.dataRange.overlaps(tensor.dataRange) {
                throw SafeTensorsError.overlappingTensors(previous.name, tensor.name)
            }
            if tensor.dataRange.upperBound > (furthest?.dataRange.upperBound ?? 0) { furthest = tensor }
        }
        self.tensors = tensors
        self.metadata = metadata
        self.buffer = Data(buffer)
    }

    private static func parseEntry(name: String, value: JSONValue, bufferSize: Int) throws -> SafeTensorInfo {
        guard case .object(let entry) = value else { throw SafeTensorsError.malformedEntry(name: name, reason: "not a JSON object") }
        guard case .string(let dtypeText)? = entry["dtype"] else { throw SafeTensorsError.malformedEntry(name: name, reason: "missing 'dtype'") }
        guard let dtype = SafeTensorsDType(rawValue: dtypeText) else { throw SafeTensorsError.unknownDType(name: name, dtype: dtypeText) }
        guard case .array(let shapeValues)? = entry["shape"] else { throw SafeTensorsError.malformedEntry(name: name, reason: "missing 'shape'") }
        var shape: [Int] = []
        for item in shapeValues {
            guard case .integer(let dim) = item, dim >= 0 else { throw SafeTensorsError.malformedEntry(name: name, reason: "shape must be non-negative integers") }
            shape.append(dim)
        }
        guard case .array(let offsets)? = entry["data_offsets"], offsets.count == 2,
              case .integer(let begin) = offsets[0], case .integer(let end) = offsets[1] else {
            throw SafeTensorsError.malformedEntry(name: name, reason: "'data_offsets' must be two integers")
        }
        guard begin >= 0, begin <= end else { throw SafeTensorsError.malformedEntry(name: name, reason: "data_offsets [\(begin), \(end)] are not an increasing range") }
        guard end <= bufferSize else { throw SafeTensorsError.offsetsOutsideBuffer(name: name, end: end, bufferSize: bufferSize) }
        var elements = 1
        for dim in shape {
            let (product, overflow) = elements.multipliedReportingOverflow(by: dim)
            guard !overflow else { throw SafeTensorsError.malformedEntry(name: name, reason: "shape is too large") }
            elements = product
        }
        let (bytes, overflow) = elements.multipliedReportingOverflow(by: dtype.byteCount)
        guard !overflow, bytes == end - begin else {
            throw SafeTensorsError.sizeMismatch(name: name, expectedBytes: overflow ? Int.max : bytes, actualBytes: end - begin)
        }
        return SafeTensorInfo(name: name, dtype: dtype, shape: shape, dataRange: begin..<end)
    }

    /// The tensor named `name`, which must exist and have type `dtype`.
    public func info(_ name: String, dtype: SafeTensorsDType) throws -> SafeTensorInfo {
        guard let info = tensors[name] else { throw SafeTensorsError.missingTensor(name) }
        guard info.dtype == dtype else { throw SafeTensorsError.wrongDType(name: name, expected: dtype, actual: info.dtype) }
        return info
    }

    /// The elements of an F32 tensor, row-major.
    public func float32(_ name: String) throws -> [Float] {
        let info = try info(name, dtype: .f32)
        return decode(info, as: UInt32.self).map { Float(bitPattern: $0) }
    }

    /// The elements of an I64 tensor, row-major.
    public func int64(_ name: String) throws -> [Int64] {
        let info = try info(name, dtype: .i64)
        return decode(info, as: UInt64.self).map { Int64(bitPattern: $0) }
    }

    /// Little-endian fixed-width integers of one tensor.
    private func decode<Word: FixedWidthInteger>(_ info: SafeTensorInfo, as: Word.Type) -> [Word] {
        let count = info.elementCount
        let start = buffer.startIndex + info.dataRange.lowerBound
        return [Word](unsafeUninitializedCapacity: count) { output, initialized in
            buffer[start..<(start + count * MemoryLayout<Word>.size)].withUnsafeBytes { raw in
                for index in 0..<count {
                    output[index] = Word(littleEndian: raw.loadUnaligned(fromByteOffset: index * MemoryLayout<Word>.size, as: Word.self))
                }
            }
            initialized = count
        }
    }
}
