import Foundation

/// `checkpoint.json`: the state of an unfinished run, replaced atomically.
///
/// Every index below `nextIndex` is counted in `tally`, and its failures are the first
/// `failuresBytes` bytes of `failures.partial.csv` (header included); anything after
/// that in the partial file is from after the checkpoint and is cut off on resume.
struct Checkpoint: Codable, Equatable {
    var format: String
    var identity: RunIdentity
    var chunkSize: Int
    var nextIndex: Int
    var failuresBytes: UInt64
    var tally: EnumerationTally
    var elapsedSeconds: Double
    var resumes: Int

    static let currentFormat = "carrylens-checkpoint/1"

    enum CodingKeys: String, CodingKey {
        case format, identity
        case chunkSize = "chunk_size"
        case nextIndex = "next_index"
        case failuresBytes = "failures_bytes"
        case tally
        case elapsedSeconds = "elapsed_seconds"
        case resumes
    }
}
