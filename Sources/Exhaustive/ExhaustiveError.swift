import Diagnostics
import Foundation

/// Errors of enumeration, result directories and merging. Every case says what to do.
public enum ExhaustiveError: Error, Equatable, CustomStringConvertible {
    case malformedShard(String)
    case invalidChunkSize(Int)
    case invalidThreadCount(Int)
    case evaluatorMismatch(expected: Int, got: Int, range: String)
    case existingResult(directory: String)
    case interruptedRunPresent(directory: String)
    case resumeMismatch(directory: String, field: String, found: String, expected: String)
    case corruptCheckpoint(directory: String, reason: String)
    case notAResultDirectory(String)
    case incompleteResult(String)
    case malformedResult(file: String, reason: String)
    case mergeMismatch(field: String, first: String, other: String, directory: String)
    case mergeGap(after: Int, nextStart: Int)
    case mergeOverlap(at: Int, directories: [String])
    case nothingToMerge
    case outputOverlapsInput(output: String, input: String)
    case malformedPatternFilter(String, digitCount: Int)
    case invalidDigitFilter(Int, digitCount: Int)
    case invalidCascadeFilter(Int, digitCount: Int)
    case invalidSelection(String)
    case modelMismatch(directory: String, found: String, expected: String)
    case resultsOverlap(at: Int, directories: [String])
    case directoryInUse(String)
    case io(String)

    public var description: String {
        switch self {
        case .malformedShard(let text):
            return "malformed shard \(excerpt(text)): expected I/N with integers 0 ≤ I < N, e.g. 3/16"
        case .invalidChunkSize(let size):
            return "invalid chunk size \(size): must be at least 1"
        case .invalidThreadCount(let count):
            return "invalid thread count \(count): must be at least 1"
        case .evaluatorMismatch(let expected, let got, let range):
            return "evaluator returned \(got) evaluations for \(expected) questions (range \(range)) or with wrong indices"
        case .existingResult(let directory):
            return "\(directory) already holds a complete result; pass --force to overwrite it or choose another --out"
        case .interruptedRunPresent(let directory):
            return "\(directory) holds an interrupted run; pass --resume to continue it or --force to discard it"
        case .resumeMismatch(let directory, let field, let found, let expected):
            return "cannot resume in \(directory): its \(field) is \(found) but this run's is \(expected); use another --out or --force to start over"
        case .corruptCheckpoint(let directory, let reason):
            return "checkpoint in \(directory) is unusable: \(reason); pass --force to start over"
        case .notAResultDirectory(let directory):
            return "\(directory) is not a CarryLens result directory (no readable summary.json)"
        case .incompleteResult(let directory):
            return "\(directory) holds an incomplete result; finish it with `carrylens enumerate ... --resume` first"
        case .malformedResult(let file, let reason):
            return "\(file) is malformed: \(reason)"
        case .mergeMismatch(let field, let first, let other, let directory):
            return "cannot merge: \(directory) has \(field) \(other) but the others have \(first)"
        case .mergeGap(let after, let nextStart):
            return "cannot merge: indices [\(after), \(nextStart)) are covered by no shard"
        case .mergeOverlap(let at, let directories):
            return "cannot merge: shards \(directories.joined(separator: " and ")) overlap at index \(at)"
        case .nothingToMerge:
            return "nothing to merge: give at least one result directory"
        case .outputOverlapsInput(let output, let input):
            return "cannot merge into \(output): it is, contains or lies inside the input \(input); choose an --out apart from every input (nothing was written)"
        case .malformedPatternFilter(let text, let n):
            return "malformed pattern \(excerpt(text)): expected \(n) characters, each C, 9, _ or ? (most significant column first)"
        case .invalidDigitFilter(let k, let n):
            return "invalid answer digit \(k): must be between 0 and \(n) (A0..A\(n))"
        case .invalidCascadeFilter(let k, let n):
            return "invalid cascade length \(k): must be between 0 and \(n)"
        case .invalidSelection(let reason):
            return reason
        case .modelMismatch(let directory, let found, let expected):
            return "\(directory) holds results of the model \(found), not of \(expected); results are only read for the model file they were computed from"
        case .resultsOverlap(let at, let directories):
            return "results \(directories.joined(separator: " and ")) overlap at index \(at); give each question's result once"
        case .directoryInUse(let directory):
            return "\(directory) is in use by another carrylens process; give each run its own --out"
        case .io(let message):
            return message
        }
    }
}
