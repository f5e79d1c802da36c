import AdditionTask
import ArgumentParser
import Exhaustive
import Foundation
import Transformer

/// `carrylens compare A B`: two models (or two enumeration results) side by side.
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare two models of the same n question by question: answers that differ, failures of one only and of both, per digit and carry pattern.",
        discussion: """
        A and B are two model files (safetensors or PyTorch checkpoints), decided as `enumerate` \
        decides (fast fp32 path, near ties re-decided in fp64) over every question when there are \
        at most --max-exhaustive of them, else over a seeded uniform sample of --sample questions \
        (with 95% Wilson intervals); or two enumeration result directories (from `enumerate` or \
        `merge`) of the same n covering the same range, verified before they are read. See docs/cli.md.
        """)

    @Argument(help: "The first model file, or the first enumeration result directory.")
    var first: String

    @Argument(help: "The second model file, or the second enumeration result directory.")
    var second: String

    @Option(help: "Compare on a seeded uniform sample of this many questions (default: every question if there are at most --max-exhaustive, else 200,000).")
    var sample: Int?

    @Option(help: "Seed of the sample.")
    var seed: UInt64 = 129

    @Option(help: "Largest number of questions (10^(2n)) compared exhaustively without --sample.")
    var maxExhaustive = 10_000_000

    @Option(help: "Worker threads.")
    var threads = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "How many differing questions to list.")
    var list = 20

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func validate() throws {
        if let sample { guard sample >= 1 else { throw ValidationError("--sample must be at least 1") } }
        guard maxExhaustive >= 0 else { throw ValidationError("--max-exhaustive must be non-negative") }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        guard list >= 0 else { throw ValidationError("--list must be non-negative") }
    }

    func run() throws {
        let comparison: ModelComparison
        do {
            switch (try Self.kind(of: first), try Self.kind(of: second)) {
            case (.directory, .directory):
                guard sample == nil else { throw CLIError("--sample applies to model files; result directories are compared over the range they cover", status: .usage) }
                comparison = try compareResults()
            case (.file, .file):
                comparison = try compareModels()
            default:
                throw CLIError("give two model files or two result directories, not one of each", status: .usage)
            }
        } catch let error as ExhaustiveError {
            throw CLIError(error)
        } catch let error as ComparisonError {
            throw CLIError(error.description, status: .badInput)
        }
        print(json ? try encodeJSON(comparison) : ComparisonText(comparison).text)
    }

    private enum PathKind { case file, directory }

    private static func kind(of path: String) throws -> PathKind {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw CLIError("no such model file or result directory '\(path)'")
        }
        return isDirectory.boolValue ? .directory : .file
    }

    /// Two model files: both decided over the same scope.
    private func compareModels() throws -> ModelComparison {
        let urls = [URL(fileURLWithPath: first), URL(fileURLWithPath: second)]
        var models: [AdditionModel] = []
        for (url, path) in zip(urls, [first, second]) {
            do { models.append(try AdditionModel(contentsOf: url)) } catch {
                throw CLIError("cannot load model '\(path)': \(error)")
            }
        }
        let (a, b) = (models[0], models[1])
        guard a.config.nDigits == b.config.nDigits else {
            throw ComparisonError.differentDigitCount(first: a.config.nDigits, second: b.config.nDigits)
        }
        let task = a.task
        let scope: ComparisonScope
        if let sample {
            scope = .sample(size: sample, seed: seed, task: task)
        } else if task.questionCount <= maxExhaustive {
            scope = .range(0..<task.questionCount, task: task)
        } else {
            scope = .sample(size: 200_000, seed: seed, task: task)
        }
        let decisions = try zip(models, urls).map { model, url in
            let fast = makeFastEvaluator(model)
            let enumerator = try Enumerator(evaluator: fast, exactEvaluator: makeExactEvaluator(for: fast, model: model),
                                            options: EnumerationOptions(threadCount: threads))
            printError("deciding \(scope.count) questions with \(url.lastPathComponent)")
            let progress = ProgressReporter(total: scope.count)
            return try ComparedDecisions.decide(scope, with: enumerator, model: ModelIdentity(fileAt: url)) { progress.report(done: $0) }
        }
        return ModelComparison(task: task, scope: scope, first: decisions[0], second: decisions[1], listLimit: list)
    }

    /// Two enumeration result directories of the same n and range.
    private func compareResults() throws -> ModelComparison {
        let results = try [first, second].map { path -> EnumerationResult in
            let url = URL(fileURLWithPath: path)
            if let format = Self.summaryFormat(in: url), format.hasPrefix("carrylens-sample") {
                throw ComparisonError.sampleResult(path)
            }
            return try EnumerationResult.load(from: url)
        }
        let (a, b) = (results[0].summary, results[1].summary)
        guard a.nDigits == b.nDigits else { throw ComparisonError.differentDigitCount(first: a.nDigits, second: b.nDigits) }
        guard a.range == b.range else {
            throw ComparisonError.differentRange(first: "[\(a.range.lowerBound), \(a.range.upperBound))",
                                                 second: "[\(b.range.lowerBound), \(b.range.upperBound))")
        }
        let task = try results[0].task()
        return ModelComparison(task: task, scope: .range(a.range, task: task),
                               first: try ComparedDecisions(result: results[0]), second: try ComparedDecisions(result: results[1]),
                               listLimit: list)
    }

    /// The `format` field of DIR/summary.json, if it can be read.
    private static func summaryFormat(in directory: URL) -> String? {
        struct Format: Decodable { var format: String }
        guard let data = try? Data(contentsOf: directory.appendingPathComponent("summary.json")) else { return nil }
        return try? JSONDecoder().decode(Format.self, from: data).format
    }
}

/// The text report of a ``ModelComparison``.
struct ComparisonText {
    let comparison: ModelComparison

    init(_ comparison: ModelComparison) { self.comparison = comparison }

    var text: String {
        let c = comparison
        let scope = c.scope
        var lines: [String] = []
        lines.append("A: \(c.first.model.file) (sha256 \(c.first.model.sha256.prefix(12))…)")
        lines.append("B: \(c.second.model.file) (sha256 \(c.second.model.sha256.prefix(12))…)")
        switch scope.kind {
        case .range:
            let start = scope.firstIndex ?? 0
            lines.append("questions: " + (scope.isWholeSpace ? "every question of \(c.nDigits)-digit addition" : "indices [\(start), \(start + scope.count))")
                         + " (\(grouped(scope.count)))")
        case .sample:
            lines.append("questions: uniform sample of \(grouped(scope.count)) of \(grouped(scope.population)), seed \(scope.seed ?? 0); rates with 95% Wilson intervals; nothing is claimed outside the sample")
        }
        lines.append("decided as enumerate decides: fast fp32 path, digits within their rounding bound re-decided in fp64")
        func count(_ value: Int, _ interval: WilsonInterval?) -> String {
            grouped(value) + (interval.map { String(format: " (%.4f%%, 95%% CI %.4f–%.4f%%)", 100 * Double(value) / Double(max(scope.count, 1)), 100 * $0.low, 100 * $0.high) } ?? "")
        }
        lines.append("A wrong: " + count(c.first.failures, c.rates?.firstFailure) + ", undecided \(c.first.undecided.count)")
        lines.append("B wrong: " + count(c.second.failures, c.rates?.secondFailure) + ", undecided \(c.second.undecided.count)")
        lines.append("answers differ: " + count(c.outcomes.answersDiffer, c.rates?.answersDiffer)
                     + (c.differingUndecided > 0 ? " (\(c.differingUndecided) of them undecided in A or B)" : ""))
        lines.append("")
        lines.append(padRight("outcome", 32) + "questions")
        let names: [(ComparisonOutcome, String)] = [
            (.bothCorrect, "both correct"), (.onlyFirstWrong, "only A wrong"), (.onlySecondWrong, "only B wrong"),
            (.bothWrongSameAnswer, "both wrong, same answer"), (.bothWrongDifferentAnswers, "both wrong, different answers"),
        ]
        for (outcome, name) in names {
            let interval: WilsonInterval? = {
                switch outcome {
                case .onlyFirstWrong: return c.rates?.onlyFirstWrong
                case .onlySecondWrong: return c.rates?.onlySecondWrong
                default: return nil
                }
            }()
            lines.append(padRight(name, 32) + count(c.outcomes[outcome], interval))
        }
        lines.append("")
        lines.append("per answer digit: " + padRight("only A wrong", 14) + padRight("only B wrong", 14) + padRight("both wrong", 12) + "predictions differ")
        for digit in c.perDigit {
            lines.append("  " + padRight(digit.digit, 16) + padRight(grouped(digit.onlyFirstWrong), 14) + padRight(grouped(digit.onlySecondWrong), 14)
                         + padRight(grouped(digit.bothWrong), 12) + grouped(digit.predictionsDiffer))
        }
        lines.append("")
        if c.byPattern.isEmpty {
            lines.append("by carry pattern: no wrong answers in either model")
        } else {
            lines.append("by carry pattern (column classes, most significant first; patterns with a wrong answer):")
            lines.append("  " + padRight("pattern", max(9, c.nDigits + 2)) + padRight("only A wrong", 14) + padRight("only B wrong", 14) + padRight("both, same", 12) + "both, different")
            for (pattern, counts) in c.byPattern.sorted(by: { $0.key < $1.key }) {
                lines.append("  " + padRight(pattern, max(9, c.nDigits + 2)) + padRight(grouped(counts.onlyFirstWrong), 14)
                             + padRight(grouped(counts.onlySecondWrong), 14) + padRight(grouped(counts.bothWrongSameAnswer), 12)
                             + grouped(counts.bothWrongDifferentAnswers))
            }
        }
        lines.append("")
        if c.outcomes.answersDiffer == 0 {
            lines.append("questions whose answers differ: none")
        } else {
            lines.append("questions whose answers differ (first \(c.differing.count) of \(grouped(c.outcomes.answersDiffer)), index order):")
            let questionWidth = max(10, 2 * c.nDigits + 3), answerWidth = max(6, c.nDigits + 3)
            lines.append("  " + padRight("question", questionWidth) + padRight("true", answerWidth) + padRight("A", answerWidth) + padRight("B", answerWidth) + "pattern")
            for question in c.differing {
                lines.append("  " + padRight(question.question, questionWidth) + padRight(question.trueAnswer, answerWidth)
                             + padRight(question.firstAnswer, answerWidth) + padRight(question.secondAnswer, answerWidth) + question.pattern)
            }
        }
        return lines.joined(separator: "\n")
    }
}

/// `value` with thousands separators: 1,000,000.
func grouped(_ value: Int) -> String { DecimalText.grouped(value) }
