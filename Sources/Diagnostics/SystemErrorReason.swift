import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The `Diagnostics` module turns errors from the operating system and from Foundation's
/// decoders into plain messages: the OS's own reason (`strerror`) instead of Foundation's
/// codes, the field and the problem instead of `DecodingError` dumps.

/// The operating system's wording of `errno` `code`: `No space left on device`.
public func systemReason(errno code: Int32) -> String {
    String(cString: strerror(code))
}

/// Why a file operation failed, in the operating system's words when the OS gave a reason.
///
/// Foundation wraps OS errors (`NSCocoaErrorDomain error 512`, "The file doesn’t exist.")
/// and keeps the OS's `errno` as the underlying error; this digs it out and words it
/// with `strerror` (`Read-only file system`, `No space left on device`, `Not a directory`).
/// A decoding error is described by ``decodingProblem(_:)``; any other error by its description.
public func systemReason(of error: Error) -> String {
    if let code = posixCode(of: error) { return systemReason(errno: code) }
    if let decoding = error as? DecodingError { return decodingProblem(decoding) }
    let ns = error as NSError
    if ns.domain == NSCocoaErrorDomain, let code = cocoaFileErrorCodes[ns.code] { return systemReason(errno: code) }
    if ns.domain == NSCocoaErrorDomain { return "file operation failed (Foundation error \(ns.code), no reason given by the system)" }
    return String(describing: error)
}

/// The `errno` behind `error`: a POSIX error itself, or the nearest POSIX error among
/// its underlying errors.
private func posixCode(of error: Error) -> Int32? {
    var current: Error? = error
    var depth = 0
    while let error = current, depth < 8 {
        if let posix = error as? POSIXError { return posix.code.rawValue }
        let ns = error as NSError
        if ns.domain == NSPOSIXErrorDomain { return Int32(truncatingIfNeeded: ns.code) }
        // The underlying error may be stored as an NSError or as a Swift error.
        let underlying = ns.userInfo[NSUnderlyingErrorKey]
        current = (underlying as? POSIXError) ?? (underlying as? NSError) ?? (underlying as? Error)
        depth += 1
    }
    return nil
}

/// Foundation's file error codes that stand for one OS error, for errors without an
/// underlying POSIX error.
private let cocoaFileErrorCodes: [Int: Int32] = [
    CocoaError.fileNoSuchFile.rawValue: ENOENT,
    CocoaError.fileReadNoSuchFile.rawValue: ENOENT,
    CocoaError.fileReadNoPermission.rawValue: EACCES,
    CocoaError.fileWriteNoPermission.rawValue: EACCES,
    CocoaError.fileWriteOutOfSpace.rawValue: ENOSPC,
    CocoaError.fileWriteVolumeReadOnly.rawValue: EROFS,
    CocoaError.fileWriteFileExists.rawValue: EEXIST,
    CocoaError.fileReadTooLarge.rawValue: EFBIG,
]

/// A failed file operation: what was attempted, on which path, and the OS's reason.
///
/// `description`: `cannot write out/summary.json: No space left on device`.
public struct FileOperationError: Error, Equatable, CustomStringConvertible {
    /// `read`, `write`, `create directory`, …
    public let operation: String
    public let path: String
    public let reason: String

    public init(_ operation: String, path: String, reason: String) {
        self.operation = operation
        self.path = path
        self.reason = reason
    }

    /// The error `error` of `operation` on `path`, with the OS's reason.
    public init(_ operation: String, path: String, error: Error) {
        self.init(operation, path: path, reason: systemReason(of: error))
    }

    /// The error of `operation` on `path` that just set `errno`.
    public static func lastSystemError(_ operation: String, path: String) -> FileOperationError {
        FileOperationError(operation, path: path, reason: systemReason(errno: errno))
    }

    public var description: String { "cannot \(operation) \(path): \(reason)" }
}
