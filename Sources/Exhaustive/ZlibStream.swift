import CZlibStream
import Foundation

/// Compresses a byte stream in the zlib format (RFC 1950) with the system zlib.
///
/// The output depends only on the bytes given, the level and the zlib version (not on
/// how the input is split), so the same failures give the same file on every machine
/// that has the same zlib (see docs/report-schema.md).
final class ZlibCompressor {
    private let stream: OpaquePointer
    private var output = [UInt8](repeating: 0, count: 1 << 16)
    private var finished = false

    /// zlib's version string, e.g. `1.2.13`.
    static var zlibVersion: String { String(cString: carrylens_zlib_version()) }

    init(level: Int32 = 9) throws {
        guard let stream = carrylens_deflate_new(level) else { throw ExhaustiveError.io("cannot start zlib compression (out of memory)") }
        self.stream = stream
    }

    deinit { carrylens_zstream_free(stream) }

    /// Compresses `input`, handing compressed bytes to `sink`; `finish` ends the stream.
    func compress(_ input: Data, finish: Bool, into sink: (Data) throws -> Void) throws {
        precondition(!finished, "compressing after the end of the stream")
        try input.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            var offset = 0
            while true {
                var consumed = 0, written = 0
                let base = raw.baseAddress.map { $0.assumingMemoryBound(to: UInt8.self) + offset }
                let result = output.withUnsafeMutableBufferPointer { out in
                    carrylens_deflate(stream, base, raw.count - offset, out.baseAddress, out.count, &consumed, &written, finish ? 1 : 0)
                }
                guard result != CARRYLENS_Z_ERROR else { throw ExhaustiveError.io("zlib compression failed") }
                offset += consumed
                if written > 0 { try sink(Data(output[0..<written])) }
                if result == CARRYLENS_Z_STREAM_END { finished = true; return }
                // Done with this input when it is all in and zlib had output space left.
                if offset == raw.count, written < output.count, !finish { return }
            }
        }
    }
}

/// Decompresses a zlib-format stream fed block by block; refuses corrupt data, data
/// after the end of the stream, and (``finish()``) a stream cut short.
final class ZlibDecompressor {
    private let stream: OpaquePointer
    private var output = [UInt8](repeating: 0, count: 1 << 16)
    /// Whether the end of the stream (with a matching Adler-32) has been seen.
    private(set) var ended = false

    enum Failure: Error, Equatable { case corrupt, dataAfterEnd, truncated }

    init() throws {
        guard let stream = carrylens_inflate_new() else { throw ExhaustiveError.io("cannot start zlib decompression (out of memory)") }
        self.stream = stream
    }

    deinit { carrylens_zstream_free(stream) }

    /// Decompresses `input`, handing the bytes to `sink` in order.
    func decompress(_ input: Data, into sink: (UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        guard !input.isEmpty else { return }
        guard !ended else { throw Failure.dataAfterEnd }
        try input.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < raw.count || !ended {
                var consumed = 0, written = 0
                let base = raw.baseAddress!.assumingMemoryBound(to: UInt8.self) + offset
                let result = output.withUnsafeMutableBufferPointer { out in
                    carrylens_inflate(stream, base, raw.count - offset, out.baseAddress, out.count, &consumed, &written)
                }
                guard result != CARRYLENS_Z_ERROR else { throw Failure.corrupt }
                offset += consumed
                if written > 0 { try output.withUnsafeBufferPointer { try sink(UnsafeBufferPointer(rebasing: $0[0..<written])) } }
                if result == CARRYLENS_Z_STREAM_END {
                    ended = true
                    if offset < raw.count { throw Failure.dataAfterEnd }
                    return
                }
                if consumed == 0 && written == 0 { return }  // needs more input
            }
        }
    }

    /// Checks that the stream ended.
    func finish() throws { guard ended else { throw Failure.truncated } }
}
