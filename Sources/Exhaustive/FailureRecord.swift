import AdditionTask
import Diagnostics
import Foundation

/// One question the network gets wrong: at least one answer digit differs from true addition.
public struct FailureRecord: Equatable, Hashable, Sendable {
    /// Canonical index a·10^n + b.
    public var index: Int
    public var a: Int
    public var b: Int
    /// The model's answer A(n)..A0, one character per digit (`+` / `=` for tokens 10 / 11).
    public var modelAnswer: String
    /// The true answer A(n)..A0, zero padded to n + 1 digits.
    public var trueAnswer: String
    /// The wrong answer digits, most significant first (e.g. A3, A2).
    public var wrongDigits: [AnswerDigit]
    /// The carry pattern, most significant column first (`C` ≥ 10, `9` = 9, `_` < 9).
    public var pattern: String
    /// Per wrong digit (aligned with ``wrongDigits``): the carry cascade length into that digit.
    public var cascadeLengths: [Int]

    public init(index: Int, a: Int, b: Int, modelAnswer: String, trueAnswer: String,
                wrongDigits: [AnswerDigit], pattern: String, cascadeLengths: [Int]) {
        self.index = index; self.a = a; self.b = b
        self.modelAnswer = modelAnswer; self.trueAnswer = trueAnswer
        self.wrongDigits = wrongDigits; self.pattern = pattern; self.cascadeLengths = cascadeLengths
    }

    /// Compares predicted digits A(n)..A0 with true addition; nil when every digit is right.
    public static func check(question: Question, predicted: [UInt8]) -> FailureRecord? {
        let truth = question.answerDigits
        let n = question.task.digitCount
        var wrong: [AnswerDigit] = []
        for (row, trueDigit) in truth.enumerated() {
            let guess = row < predicted.count ? Int(predicted[row]) : -1
            if guess != trueDigit { wrong.append(AnswerDigit(place: n - row)) }
        }
        guard !wrong.isEmpty else { return nil }
        let chain = question.carries
        return FailureRecord(
            index: question.index, a: question.a, b: question.b,
            modelAnswer: answerText(predicted), trueAnswer: question.answerText,
            wrongDigits: wrong, pattern: question.pattern.description,
            cascadeLengths: wrong.map { chain.cascadeLength(into: $0.place) })
    }

    /// Predicted tokens written as text: digits as themselves, 10 as `+`, 11 as `=`, anything else `?`.
    public static func answerText(_ predicted: [UInt8]) -> String {
        String(predicted.map { token -> Character in
            switch token {
            case 0...9: return Character(String(token))
            case UInt8(Token.plus): return "+"
            case UInt8(Token.equals): return "="
            default: return "?"
            }
        })
    }

    /// The largest carry cascade length over the wrong digits.
    public var longestCascade: Int { cascadeLengths.max() ?? 0 }

    // MARK: CSV

    /// Header of `failures.csv`.
    public static let csvHeader = "a,b,model_answer,true_answer,wrong_digits,pattern,cascade_lengths"

    /// The CSV row (no newline): operands padded to n digits, answers to n + 1.
    public func csvRow(digitCount n: Int) -> String {
        [padded(a, n), padded(b, n), modelAnswer, trueAnswer,
         wrongDigits.map(\.description).joined(separator: ";"), pattern,
         cascadeLengths.map(String.init).joined(separator: ";")].joined(separator: ",")
    }

    /// Parses a row written by ``csvRow(digitCount:)``.
    /// Calls `body` with each record of a `failures.csv` file, streaming it.
    public static func forEachRecord(inCSV url: URL, task: AdditionTask, _ body: (FailureRecord) throws -> Void) throws {
        var reader = try LineReader(url: url)
        defer { reader.close() }
        guard let header = try reader.nextLine(), header == csvHeader else {
            throw ExhaustiveError.malformedResult(file: url.path, reason: "missing header '\(csvHeader)'")
        }
        while let line = try reader.nextLine() {
            if line.isEmpty { continue }
            try body(FailureRecord(csvRow: Substring(line), task: task))
        }
    }

    /// Every record of a `failures.csv` file.
    public static func readCSV(at url: URL, task: AdditionTask) throws -> [FailureRecord] {
        var records: [FailureRecord] = []
        try forEachRecord(inCSV: url, task: task) { records.append($0) }
        return records
    }

    public init(csvRow line: Substring, task: AdditionTask) throws {
        let fields = line.split(separator: ",", omittingEmptySubsequences: false)
        func bad(_ reason: String) -> ExhaustiveError {
            .malformedResult(file: "failures.csv", reason: "row \(excerpt(line)): \(reason)")
        }
        guard fields.count == 7 else { throw bad("expected 7 fields") }
        guard let a = task.parseOperand(utf8: fields[0].utf8), let b = task.parseOperand(utf8: fields[1].utf8) else {
            throw bad("operands out of range")
        }
        var wrong: [AnswerDigit] = []
        for name in fields[4].split(separator: ";") {
            guard name.first == "A", let place = Int(name.dropFirst()) else { throw bad("wrong digit \(excerpt(name))") }
            wrong.append(AnswerDigit(place: place))
        }
        var cascades: [Int] = []
        for text in fields[6].split(separator: ";") {
            guard let value = Int(text) else { throw bad("cascade length \(excerpt(text))") }
            cascades.append(value)
        }
        guard cascades.count == wrong.count else { throw bad("cascade lengths not aligned with wrong digits") }
        self.init(index: a * task.operandCount + b, a: a, b: b,
                  modelAnswer: String(fields[2]), trueAnswer: String(fields[3]),
                  wrongDigits: wrong, pattern: String(fields[5]), cascadeLengths: cascades)
    }

    // MARK: JSON lines

    /// One JSON object with sorted keys: a, b, cascade_lengths, index, model_answer, pattern,
    /// true_answer, wrong_digits. Numbers (operands, index, lengths) are JSON numbers; answers
    /// (zero padded to n + 1 digits), patterns and digit names are strings (docs/cli.md).
    public func jsonLine(digitCount n: Int) -> String {
        func quoted(_ text: String) -> String { "\"" + text + "\"" }  // fields hold only [0-9A-Z;+=?_]
        return "{" + [
            "\"a\":\(a)",
            "\"b\":\(b)",
            "\"cascade_lengths\":[" + cascadeLengths.map(String.init).joined(separator: ",") + "]",
            "\"index\":\(index)",
            "\"model_answer\":" + quoted(modelAnswer),
            "\"pattern\":" + quoted(pattern),
            "\"true_answer\":" + quoted(trueAnswer),
            "\"wrong_digits\":[" + wrongDigits.map { quoted($0.description) }.joined(separator: ",") + "]",
        ].joined(separator: ",") + "}"
    }
}
