import Diagnostics
import Foundation

/// Reads a text file line by line in large blocks, without loading it whole. A line
/// longer than ``maximumLineBytes`` is refused without being read whole or echoed.
struct LineReader {
    /// The longest line accepted: 64 KiB, far above any row CarryLens writes (a
    /// `failures.csv` row of n = 9 has under 100 bytes).
    static let maximumLineBytes = 65_536

    private let url: URL
    private let handle: FileHandle
    private var buffer = Data()
    private var finished = false

    init(url: URL) throws {
        self.url = url
        do { handle = try FileHandle(forReadingFrom: url) } catch {
            throw ExhaustiveError.io("cannot read \(url.path): \(systemReason(of: error))")
        }
    }

    /// The next line without its newline, or nil at the end.
    mutating func nextLine() throws -> String? {
        while true {
            if let newline = buffer.firstIndex(of: 0x0A) {
                guard newline - buffer.startIndex <= Self.maximumLineBytes else { throw lineTooLong }
                let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                buffer.removeSubrange(buffer.startIndex...newline)
                return line
            }
            if buffer.count > Self.maximumLineBytes { throw lineTooLong }
            if finished {
                guard !buffer.isEmpty else { return nil }
                let line = String(decoding: buffer, as: UTF8.self)
                buffer.removeAll()
                return line
            }
            let block = try handle.read(upToCount: 1 << 20) ?? Data()
            if block.isEmpty { finished = true } else { buffer.append(block) }
        }
    }

    private var lineTooLong: ExhaustiveError {
        .malformedResult(file: url.path, reason: "a line is longer than the limit of \(Self.maximumLineBytes) bytes")
    }

    func close() { try? handle.close() }
}
