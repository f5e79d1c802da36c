import AdditionTask
import Crypto
import Diagnostics
import Foundation

/// `failures.bin`: the failures of a result, compact (format `carrylens-failures/1`).
///
/// The file is the ASCII line `carrylens-failures/1` and a newline, then one zlib
/// stream (RFC 1950, level 9) of the *record stream*: for each failing question in
/// increasing index order,
///
/// - the gap to the previous failure, `index − previous − 1` (the first record's
///   previous is the range's first index − 1), as an unsigned LEB128 varint;
/// - the wrong-digit mask as an unsigned LEB128 varint: bit p set when answer digit
///   A(p) is wrong (never 0, below 2^(n+1));
/// - one byte per set bit, most significant digit first: the token the network
///   predicted there (0–9, 10 `+`, 11 `=`, 12 any other token), never the true digit.
///
/// Everything else a ``FailureRecord`` holds (operands, true answer, carry pattern,
/// cascade lengths) follows from the index, so each record is checked against true
/// addition as it is read. Sizes per failure are in docs/report-schema.md.
public enum FailureSetFile {
    /// The file name in a result directory.
    public static let fileName = "failures.bin"
    /// The format written and the only one read.
    public static let format = "carrylens-failures/1"
    static var magic: Data { Data((format + "\n").utf8) }
    /// The token byte for any predicted token other than 0–9, `+` and `=`.
    static let otherToken: UInt8 = 12
    /// Raw (uncompressed) bytes handed to zlib at a time; fixed, so the compressed
    /// bytes depend only on the record stream.
    static let blockSize = 1 << 20

    /// The token byte of one character of ``FailureRecord/modelAnswer``.
    static func token(_ character: Character) -> UInt8 {
        switch character {
        case "+": return 10
        case "=": return 11
        default: return character.wholeNumberValue.map(UInt8.init) ?? otherToken
        }
    }
}

/// Appends failures to a record stream (see ``FailureSetFile``).
struct FailureRecordEncoder {
    /// The index of the previous record (the range's first index − 1 before any).
    var previousIndex: Int
    let digitCount: Int

    init(firstIndex: Int, digitCount: Int) {
        previousIndex = firstIndex - 1
        self.digitCount = digitCount
    }

    init(previousIndex: Int, digitCount: Int) {
        self.previousIndex = previousIndex
        self.digitCount = digitCount
    }

    mutating func append(_ failure: FailureRecord, to bytes: inout [UInt8]) {
        precondition(failure.index > previousIndex, "failures must be appended in increasing index order")
        Self.appendVarint(UInt64(failure.index - previousIndex - 1), to: &bytes)
        var mask: UInt64 = 0
        for digit in failure.wrongDigits { mask |= 1 << UInt64(digit.place) }
        Self.appendVarint(mask, to: &bytes)
        let answer = Array(failure.modelAnswer)
        for digit in failure.wrongDigits.sorted(by: { $0.place > $1.place }) {
            let slot = digitCount - digit.place
            bytes.append(slot < answer.count ? FailureSetFile.token(answer[slot]) : FailureSetFile.otherToken)
        }
        previousIndex = failure.index
    }

    static func appendVarint(_ value: UInt64, to bytes: inout [UInt8]) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(rest & 0x7F) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }
}

/// Parses a record stream handed over in pieces, checking every record against true
/// addition and the range; calls `body` with each ``FailureRecord``.
struct FailureRecordDecoder {
    let task: AdditionTask
    let range: Range<Int>
    private(set) var previousIndex: Int
    private(set) var records = 0
    private var pending: [UInt8] = []

    /// Why a record stream is not valid.
    struct Invalid: Error { let reason: String }

    init(task: AdditionTask, range: Range<Int>) {
        self.task = task
        self.range = range
        previousIndex = range.lowerBound - 1
    }

    /// Parses the complete records in `bytes` (and what was left over before);
    /// `body` returns false to stop (then returns false).
    mutating func feed(_ bytes: UnsafeBufferPointer<UInt8>, _ body: (FailureRecord) throws -> Bool) throws -> Bool {
        pending.append(contentsOf: bytes)
        var position = 0
        defer { pending.removeFirst(position) }
        let n = task.digitCount
        while true {
            var cursor = position
            guard let gap = readVarint(&cursor), let mask = readVarint(&cursor) else { return true }
            guard mask != 0, mask < (1 << UInt64(n + 1)) else {
                throw Invalid(reason: "record \(records + 1) has wrong-digit mask \(mask), not a non-empty set of A0…A\(n)")
            }
            let wrongCount = mask.nonzeroBitCount
            guard pending.count - cursor >= wrongCount else { return true }
            let next = gap < UInt64(range.upperBound) ? previousIndex + Int(gap) + 1 : Int.max
            guard next < range.upperBound else {
                throw Invalid(reason: "record \(records + 1) lies beyond the range [\(range.lowerBound), \(range.upperBound))")
            }
            let question = task.question(atIndex: next)
            var predicted = question.answerDigits.map { UInt8($0) }
            for place in stride(from: n, through: 0, by: -1) where mask & (1 << UInt64(place)) != 0 {
                let token = pending[cursor]
                cursor += 1
                let slot = n - place
                guard token <= FailureSetFile.otherToken, token != predicted[slot] else {
                    throw Invalid(reason: "record \(records + 1) (index \(next)) gives A\(place) token \(token), which is not a wrong answer digit")
                }
                predicted[slot] = token == FailureSetFile.otherToken ? 255 : token
            }
            guard let record = FailureRecord.check(question: question, predicted: predicted) else {
                throw Invalid(reason: "record \(records + 1) (index \(next)) is not a failure")
            }
            previousIndex = next
            records += 1
            position = cursor
            guard try body(record) else { return false }
        }
    }

    /// Checks that no record was cut short.
    func finish() throws {
        guard pending.isEmpty else { throw Invalid(reason: "the last record is cut short (\(pending.count) bytes left over)") }
    }

    /// Reads an LEB128 varint of at most 9 bytes at `cursor`; nil when the bytes end first.
    private func readVarint(_ cursor: inout Int) -> UInt64? {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while cursor < pending.count {
            let byte = pending[cursor]
            cursor += 1
            value |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return value }
            shift += 7
            if shift > 56 { return UInt64.max }  // longer than any index: refused by the range check
        }
        return nil
    }
}

/// Writes `failures.bin` from a record stream, hashing as it writes.
final class FailureSetWriter {
    let url: URL
    private let handle: FileHandle
    private let compressor: ZlibCompressor
    private var hasher = Crypto.SHA256()
    private var bytes = 0
    private var block: [UInt8] = []

    /// Creates (or truncates) the file at `url`.
    init(url: URL) throws {
        self.url = url
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw ExhaustiveError.io("cannot create \(url.path)")
        }
        do { handle = try FileHandle(forWritingTo: url) } catch {
            throw ExhaustiveError.io("cannot write \(url.path): \(systemReason(of: error))")
        }
        compressor = try ZlibCompressor(level: 9)
        block.reserveCapacity(FailureSetFile.blockSize)
        try write(FailureSetFile.magic)
    }

    private func write(_ data: Data) throws {
        do { try handle.write(contentsOf: data) } catch {
            throw ExhaustiveError.io("cannot write \(url.path): \(systemReason(of: error))")
        }
        hasher.update(data: data)
        bytes += data.count
    }

    /// Appends record-stream bytes.
    func append<C: Collection>(raw: C) throws where C.Element == UInt8 {
        var rest = raw[...]
        while !rest.isEmpty {
            let take = min(FailureSetFile.blockSize - block.count, rest.count)
            block.append(contentsOf: rest.prefix(take))
            rest = rest.dropFirst(take)
            if block.count == FailureSetFile.blockSize {
                try compressor.compress(Data(block), finish: false, into: write)
                block.removeAll(keepingCapacity: true)
            }
        }
    }

    /// Ends the stream, syncs and closes the file; returns its size and SHA-256.
    func finish() throws -> DataFileRecord {
        try compressor.compress(Data(block), finish: true, into: write)
        block.removeAll()
        do {
            try handle.synchronize()
            try handle.close()
        } catch {
            throw ExhaustiveError.io("cannot write \(url.path): \(systemReason(of: error))")
        }
        return DataFileRecord(bytes: bytes, sha256: hasher.finalize().map { String(format: "%02x", $0) }.joined())
    }
}

/// Reads `failures.bin` in one streaming pass: hashes the bytes as it decompresses and
/// parses them, and (with `expected`) checks size and SHA-256 against the summary.
enum FailureSetReader {
    /// Calls `body` with every failure in index order until it returns false; returns the
    /// number of records read. With `expected`, the whole file is read and a size or
    /// digest mismatch is reported in preference to a parse error (an edited file is
    /// named as such). Errors name the file and the check.
    @discardableResult
    static func forEach(in url: URL, expected: DataFileRecord?, task: AdditionTask, range: Range<Int>,
                        _ body: (FailureRecord) throws -> Bool) throws -> Int {
        func fail(_ reason: String) -> ExhaustiveError { .malformedResult(file: url.path, reason: reason) }
        let handle: FileHandle
        do { handle = try FileHandle(forReadingFrom: url) } catch {
            throw ExhaustiveError.io("cannot read \(url.path): \(systemReason(of: error))")
        }
        defer { try? handle.close() }
        func read(_ count: Int) throws -> Data {
            do { return try handle.read(upToCount: count) ?? Data() } catch {
                throw ExhaustiveError.io("cannot read \(url.path): \(systemReason(of: error))")
            }
        }
        if let expected {
            let size: UInt64
            do { size = try handle.seekToEnd(); try handle.seek(toOffset: 0) } catch {
                throw ExhaustiveError.io("cannot read \(url.path): \(systemReason(of: error))")
            }
            guard size == UInt64(expected.bytes) else { throw fail("has \(size) bytes, summary.json records \(expected.bytes)") }
        }
        var hasher = Crypto.SHA256()
        var bytes = 0
        let magic = FailureSetFile.magic
        let head = try read(magic.count)
        hasher.update(data: head)
        bytes += head.count
        var problem: ExhaustiveError?
        if head != magic {
            let text = String(decoding: head.prefix(while: { $0 != 0x0A }), as: UTF8.self)
            problem = text.hasPrefix("carrylens-failures/")
                ? fail("format '\(text)' is not \(FailureSetFile.format), the only one this CarryLens reads; compute the result again with this version")
                : fail("is not a \(FailureSetFile.format) file")
        }
        let decompressor = try ZlibDecompressor()
        var decoder = FailureRecordDecoder(task: task, range: range)
        var stopped = false
        while true {
            let block = try read(1 << 20)
            if block.isEmpty { break }
            hasher.update(data: block)
            bytes += block.count
            guard problem == nil, !stopped else {
                if expected == nil { break } else { continue }
            }
            do {
                try decompressor.decompress(block) { chunk in
                    guard !stopped else { return }
                    if try !decoder.feed(chunk, body) { stopped = true }
                }
            } catch let error as ZlibDecompressor.Failure {
                problem = fail(error == .dataAfterEnd ? "has bytes after the end of its compressed stream" : "its compressed stream is corrupt")
            } catch let invalid as FailureRecordDecoder.Invalid {
                problem = fail(invalid.reason)
            }
            if stopped, expected == nil { return decoder.records }
        }
        if let expected {
            let digest = hasher.finalize().map { String(format: "%02x", $0) }.joined()
            guard bytes == expected.bytes else { throw fail("has \(bytes) bytes, summary.json records \(expected.bytes)") }
            guard digest == expected.sha256 else { throw fail("SHA-256 \(digest) differs from the \(expected.sha256) summary.json records") }
        }
        if let problem { throw problem }
        if stopped { return decoder.records }
        do { try decompressor.finish() } catch { throw fail("its compressed stream is cut short") }
        do { try decoder.finish() } catch let invalid as FailureRecordDecoder.Invalid { throw fail(invalid.reason) }
        return decoder.records
    }
}
