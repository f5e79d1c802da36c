import Diagnostics
import Foundation
import ZIPFoundation

/// A `torch.save` checkpoint (`.pth` / `.pt`, the zip format PyTorch has written
/// since 1.6) holding a state dict, read without executing anything.
///
/// Layout: a zip archive whose entries share one top-level directory `<prefix>/`:
/// `<prefix>/data.pkl` (the pickled state dict, read by ``RestrictedPickle``),
/// `<prefix>/data/<key>` (one raw little-endian storage per key), and small
/// bookkeeping entries (`version`, `byteorder`, `.data/serialization_id`).
///
/// Before any tensor is read, every storage is checked against the archive: the
/// entry `data/<key>` exists and holds exactly numel × element size bytes, and
/// every tensor's offset, shape and strides stay inside its storage. The archive's
/// total declared uncompressed size is bounded by ``Limits`` (1 GiB, and 32 times
/// the archive's size), and no entry may decompress to more than it declares, so a
/// zip bomb is refused without being inflated.
public struct PyTorchCheckpoint: Sendable {
    /// Bounds on what reading an archive may allocate.
    public struct Limits: Sendable {
        /// Upper bound on the sum of all entries' uncompressed sizes (default 1 GiB;
        /// the paper's models are about 12 MB).
        public var maximumTotalUncompressedBytes: UInt64
        /// The entries together may declare at most this many times the archive's own
        /// size (default 32; `torch.save` stores entries uncompressed, so a real
        /// checkpoint declares about 1×).
        public var maximumExpansion: UInt64
        /// Upper bound on the number of entries (default 100,000).
        public var maximumEntryCount: Int

        public init(maximumTotalUncompressedBytes: UInt64 = 1 << 30, maximumExpansion: UInt64 = 32, maximumEntryCount: Int = 100_000) {
            self.maximumTotalUncompressedBytes = maximumTotalUncompressedBytes
            self.maximumExpansion = maximumExpansion
            self.maximumEntryCount = maximumEntryCount
        }

        /// The bound for an archive of `archiveBytes` bytes: the smaller of the two limits.
        public func totalBound(archiveBytes: Int) -> UInt64 {
            let (scaled, overflow) = UInt64(archiveBytes).multipliedReportingOverflow(by: maximumExpansion)
            return overflow ? maximumTotalUncompressedBytes : min(maximumTotalUncompressedBytes, scaled)
        }
    }

    /// One tensor of the state dict: a view into a storage.
    public struct Tensor: Sendable, Equatable {
        public let name: String
        public let dtype: PyTorchDType
        public let shape: [Int]
        public let strides: [Int]
        public let storageOffset: Int
        public let storageKey: String

        public var elementCount: Int { shape.reduce(1, *) }
        /// Whether the elements are laid out row-major without gaps.
        public var isContiguous: Bool {
            var expected = 1
            for (size, stride) in zip(shape, strides).reversed() where size != 1 {
                if stride != expected { return false }
                expected *= size
            }
            return true
        }
    }

    /// Tensors by name.
    public let tensors: [String: Tensor]
    /// Tensor names in the state dict's order.
    public let names: [String]
    /// The archive's top-level directory (`archive`, or the file name PyTorch used).
    public let archivePrefix: String
    /// The contents of the `version` entry, if present.
    public let formatVersion: String?
    /// Raw storages by key.
    private let storages: [String: Data]

    /// Reads and validates the checkpoint at `url`, through a file-backed archive.
    public init(contentsOf url: URL, limits: Limits = Limits()) throws {
        let size: Int
        do {
            size = (try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? NSNumber)?.intValue ?? 0
        } catch {
            throw PyTorchCheckpointError.unreadable(path: url.path, reason: systemReason(of: error))
        }
        let bytes: Data
        do {
            bytes = try Data(contentsOf: url, options: .mappedIfSafe)
        } catch {
            throw PyTorchCheckpointError.unreadable(path: url.path, reason: systemReason(of: error))
        }
        if let problem = ZIP64Check.problem(in: bytes) { throw PyTorchCheckpointError.badZIP64(problem) }
        let archive: Archive
        do {
            archive = try Archive(url: url, accessMode: .read)
        } catch {
            throw PyTorchCheckpointError.notAZipArchive(fileSize: size)
        }
        try self.init(archive: archive, archiveBytes: size, limits: limits)
    }

    /// Reads and validates an in-memory checkpoint: the bytes are written to a private
    /// temporary file, read as ``init(contentsOf:limits:)`` reads a file, and removed.
    /// (ZIPFoundation's in-memory reader traps when an archive's offsets point past the
    /// end of its data, and leaks the data when it finds no end-of-central-directory
    /// record; its file-backed reader does neither. Both were found by fuzzing.)
    public init(data: Data, limits: Limits = Limits()) throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("carrylens-checkpoint-\(UUID().uuidString).pth")
        do {
            try data.write(to: url, options: .withoutOverwriting)
        } catch {
            throw PyTorchCheckpointError.unreadable(path: url.path, reason: systemReason(of: error))
        }
        defer { try? FileManager.default.removeItem(at: url) }
        try self.init(contentsOf: url, limits: limits)
    }

    /// Reads and validates the checkpoint in `archive`, a zip archive of `archiveBytes` bytes.
    private init(archive: Archive, archiveBytes: Int, limits: Limits) throws {
        var entries: [String: Entry] = [:]
        let bound = limits.totalBound(archiveBytes: archiveBytes)
        var declaredTotal: UInt64 = 0
        var count = 0
        for entry in archive {
            count += 1
            guard count <= limits.maximumEntryCount else { throw PyTorchCheckpointError.tooManyEntries(limit: limits.maximumEntryCount) }
            guard entry.type != .symlink else { throw PyTorchCheckpointError.unexpectedEntry(entry.path, reason: "symbolic links are not allowed") }
            guard entries[entry.path] == nil else { throw PyTorchCheckpointError.duplicateEntry(entry.path) }
            let (sum, overflow) = declaredTotal.addingReportingOverflow(entry.uncompressedSize)
            guard !overflow, sum <= bound else {
                throw PyTorchCheckpointError.tooLarge(declaredBytes: overflow ? .max : sum, limit: bound)
            }
            declaredTotal = sum
            // A compressed entry cannot be larger than the archive (ZIPFoundation converts it to Int64).
            guard entry.compressedSize <= UInt64(archiveBytes) else {
                throw PyTorchCheckpointError.corruptEntry(entry.path, reason: "declares \(entry.compressedSize) compressed bytes in a \(archiveBytes)-byte archive")
            }
            if entry.type == .file { entries[entry.path] = entry }
        }
        let prefix = try Self.archivePrefix(of: Array(entries.keys))
        let reader = EntryReader(archive: archive)

        func entry(_ relative: String) -> Entry? { entries[prefix + "/" + relative] }
        if let byteorder = entry("byteorder") {
            let text = String(decoding: try reader.read(byteorder), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard text == "little" else { throw PyTorchCheckpointError.bigEndian(text) }
        }
        formatVersion = try entry("version").map { String(decoding: try reader.read($0), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) }
        guard let pickleEntry = entry("data.pkl") else { throw PyTorchCheckpointError.missingEntry(prefix + "/data.pkl") }
        let root = try RestrictedPickle.load(try reader.read(pickleEntry))

        guard case .dictionary(let dictionary) = root else { throw PyTorchCheckpointError.notAStateDict("the pickle holds a \(root.summary)") }
        var references: [(name: String, tensor: PickleTensorReference)] = []
        for (key, value) in dictionary.items {
            guard case .string(let name) = key else { throw PyTorchCheckpointError.notAStateDict("a key is a \(key.summary), not a string") }
            guard case .tensor(let tensor) = value else {
                throw PyTorchCheckpointError.notAStateDict("'\(name)' holds a \(value.summary), not a tensor")
            }
            references.append((name, tensor))
        }

        var storages: [String: Data] = [:]
        var tensors: [String: Tensor] = [:]
        for (name, reference) in references {
            let storage = reference.storage
            if storages[storage.key] == nil {
                let path = "data/" + storage.key
                guard let storageEntry = entry(path) else { throw PyTorchCheckpointError.missingEntry(prefix + "/" + path) }
                let (needed, overflow) = storage.elementCount.multipliedReportingOverflow(by: storage.dtype.byteCount)
                guard !overflow, UInt64(needed) == storageEntry.uncompressedSize else {
                    throw PyTorchCheckpointError.storageSizeMismatch(key: storage.key, dtype: storage.dtype, elements: storage.elementCount,
                                                                     entryBytes: storageEntry.uncompressedSize)
                }
                storages[storage.key] = try reader.read(storageEntry)
            }
            tensors[name] = try Self.validated(name: name, reference)
        }
        self.tensors = tensors
        self.names = references.map(\.name)
        self.archivePrefix = prefix
        self.storages = storages
    }

    /// The single top-level directory every entry lives in, which must hold `data.pkl`.
    private static func archivePrefix(of paths: [String]) throws -> String {
        let pickles = paths.filter { $0.hasSuffix("/data.pkl") && $0.split(separator: "/", omittingEmptySubsequences: false).count == 2 }
        guard let pickle = pickles.first else {
            if paths.contains(where: { $0.hasSuffix("/constants.pkl") || $0.contains("/code/") }) {
                throw PyTorchCheckpointError.torchScript
            }
            throw PyTorchCheckpointError.missingEntry("<dir>/data.pkl")
        }
        guard pickles.count == 1 else { throw PyTorchCheckpointError.unexpectedEntry(pickles.sorted()[1], reason: "a second data.pkl") }
        let prefix = String(pickle.dropLast("/data.pkl".count))
        if let stray = paths.sorted().first(where: { !$0.hasPrefix(prefix + "/") }) {
            throw PyTorchCheckpointError.unexpectedEntry(stray, reason: "outside the archive directory '\(prefix)/'")
        }
        return prefix
    }

    /// Checks a tensor's offset, shape and strides against its storage.
    private static func validated(name: String, _ reference: PickleTensorReference) throws -> Tensor {
        let storage = reference.storage
        func fail(_ reason: String) -> PyTorchCheckpointError { .badTensor(name: name, reason: reason) }
        guard reference.shape.count == reference.strides.count else {
            throw fail("shape \(reference.shape) and stride \(reference.strides) have different lengths")
        }
        guard reference.shape.allSatisfy({ $0 >= 0 }) else { throw fail("shape \(reference.shape) has a negative size") }
        guard reference.strides.allSatisfy({ $0 >= 0 }) else { throw fail("stride \(reference.strides) has a negative step") }
        guard reference.storageOffset >= 0 else { throw fail("storage offset \(reference.storageOffset) is negative") }
        var elements = 1
        var lastIndex = reference.storageOffset
        for (size, stride) in zip(reference.shape, reference.strides) {
            let (product, overflow) = elements.multipliedReportingOverflow(by: size)
            guard !overflow else { throw fail("shape \(reference.shape) is too large") }
            elements = product
            if size > 0 {
                let (step, stepOverflow) = (size - 1).multipliedReportingOverflow(by: stride)
                let (sum, sumOverflow) = lastIndex.addingReportingOverflow(step)
                guard !stepOverflow, !sumOverflow else { throw fail("stride \(reference.strides) is too large") }
                lastIndex = sum
            }
        }
        if elements > 0 {
            guard lastIndex < storage.elementCount else {
                throw fail("storage offset \(reference.storageOffset), shape \(reference.shape) and stride \(reference.strides) reach element \(lastIndex), past the end of storage '\(storage.key)' (\(storage.elementCount) \(storage.dtype.rawValue) elements)")
            }
        } else if reference.storageOffset > storage.elementCount {
            throw fail("storage offset \(reference.storageOffset) is past the end of storage '\(storage.key)' (\(storage.elementCount) elements)")
        }
        return Tensor(name: name, dtype: storage.dtype, shape: reference.shape, strides: reference.strides,
                      storageOffset: reference.storageOffset, storageKey: storage.key)
    }

    /// The tensor named `name`.
    public func tensor(_ name: String) throws -> Tensor {
        guard let tensor = tensors[name] else { throw PyTorchCheckpointError.missingTensor(name) }
        return tensor
    }

    /// The elements of a floating-point tensor, row-major, widened to F32
    /// (F16 and BF16 convert exactly).
    public func float32Values(of name: String) throws -> [Float] {
        let tensor = try tensor(name)
        let storage = storages[tensor.storageKey] ?? Data()
        switch tensor.dtype {
        case .float32:
            return gather(tensor, storage) { raw, index in Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: index * 4, as: UInt32.self))) }
        case .float16:
            return gather(tensor, storage) { raw, index in HalfPrecision.float(fromBinary16: UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: index * 2, as: UInt16.self))) }
        case .bfloat16:
            return gather(tensor, storage) { raw, index in HalfPrecision.float(fromBFloat16: UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: index * 2, as: UInt16.self))) }
        case .bool:
            throw PyTorchCheckpointError.wrongDType(name: name, found: tensor.dtype, expected: "a floating-point type (F32, F16 or BF16)")
        }
    }

    /// The elements of a BOOL tensor, row-major.
    public func boolValues(of name: String) throws -> [Bool] {
        let tensor = try tensor(name)
        guard tensor.dtype == .bool else { throw PyTorchCheckpointError.wrongDType(name: name, found: tensor.dtype, expected: "BOOL") }
        return gather(tensor, storages[tensor.storageKey] ?? Data()) { raw, index in raw.load(fromByteOffset: index, as: UInt8.self) != 0 }
    }

    /// Reads the tensor's elements in row-major order through its strides.
    /// The strides were checked against the storage when the checkpoint was read.
    private func gather<Element>(_ tensor: Tensor, _ storage: Data, _ load: (UnsafeRawBufferPointer, Int) -> Element) -> [Element] {
        let count = tensor.elementCount
        guard count > 0 else { return [] }
        return storage.withUnsafeBytes { raw in
            var output: [Element] = []
            output.reserveCapacity(count)
            if tensor.isContiguous {
                for index in tensor.storageOffset..<(tensor.storageOffset + count) { output.append(load(raw, index)) }
                return output
            }
            var counter = [Int](repeating: 0, count: tensor.shape.count)
            for _ in 0..<count {
                var index = tensor.storageOffset
                for axis in counter.indices { index += counter[axis] * tensor.strides[axis] }
                output.append(load(raw, index))
                var axis = counter.count - 1
                while axis >= 0 {
                    counter[axis] += 1
                    if counter[axis] < tensor.shape[axis] { break }
                    counter[axis] = 0
                    axis -= 1
                }
            }
            return output
        }
    }
}

/// Extracts zip entries with their declared size as a hard bound.
private struct EntryReader {
    let archive: Archive

    /// The entry's bytes. Refused if it inflates past its declared size, falls
    /// short of it, or fails its CRC-32.
    func read(_ entry: Entry) throws -> Data {
        let declared = entry.uncompressedSize
        var output = Data()
        output.reserveCapacity(Int(declared))
        do {
            _ = try archive.extract(entry, skipCRC32: false) { chunk in
                guard UInt64(output.count + chunk.count) <= declared else {
                    throw PyTorchCheckpointError.entryLargerThanDeclared(entry.path, declaredBytes: declared)
                }
                output.append(chunk)
            }
        } catch let error as PyTorchCheckpointError {
            throw error
        } catch Archive.ArchiveError.invalidCRC32 {
            throw PyTorchCheckpointError.corruptEntry(entry.path, reason: "CRC-32 mismatch")
        } catch {
            throw PyTorchCheckpointError.corruptEntry(entry.path, reason: "\(error)")
        }
        guard UInt64(output.count) == declared else {
            throw PyTorchCheckpointError.corruptEntry(entry.path, reason: "holds \(output.count) bytes but declares \(declared) (truncated?)")
        }
        return output
    }
}

/// Errors reading a PyTorch checkpoint. Each names what was found.
public enum PyTorchCheckpointError: Error, Equatable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case notAZipArchive(fileSize: Int)
    case tooManyEntries(limit: Int)
    case tooLarge(declaredBytes: UInt64, limit: UInt64)
    case entryLargerThanDeclared(String, declaredBytes: UInt64)
    case corruptEntry(String, reason: String)
    case duplicateEntry(String)
    case unexpectedEntry(String, reason: String)
    case missingEntry(String)
    case torchScript
    case bigEndian(String)
    case notAStateDict(String)
    case storageSizeMismatch(key: String, dtype: PyTorchDType, elements: Int, entryBytes: UInt64)
    case badTensor(name: String, reason: String)
    case missingTensor(String)
    case wrongDType(name: String, found: PyTorchDType, expected: String)
    case badZIP64(String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): return "cannot read '\(path)': \(reason)"
        case .notAZipArchive(let size): return "not a readable zip archive (\(size) bytes; truncated or damaged?): a torch.save checkpoint is a zip file"
        case .tooManyEntries(let limit): return "zip archive has more than \(limit) entries"
        case .tooLarge(let bytes, let limit):
            return "zip archive declares \(bytes) uncompressed bytes, more than the limit of \(limit) bytes (the smaller of 1 GiB and 32 times the archive's size, by default; zip bomb?)"
        case .entryLargerThanDeclared(let path, let bytes):
            return "zip entry '\(path)' inflates past its declared \(bytes) bytes (zip bomb?)"
        case .corruptEntry(let path, let reason): return "zip entry '\(path)' is corrupt: \(reason)"
        case .duplicateEntry(let path): return "zip archive has the entry '\(path)' twice"
        case .unexpectedEntry(let path, let reason): return "unexpected zip entry '\(path)': \(reason)"
        case .missingEntry(let path): return "zip archive has no entry '\(path)': not a torch.save checkpoint, or truncated"
        case .torchScript: return "this is a TorchScript archive (torch.jit.save), not a torch.save state dict; save model.state_dict() with torch.save"
        case .bigEndian(let order): return "checkpoint byte order is '\(order)'; only little-endian checkpoints are supported"
        case .notAStateDict(let reason): return "the checkpoint is not a state dict of tensors: \(reason)"
        case .storageSizeMismatch(let key, let dtype, let elements, let bytes):
            return "storage '\(key)' should hold \(elements) \(dtype.rawValue) elements (\(elements.multipliedReportingOverflow(by: dtype.byteCount).partialValue) bytes) but its entry data/\(key) has \(bytes) bytes (dtype or size mismatch)"
        case .badTensor(let name, let reason): return "tensor '\(name)': \(reason)"
        case .missingTensor(let name): return "tensor '\(name)' is missing"
        case .wrongDType(let name, let found, let expected): return "tensor '\(name)' is \(found.rawValue), expected \(expected)"
        case .badZIP64(let problem): return "zip archive's ZIP64 records are inconsistent: \(problem) (damaged or crafted)"
        }
    }
}

/// Checks the 64-bit (ZIP64) offsets, sizes and counts of an archive before ZIPFoundation
/// reads it: ZIPFoundation 0.9.20 converts them to `off_t`/`Int64` unchecked and traps
/// (crashes the process) on values of 2⁶³ or more (found by fuzzing). Follows the records
/// ZIPFoundation follows (APPNOTE 4.3): the end-of-central-directory record nearest the
/// end, the ZIP64 locator and record right before it, and the central directory they
/// point to with each entry's ZIP64 extended information (extra field 0x0001).
enum ZIP64Check {
    /// Values above this (1 TiB) are refused: no archive CarryLens reads comes near it.
    static let largest: UInt64 = 1 << 40

    /// What is wrong, or nil when every such value is at most ``largest`` (and every
    /// offset and record size at most the archive's size).
    static func problem(in data: Data) -> String? {
        data.withUnsafeBytes { (b: UnsafeRawBufferPointer) -> String? in
            let n = b.count
            func u16(_ at: Int) -> UInt64 { UInt64(b[at]) | UInt64(b[at + 1]) << 8 }
            func u32(_ at: Int) -> UInt64 { u16(at) | u16(at + 2) << 16 }
            func u64(_ at: Int) -> UInt64 { u32(at) | u32(at + 4) << 32 }
            func signature(_ at: Int, _ value: UInt64) -> Bool { at >= 0 && at + 4 <= n && u32(at) == value }
            // The end-of-central-directory record nearest the end (none: ZIPFoundation refuses the file).
            guard n >= 22 else { return nil }
            var eocd = n - 22
            while eocd >= 0, !signature(eocd, 0x0605_4B50) { eocd -= 1 }
            guard eocd >= 0 else { return nil }
            var directory = u32(eocd + 16), entries = u16(eocd + 10)
            // The ZIP64 locator and record right before it.
            let locator = eocd - 20, record = locator - 56
            if locator > 0, record > 0, signature(locator, 0x0706_4B50), signature(record, 0x0606_4B50) {
                let fields: [(String, UInt64, UInt64)] = [
                    ("locator's record offset", u64(locator + 8), UInt64(n)),
                    ("record size", u64(record + 4), UInt64(n)),
                    ("entries on this disk", u64(record + 24), UInt64(n)),
                    ("entries", u64(record + 32), UInt64(n)),
                    ("central directory size", u64(record + 40), UInt64(n)),
                    ("central directory offset", u64(record + 48), UInt64(n)),
                ]
                for (name, value, limit) in fields where value > limit {
                    return "the ZIP64 end record's \(name) is \(value), in a \(n)-byte archive"
                }
                directory = u64(record + 48)
                entries = u64(record + 32)
            }
            // Each central-directory entry's ZIP64 extended information.
            var at = Int(directory)
            for index in 0..<entries {
                guard signature(at, 0x0201_4B50), at + 46 <= n else { break }
                let nameLength = Int(u16(at + 28)), extraLength = Int(u16(at + 30)), commentLength = Int(u16(at + 32))
                var field = at + 46 + nameLength
                let end = min(n, field + extraLength)
                while field + 4 <= end {
                    let id = u16(field), size = Int(u16(field + 2))
                    if id == 0x0001 {
                        var value = field + 4
                        while value + 8 <= min(end, field + 4 + size) {
                            if u64(value) > largest { return "central directory entry \(index) has the ZIP64 value \(u64(value))" }
                            value += 8
                        }
                    }
                    field += 4 + size
                }
                at += 46 + nameLength + extraLength + commentLength
            }
            return nil
        }
    }
}
