import AdditionTask
import Diagnostics
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The files of a result directory.
public struct ResultFiles: Sendable {
    public let directory: URL
    public init(directory: URL) { self.directory = directory }

    /// Written last when a run completes; its presence means complete.
    public var summary: URL { directory.appendingPathComponent("summary.json") }
    /// The failures, compact (``FailureSetFile``), in index order.
    public var failures: URL { directory.appendingPathComponent(FailureSetFile.fileName) }
    /// The fast path's margins and near ties as this machine computed them (``EnumerationMargins``).
    public var margins: URL { directory.appendingPathComponent("margins.json") }
    /// Run-dependent facts: time, threads, CPU and kernels.
    public var timing: URL { directory.appendingPathComponent("timing.json") }
    /// State of an unfinished run.
    public var checkpoint: URL { directory.appendingPathComponent("checkpoint.json") }
    /// Failures so far of an unfinished run, as an uncompressed record stream
    /// (``FailureSetFile``); only the first `failures_bytes` bytes (see checkpoint) are valid.
    public var partialFailures: URL { directory.appendingPathComponent("failures.partial") }

    /// Held locked (flock) while a run writes the directory.
    public var lock: URL { directory.appendingPathComponent(".lock") }

    /// Every file a run may leave, for `--force`.
    var all: [URL] { [summary, failures, margins, timing, checkpoint, partialFailures, legacyFailuresCSV, legacyPartialCSV] }

    /// Files of result format 2, removed by `--force` too.
    var legacyFailuresCSV: URL { directory.appendingPathComponent("failures.csv") }
    var legacyPartialCSV: URL { directory.appendingPathComponent("failures.partial.csv") }

    func exists(_ url: URL) -> Bool { FileManager.default.fileExists(atPath: url.path) }
}

/// Reading result files written with ``CanonicalJSON``.
extension CanonicalJSON {
    static func decode<T: Decodable>(_ type: T.Type, from url: URL) throws -> T {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ExhaustiveError.io("cannot read \(url.path): \(systemReason(of: error))")
        }
        do { return try CanonicalJSON.decode(type, from: data) } catch {
            throw ExhaustiveError.malformedResult(file: url.path, reason: systemReason(of: error))
        }
    }
}

/// Durable file operations: write to a temporary file in the same directory, fsync, rename.
enum DurableFile {
    /// Replaces `url` atomically with `data`.
    static func write(_ data: Data, to url: URL) throws {
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        do { try data.write(to: temporary) } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw ExhaustiveError.io("cannot write \(temporary.path): \(systemReason(of: error))")
        }
        try sync(temporary)
        try rename(temporary, to: url)
    }

    /// Renames `source` over `destination` and syncs the directory.
    static func rename(_ source: URL, to destination: URL) throws {
        guard Foundation.rename(source.path, destination.path) == 0 else {
            throw ExhaustiveError.io("cannot rename \(source.path) to \(destination.path): \(systemReason(errno: errno))")
        }
        try sync(destination.deletingLastPathComponent())
    }

    /// fsync of a file or directory.
    static func sync(_ url: URL) throws {
        let descriptor = open(url.path, O_RDONLY)
        guard descriptor >= 0 else { throw ExhaustiveError.io("cannot open \(url.path): \(systemReason(errno: errno))") }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw ExhaustiveError.io("cannot fsync \(url.path): \(systemReason(errno: errno))") }
    }
}

/// An exclusive advisory lock on a result directory, released when the process ends
/// (also on `kill -9`) or on ``release()``.
final class DirectoryLock {
    private var descriptor: Int32

    /// Takes the lock or throws ``ExhaustiveError/directoryInUse(_:)`` at once.
    init(_ files: ResultFiles) throws {
        descriptor = open(files.lock.path, O_RDWR | O_CREAT, 0o644)
        guard descriptor >= 0 else {
            throw ExhaustiveError.io("cannot create \(files.lock.path): \(systemReason(errno: errno))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            descriptor = -1
            throw ExhaustiveError.directoryInUse(files.directory.path)
        }
    }

    func release() {
        guard descriptor >= 0 else { return }
        flock(descriptor, LOCK_UN)
        close(descriptor)
        descriptor = -1
    }

    deinit { release() }
}
