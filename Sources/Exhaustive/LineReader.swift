import Diagnostics
import Foundation

/// Reads a text file line by line in large blocks, without loading it whole.
struct LineReader {
    private let handle: FileHandle
    private var buffer = Data()
    private var finished = false

    init(url: URL) throws {
        do { handle = try FileHandle(forReadingFrom: url) } catch {
            throw ExhaustiveError.io("cannot read \(url.path): \(systemReason(of: error))")
        }
    }

    /// The next line without its newline, or nil at the end.
    mutating func nextLine() throws -> String? {
        while true {
            if let newline = buffer.firstIndex(of: 0x0A) {
                let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                buffer.removeSubrange(buffer.startIndex...newline)
                return line
            }
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

    func close() { try? handle.close() }
}
