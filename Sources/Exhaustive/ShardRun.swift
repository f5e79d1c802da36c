import AdditionTask
import Diagnostics
import Foundation
import Transformer

/// How a run ended.
public enum ShardRunOutcome: Sendable {
    /// Finished now; the directory holds the complete result.
    case completed(EnumerationResult, EnumerationTiming)
    /// `--resume` found the result already complete; nothing was evaluated.
    case alreadyComplete(EnumerationResult)
    /// Stopped by ``ShardRun/stopAfterChunks`` (a test hook); resume to finish.
    case interrupted(nextIndex: Int)
}

/// A file-backed enumeration of one range into a result directory, with checkpoints
/// and resume (behind `carrylens enumerate`).
///
/// Durability: failures are appended to `failures.partial` (the uncompressed record
/// stream of ``FailureSetFile``); after a completed chunk, once at least
/// ``checkpointInterval`` seconds have passed since the last checkpoint, it is fsynced
/// and `checkpoint.json` (the exact resume point: the end of that chunk, the counts, the
/// valid length of the partial file) is replaced atomically. Chunks are handed over in
/// index order as soon as they are done, so a crash loses only the chunks being
/// evaluated (one per thread) and those completed since the last checkpoint. A resumed
/// run cuts the partial file back to the checkpoint's length and continues from its
/// next index with the same chunk size, so the final `summary.json` and `failures.bin`
/// are byte-identical to an uninterrupted run. On completion: the record stream is
/// compressed into `failures.bin`, then `margins.json`, `timing.json` and last
/// `summary.json` are written, and the checkpoint and partial file removed.
public struct ShardRun {
    public let files: ResultFiles
    public let enumerator: Enumerator
    public let identity: RunIdentity

    /// Least seconds between checkpoints; 0 checkpoints after every completed chunk.
    public var checkpointInterval: TimeInterval = 5
    /// Also checkpoint after this many chunks (nil: time only).
    public var checkpointEveryChunks: Int?
    /// Test hook: stop after this many chunks of this invocation, without checkpointing
    /// the last one (as a crash would).
    public var stopAfterChunks: Int?
    /// Report progress on standard error when it is a terminal.
    public var showsProgress = true

    /// - Parameters:
    ///   - directory: the result directory (created if missing).
    ///   - model: identity of the model file the evaluator runs.
    ///   - range: the canonical indices to enumerate.
    public init(directory: URL, model: ModelIdentity, range: Range<Int>, enumerator: Enumerator) {
        files = ResultFiles(directory: directory)
        self.enumerator = enumerator
        identity = RunIdentity(
            model: model, evaluator: enumerator.evaluatorName,
            exactEvaluator: enumerator.exactEvaluator.map { String(describing: type(of: $0)) } ?? "none",
            nearTieRule: enumerator.nearTieRule.description,
            nDigits: enumerator.task.digitCount, firstIndex: range.lowerBound, count: range.count)
    }

    private var range: Range<Int> { identity.firstIndex..<(identity.firstIndex + identity.count) }
    private var directoryPath: String { files.directory.path }

    /// Runs, resumes or refuses.
    ///
    /// - `resume`: continue from a checkpoint of the same model, evaluator and range (an error
    ///   if the directory belongs to another one); start afresh if there is nothing to resume;
    ///   report an already complete result of the same run without evaluating anything.
    /// - `force`: discard whatever run is in the directory.
    /// - neither: refuse a directory holding a complete or interrupted run.
    public func run(resume: Bool, force: Bool) throws -> ShardRunOutcome {
        let fileManager = FileManager.default
        do {
            try fileManager.createDirectory(at: files.directory, withIntermediateDirectories: true)
        } catch {
            throw ExhaustiveError.io("cannot create \(directoryPath): \(systemReason(of: error))")
        }
        let lock = try DirectoryLock(files)
        defer { lock.release() }
        let hasSummary = files.exists(files.summary)
        let hasCheckpoint = files.exists(files.checkpoint)
        if force {
            for url in files.all where files.exists(url) {
                do { try fileManager.removeItem(at: url) } catch {
                    throw ExhaustiveError.io("cannot remove \(url.path): \(systemReason(of: error))")
                }
            }
        } else if resume {
            if hasSummary {
                let existing = try EnumerationResult.load(from: files.directory)
                try checkSameRun(existing.summary.identity)
                return .alreadyComplete(existing)
            }
            if hasCheckpoint { return try resumeFromCheckpoint() }
        } else if hasSummary {
            throw ExhaustiveError.existingResult(directory: directoryPath)
        } else if hasCheckpoint {
            throw ExhaustiveError.interruptedRunPresent(directory: directoryPath)
        } else if files.exists(files.failures) {
            throw ExhaustiveError.existingResult(directory: directoryPath)
        }
        return try startFresh()
    }

    private func checkSameRun(_ other: RunIdentity) throws {
        if let (field, found, expected) = other.firstDifference(from: identity, includingRange: true) {
            throw ExhaustiveError.resumeMismatch(directory: directoryPath, field: field, found: found, expected: expected)
        }
    }

    private func startFresh() throws -> ShardRunOutcome {
        try DurableFile.write(Data(), to: files.partialFailures)
        let state = Checkpoint(
            format: Checkpoint.currentFormat, identity: identity, chunkSize: enumerator.options.chunkSize,
            nextIndex: range.lowerBound, failuresBytes: 0, previousFailureIndex: range.lowerBound - 1,
            tally: RunTally(digitCount: identity.nDigits), elapsedSeconds: 0, resumes: 0)
        try DurableFile.write(CanonicalJSON.encode(state), to: files.checkpoint)
        return try continueRun(from: state, enumerator: enumerator)
    }

    private func resumeFromCheckpoint() throws -> ShardRunOutcome {
        struct FormatOnly: Decodable { var format: String }
        let found = try CanonicalJSON.decode(FormatOnly.self, from: files.checkpoint).format
        guard found == Checkpoint.currentFormat else {
            throw ExhaustiveError.corruptCheckpoint(directory: directoryPath, reason: "its format '\(found)' is not \(Checkpoint.currentFormat) (written by another CarryLens version)")
        }
        var state = try CanonicalJSON.decode(Checkpoint.self, from: files.checkpoint)
        try checkSameRun(state.identity)
        guard range.contains(state.nextIndex) || state.nextIndex == range.upperBound, state.chunkSize >= 1,
              state.previousFailureIndex >= range.lowerBound - 1, state.previousFailureIndex < state.nextIndex,
              state.tally.questions == state.nextIndex - range.lowerBound else {
            throw ExhaustiveError.corruptCheckpoint(directory: directoryPath, reason: "next index \(state.nextIndex) or its counts do not fit the run")
        }
        state.resumes += 1
        // Cut off failures written after the checkpoint.
        let handle: FileHandle
        do { handle = try FileHandle(forUpdating: files.partialFailures) } catch {
            throw ExhaustiveError.corruptCheckpoint(directory: directoryPath, reason: "cannot open failures.partial")
        }
        let length = try handle.seekToEnd()
        guard length >= state.failuresBytes else {
            try? handle.close()
            throw ExhaustiveError.corruptCheckpoint(directory: directoryPath, reason: "failures.partial has \(length) bytes, checkpoint expects \(state.failuresBytes)")
        }
        try handle.truncate(atOffset: state.failuresBytes)
        try handle.synchronize()
        try handle.close()
        // Same chunk boundaries as the interrupted run.
        var options = enumerator.options
        options.chunkSize = state.chunkSize
        options.nearTieRule = enumerator.nearTieRule
        let resumed = try Enumerator(evaluator: enumerator.evaluator, exactEvaluator: enumerator.exactEvaluator, options: options)
        return try continueRun(from: state, enumerator: resumed)
    }

    private func continueRun(from initial: Checkpoint, enumerator: Enumerator) throws -> ShardRunOutcome {
        var state = initial
        let n = identity.nDigits
        let started = Date()
        var lastCheckpoint = started
        var chunksSinceCheckpoint = 0
        var chunksThisRun = 0
        var interrupted = false
        let progress = showsProgress
            ? ProgressReporter(total: range.count, alreadyDone: state.nextIndex - range.lowerBound) : nil

        let handle: FileHandle
        do { handle = try FileHandle(forWritingTo: files.partialFailures) } catch {
            throw ExhaustiveError.io("cannot open \(files.partialFailures.path): \(systemReason(of: error))")
        }
        var handleOpen = true
        defer { if handleOpen { try? handle.close() } }
        try handle.seek(toOffset: state.failuresBytes)

        func writeCheckpoint() throws {
            try handle.synchronize()
            state.elapsedSeconds = initial.elapsedSeconds + Date().timeIntervalSince(started)
            try DurableFile.write(CanonicalJSON.encode(state), to: files.checkpoint)
            lastCheckpoint = Date()
            chunksSinceCheckpoint = 0
        }

        var encoder = FailureRecordEncoder(previousIndex: state.previousFailureIndex, digitCount: n)
        var bytes: [UInt8] = []
        try enumerator.enumerate(state.nextIndex..<range.upperBound) { chunk in
            if !chunk.failures.isEmpty {
                bytes.removeAll(keepingCapacity: true)
                for failure in chunk.failures { encoder.append(failure, to: &bytes) }
                do { try handle.write(contentsOf: Data(bytes)) } catch {
                    throw ExhaustiveError.io("cannot write \(files.partialFailures.path): \(systemReason(of: error))")
                }
                state.failuresBytes += UInt64(bytes.count)
                state.previousFailureIndex = encoder.previousIndex
            }
            state.tally.add(chunk.tally)
            state.nextIndex = chunk.range.upperBound
            chunksThisRun += 1
            chunksSinceCheckpoint += 1
            progress?.report(done: state.nextIndex - range.lowerBound)
            if let stop = stopAfterChunks, chunksThisRun >= stop, state.nextIndex < range.upperBound {
                interrupted = true
                return false
            }
            let chunkDue = checkpointEveryChunks.map { chunksSinceCheckpoint >= $0 } ?? false
            if chunkDue || Date().timeIntervalSince(lastCheckpoint) >= checkpointInterval {
                try writeCheckpoint()
            }
            return true
        }
        if interrupted {
            try handle.synchronize()
            return .interrupted(nextIndex: state.nextIndex)
        }
        try writeCheckpoint()
        handleOpen = false
        try handle.close()
        return try finish(state)
    }

    /// Turns a checkpoint at the end of the range into the final files.
    private func finish(_ state: Checkpoint) throws -> ShardRunOutcome {
        let record = try compressPartialFailures(bytes: state.failuresBytes)
        let summary = EnumerationSummary(identity: identity, tally: state.tally, dataFiles: [FailureSetFile.fileName: record])
        let margins = EnumerationMargins(firstIndex: identity.firstIndex, count: identity.count, tally: state.tally)
        let seconds = state.elapsedSeconds
        let timing = EnumerationTiming(
            seconds: seconds, sumsPerSecond: seconds > 0 ? Double(identity.count) / seconds : 0,
            threads: enumerator.options.threadCount, chunkSize: state.chunkSize, resumes: state.resumes,
            evaluation: (enumerator.evaluator as? any EvaluationPathReporting)?.evaluationPathReport())
        // summary.json last: a directory holds a complete result exactly when it exists.
        try DurableFile.write(CanonicalJSON.encode(margins), to: files.margins)
        try DurableFile.write(CanonicalJSON.encode(timing), to: files.timing)
        try DurableFile.write(CanonicalJSON.encode(summary), to: files.summary)
        for leftover in [files.checkpoint, files.partialFailures] {
            do { try FileManager.default.removeItem(at: leftover) } catch {
                throw ExhaustiveError.io("cannot remove \(leftover.path): \(systemReason(of: error))")
            }
        }
        let result = try EnumerationResult.load(from: files.directory)
        return .completed(result, timing)
    }

    /// Compresses the first `bytes` bytes of the partial record stream into `failures.bin`
    /// (written beside it and renamed into place); returns its size and digest.
    private func compressPartialFailures(bytes: UInt64) throws -> DataFileRecord {
        let temporary = files.directory.appendingPathComponent(".\(FailureSetFile.fileName).tmp-\(getpid())")
        do {
            let writer = try FailureSetWriter(url: temporary)
            var reader: FileHandle
            do { reader = try FileHandle(forReadingFrom: files.partialFailures) } catch {
                throw ExhaustiveError.io("cannot read \(files.partialFailures.path): \(systemReason(of: error))")
            }
            defer { try? reader.close() }
            var remaining = bytes
            while remaining > 0 {
                let block: Data
                do { block = try reader.read(upToCount: Int(min(remaining, UInt64(FailureSetFile.blockSize)))) ?? Data() } catch {
                    throw ExhaustiveError.io("cannot read \(files.partialFailures.path): \(systemReason(of: error))")
                }
                guard !block.isEmpty else {
                    throw ExhaustiveError.corruptCheckpoint(directory: directoryPath, reason: "failures.partial ends before the \(bytes) bytes the checkpoint records")
                }
                try writer.append(raw: block)
                remaining -= UInt64(block.count)
            }
            let record = try writer.finish()
            try DurableFile.rename(temporary, to: files.failures)
            return record
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
    }
}
