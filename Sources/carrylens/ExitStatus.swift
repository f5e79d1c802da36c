import AdditionTask
import ArgumentParser
import Diagnostics
import Exhaustive
import Foundation
import Proofs
import Reports
import Transformer
import Verification

/// The exit status of every `carrylens` command (docs/cli.md, "Errors and exit status").
///
/// A command that did its job exits 0, whatever it found: wrong answers of the network,
/// disproved claims and failed proofs are results, written to the output.
enum ExitStatus: Int32, CaseIterable {
    /// The command did its job.
    case success = 0
    /// A check of results failed: a result file is malformed or contradicts the others,
    /// shards do not fit together (gaps, overlaps, other models), a checkpoint is unusable.
    case checkFailed = 1
    /// An input named on the command line is missing or malformed: a model file, a
    /// question, a question file, an algorithm file, a directory that holds no result.
    case badInput = 2
    /// The command line is wrong: unknown option, bad option value, missing argument,
    /// conflicting flags, or an output directory whose state needs `--force`/`--resume`.
    case usage = 64
    /// A bug: something CarryLens never expects happened.
    case internalError = 70
    /// The operating system refused a file operation (disk full, read-only file system,
    /// a file where a directory is expected); the message gives the OS's reason.
    case ioError = 74
}

/// A user-facing error: printed as `Error: <message>` on standard error, exiting with `status`.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    let status: ExitStatus

    init(_ message: String, status: ExitStatus = .badInput) {
        description = message
        self.status = status
    }

    /// An error of the enumeration layer, with the status of its kind.
    init(_ error: ExhaustiveError) {
        self.init(error.description, status: Self.status(of: error))
    }

    /// Any error a command's `run()` let escape, classified.
    init(classifying error: Error) {
        switch error {
        case let error as CLIError: self = error
        case let error as ExhaustiveError: self.init(error)
        case let error as ReportError:
            switch error {
            case .missing: self.init(error.description, status: .badInput)
            case .malformed: self.init(error.description, status: .checkFailed)
            }
        case let error as FileOperationError: self.init(error.description, status: .ioError)
        case let error as ValidationError: self.init(error.message, status: .usage)
        case let error as VerificationError:
            switch error {
            case .interrupted: self.init(error.description, status: .internalError)
            case .resultsForOtherDigitCount: self.init(error.description, status: .checkFailed)
            }
        case is ModelError, is SafeTensorsError, is StrictJSONError, is AdditionTaskError, is QuestionLineError, is AlgorithmError:
            self.init("\(error)", status: .badInput)
        case let error as DecodingError: self.init("malformed input: \(decodingProblem(error))", status: .badInput)
        default:
            let ns = error as NSError
            if ns.domain == NSCocoaErrorDomain || ns.domain == NSPOSIXErrorDomain {
                let path = (ns.userInfo[NSFilePathErrorKey] as? String) ?? (ns.userInfo[NSURLErrorKey] as? URL)?.path
                self.init((path.map { "\($0): " } ?? "") + systemReason(of: error), status: .ioError)
            } else {
                self.init("internal error: \(error)", status: .internalError)
            }
        }
    }

    private static func status(of error: ExhaustiveError) -> ExitStatus {
        switch error {
        case .malformedShard, .invalidChunkSize, .invalidThreadCount, .existingResult, .interruptedRunPresent,
             .resumeMismatch, .directoryInUse, .nothingToMerge, .outputOverlapsInput, .malformedPatternFilter, .invalidDigitFilter,
             .invalidCascadeFilter, .invalidSelection:
            return .usage
        case .notAResultDirectory, .incompleteResult:
            return .badInput
        case .corruptCheckpoint, .malformedResult, .mergeMismatch, .mergeGap, .mergeOverlap, .modelMismatch, .resultsOverlap:
            return .checkFailed
        case .evaluatorMismatch:
            return .internalError
        case .io:
            return .ioError
        @unknown default:
            return .internalError
        }
    }
}

extension CarryLens {
    /// Parses the command line (usage errors exit 64 through ArgumentParser), runs the
    /// command, and maps any error to its ``ExitStatus``.
    static func runClassifyingErrors() -> Never {
        var command: ParsableCommand
        do { command = try parseAsRoot() } catch { exit(withError: error) }
        do {
            try command.run()
        } catch let error as ExitCode {
            exit(withError: error)
        } catch let error as CleanExit {
            exit(withError: error)
        } catch where isArgumentParserError(error) {
            // `--help`, `help <command>` and `--version` arrive here as ArgumentParser's own errors
            // thrown by its built-in help command: it prints them (help text, exit 0).
            exit(withError: error)
        } catch {
            let failure = CLIError(classifying: error)
            printError("Error: \(failure.description)")
            Foundation.exit(failure.status.rawValue)
        }
        Foundation.exit(ExitStatus.success.rawValue)
    }

    /// Whether `error` is one of ArgumentParser's own (help requests and parse errors of its built-in commands).
    static func isArgumentParserError(_ error: Error) -> Bool {
        String(reflecting: type(of: error)).hasPrefix("ArgumentParser.")
    }
}
