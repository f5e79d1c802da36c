import Foundation
import Transformer
import ZIPFoundation

/// The second fuzz target: the PyTorch checkpoint reader (`.pth`/`.pt`), read the way
/// every command reads a model file, through ``AdditionModel/init(contentsOf:configOverride:declaredConfig:limits:)``
/// on a file holding the input (format detection, the zip archive with its size limits, the restricted pickle
/// interpreter, storage and stride checks, config inference, F16/BF16 widening,
/// TransformerLens buffer checks and every parameter's finiteness).
///
/// An input is used in one of two ways, told apart by its first bytes:
/// - starting `PK`: the whole checkpoint archive, as found in a file;
/// - anything else: the contents of `data.pkl`, placed in an archive beside the
///   storages and bookkeeping entries of a valid checkpoint (``CheckpointFrame``),
///   so mutations reach the pickle interpreter and the tensor checks instead of
///   stopping at the zip entry's CRC-32.
func readCheckpoint(_ data: Data) -> String {
    let archive: Data
    if data.starts(with: [0x50, 0x4B]) {
        archive = data
    } else {
        archive = CheckpointFrame.shared.archive(pickle: data)
    }
    // Through a file, as every command reads a model (AdditionModel(contentsOf:) reads
    // a checkpoint with a file-backed archive).
    let url = fuzzInputFile
    do {
        try archive.write(to: url)
    } catch {
        fatalError("cannot write \(url.path): \(error)")
    }
    do {
        let model = try AdditionModel(contentsOf: url)
        return "accepted (\(model.config.parameterCount) parameters, \(model.notes.count) notes)"
    } catch {
        return "\(error)"
    }
}

/// The entries of a valid checkpoint other than `data.pkl`, and a writer of stored
/// (uncompressed) zip archives that puts a given pickle among them.
struct CheckpointFrame {
    /// The frame around pickles: the tiny F32 checkpoint of `fixtures/pth` (the
    /// file named by `CARRYLENS_FUZZ_FRAME`, if set).
    static let shared: CheckpointFrame = {
        let path = ProcessInfo.processInfo.environment["CARRYLENS_FUZZ_FRAME"]
            ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("fixtures/pth/tiny_f32.pth").path
        do {
            return try CheckpointFrame(checkpointAt: URL(fileURLWithPath: path))
        } catch {
            fatalError("cannot read the checkpoint frame \(path): \(error)")
        }
    }()

    /// The archive directory (`archive` or whatever the frame uses).
    let prefix: String
    /// Every entry but `data.pkl`, in archive order (byte arrays, which LeakSanitizer
    /// follows; it can miss `Data` held in a long-lived value).
    let entries: [(path: String, bytes: [UInt8])]

    init(checkpointAt url: URL) throws {
        let archive = try Archive(url: url, accessMode: .read)
        var entries: [(path: String, bytes: [UInt8])] = []
        var prefix = "archive"
        for entry in archive where entry.type == .file {
            if entry.path.hasSuffix("/data.pkl") {
                prefix = String(entry.path.dropLast("/data.pkl".count))
                continue
            }
            var data = Data()
            _ = try archive.extract(entry) { data.append($0) }
            entries.append((entry.path, [UInt8](data)))
        }
        self.prefix = prefix
        self.entries = entries
    }

    /// A stored zip archive: `prefix/data.pkl` holding `pickle`, then the frame's entries.
    func archive(pickle: Data) -> Data {
        StoredZip.write([(prefix + "/data.pkl", pickle)] + entries.map { ($0.path, Data($0.bytes)) })
    }
}

/// Writes zip archives of stored (uncompressed) entries: local headers, the central
/// directory and its end record (PKWARE APPNOTE 4.3), no ZIP64.
enum StoredZip {
    static func write(_ entries: [(path: String, data: Data)]) -> Data {
        var output = Data()
        var central = Data()
        func u16(_ value: Int, _ into: inout Data) { withUnsafeBytes(of: UInt16(truncatingIfNeeded: value).littleEndian) { into.append(contentsOf: $0) } }
        func u32(_ value: UInt32, _ into: inout Data) { withUnsafeBytes(of: value.littleEndian) { into.append(contentsOf: $0) } }
        for (path, data) in entries {
            let name = Data(path.utf8)
            let crc = data.crc32(checksum: 0)
            let offset = UInt32(output.count)
            // Local file header.
            u32(0x0403_4B50, &output); u16(20, &output); u16(0, &output); u16(0, &output)
            u16(0, &output); u16(0x21, &output)  // time 00:00, date 1980-01-01
            u32(crc, &output); u32(UInt32(data.count), &output); u32(UInt32(data.count), &output)
            u16(name.count, &output); u16(0, &output)
            output.append(name); output.append(data)
            // Central directory record.
            u32(0x0201_4B50, &central); u16(20, &central); u16(20, &central); u16(0, &central); u16(0, &central)
            u16(0, &central); u16(0x21, &central)
            u32(crc, &central); u32(UInt32(data.count), &central); u32(UInt32(data.count), &central)
            u16(name.count, &central); u16(0, &central); u16(0, &central); u16(0, &central); u16(0, &central)
            u32(0, &central); u32(offset, &central)
            central.append(name)
        }
        let centralOffset = UInt32(output.count)
        output.append(central)
        u32(0x0605_4B50, &output); u16(0, &output); u16(0, &output)
        u16(entries.count, &output); u16(entries.count, &output)
        u32(UInt32(central.count), &output); u32(centralOffset, &output); u16(0, &output)
        return output
    }
}

/// Where each checkpoint input is written: `CARRYLENS_FUZZ_FILE`, else a file named after
/// this process in /dev/shm (memory-backed) when it exists, else the temporary directory.
let fuzzInputFile: URL = {
    if let path = ProcessInfo.processInfo.environment["CARRYLENS_FUZZ_FILE"] { return URL(fileURLWithPath: path) }
    let name = "carrylens-fuzz-\(ProcessInfo.processInfo.processIdentifier).pth"
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: "/dev/shm", isDirectory: &isDirectory), isDirectory.boolValue {
        return URL(fileURLWithPath: "/dev/shm").appendingPathComponent(name)
    }
    return FileManager.default.temporaryDirectory.appendingPathComponent(name)
}()
