import Foundation

/// `checkpoint.json`: the state of an unfinished run, replaced atomically after a
/// completed chunk (at most every few seconds).
///
/// Every index below `nextIndex` is counted in `tally`, and its failures are the first
/// `failuresBytes` bytes of the record stream `failures.partial` (``FailureSetFile``),
/// whose last record is the failure at `previousFailureIndex` (the range's first index
/// − 1 before any); anything after that in the partial file is from after the
/// checkpoint and is cut off on resume. The tally keeps near ties as a bounded
/// ``NearTieLog``, so the file stays small (a few hundred KB) at any range size.
struct Checkpoint: Codable, Equatable {
    var format: String
    var identity: RunIdentity
    var chunkSize: Int
    var nextIndex: Int
    var failuresBytes: UInt64
    var previousFailureIndex: Int
    var tally: RunTally
    var elapsedSeconds: Double
    var resumes: Int

    /// Format 2: record stream and ``RunTally`` (format 1: CSV and every near tie).
    static let currentFormat = "carrylens-checkpoint/2"
}
