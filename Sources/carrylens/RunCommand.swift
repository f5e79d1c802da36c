import AdditionTask
import ArgumentParser
import Foundation
import Interpretation
import Transformer

/// `carrylens run`: the model's answer to one question, digit by digit.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Answer one question with the model (teacher-forced reference pass) and show per-digit logit margins.",
        discussion: "QUESTION is 'a+b' with decimal operands of at most n digits, e.g. 12345+67890. See docs/cli.md."
    )

    @OptionGroup var modelOptions: ModelOptions

    @Argument(help: "The question, 'a+b'.")
    var question: String

    @Flag(name: .long, help: "Print one JSON object instead of text.")
    var json = false

    @Option(name: .long, help: "Precision of the reference pass: fp32 or fp64.")
    var precision: Precision = .fp32

    @Flag(name: .long, help: "Take each answer digit apart (fp64): carry pattern and cascade, margin, each head's strongest attention, and each head's, the MLP's, the embeddings' and the biases' direct contribution to the winning and runner-up logits.")
    var explain = false

    func run() throws {
        let model = try modelOptions.load()
        let parsed: Question
        do { parsed = try model.task.parseQuestion(question) } catch { throw CLIError("\(error)") }
        if explain {
            let drillDown = QuestionDrillDownOutput(QuestionDrillDown(model: model, question: parsed))
            print(json ? try encodeJSON(drillDown) : drillDown.text)
            return
        }
        let answer: QuestionAnswer
        switch precision {
        case .fp32: answer = QuestionAnswer(parsed, result: ReferenceTransformer<Float>(model).run(parsed), precision: precision)
        case .fp64: answer = QuestionAnswer(parsed, result: ReferenceTransformer<Double>(model).run(parsed), precision: precision)
        }
        print(json ? try encodeJSON(answer) : answer.text)
        if !answer.undecidedDigits.isEmpty {
            throw CLIError("the \(precision.rawValue) forward pass gave non-finite logits for \(answer.undecidedDigits.joined(separator: ", ")) (the weights overflow \(precision.rawValue); see `carrylens info`): those digits are undecided"
                           + (precision == .fp32 ? "; try --precision fp64" : ""), status: .badInput)
        }
    }
}

/// What a teacher-forced pass says about one answer digit.
enum DigitVerdict: String, Encodable {
    /// The argmax is the true digit.
    case correct
    /// The argmax is another token.
    case wrong
    /// A logit of the row is infinite or NaN: the pass decides nothing.
    case undecided
}

/// What a teacher-forced pass says about a whole question.
enum QuestionVerdict: String, Encodable {
    /// Every digit is decided and correct.
    case correct
    /// Some decided digit is wrong (whatever the others are).
    case wrong
    /// No decided digit is wrong, and some digit is undecided.
    case undecided
}

/// The model's teacher-forced answer to one question, in the shape of `run --json`.
struct QuestionAnswer: Encodable {
    /// One answer digit A(k).
    struct Digit: Encodable {
        /// `A3`, …, `A0`.
        var digit: String
        /// The position whose output predicts this digit.
        var position: Int
        /// The argmax token (a digit, or `+`/`=` if the model predicts one); `?` when undecided.
        var predicted: String
        var expected: Int
        /// True only for a decided, correct digit.
        var correct: Bool
        var verdict: DigitVerdict
        /// Logit of the predicted token minus the best other logit (≥ 0); nil when undecided.
        var margin: Double?
        /// Logit of the true digit minus the logit of the predicted token (≤ 0; 0 when correct); nil when undecided.
        var expectedMinusPredicted: Double?
        /// The 12 logits at this position (tokens 0–9, `+`, `=`); a non-finite one is nil (JSON null).
        var logits: [Double?]

        enum CodingKeys: String, CodingKey {
            case digit, position, predicted, expected, correct, verdict, margin, logits
            case expectedMinusPredicted
        }

        /// Every key always present; an undecided digit's margins are `null`.
        func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(digit, forKey: .digit)
            try container.encode(position, forKey: .position)
            try container.encode(predicted, forKey: .predicted)
            try container.encode(expected, forKey: .expected)
            try container.encode(correct, forKey: .correct)
            try container.encode(verdict, forKey: .verdict)
            try container.encode(margin, forKey: .margin)
            try container.encode(expectedMinusPredicted, forKey: .expectedMinusPredicted)
            try container.encode(logits, forKey: .logits)
        }
    }

    var a: Int
    var b: Int
    var question: String
    var precision: String
    var modelAnswer: String
    var trueAnswer: String
    /// True only when every digit is decided and correct.
    var correct: Bool
    var verdict: QuestionVerdict
    var digits: [Digit]
    var wrongDigits: [String]
    /// Digits whose logits are not all finite.
    var undecidedDigits: [String]

    enum CodingKeys: String, CodingKey {
        case a, b, question, precision, correct, verdict, digits
        case modelAnswer
        case trueAnswer
        case wrongDigits
        case undecidedDigits
    }

    init<Scalar: ReferenceScalar>(_ question: Question, result: ForwardResult<Scalar>, precision: Precision) {
        let task = question.task
        let expected = question.answerDigits
        a = question.a
        b = question.b
        self.question = question.description
        self.precision = precision.rawValue
        digits = zip(task.answerDigits, result.answerLogits).enumerated().map { slot, pair in
            let (answerDigit, row) = pair
            let logits = row.map { $0.isFinite ? shortestDouble($0) : nil }
            // A non-finite logit anywhere in the row decides nothing: NaN compares false
            // and an infinity swamps every margin.
            guard row.allSatisfy(\.isFinite) else {
                return Digit(digit: answerDigit.description, position: task.predictingPosition(of: answerDigit),
                             predicted: "?", expected: expected[slot], correct: false, verdict: .undecided,
                             margin: nil, expectedMinusPredicted: nil, logits: logits)
            }
            let best = argmax(row)
            var runnerUp = -Scalar.infinity
            for token in row.indices where token != best { runnerUp = max(runnerUp, row[token]) }
            let margin = row[best] - runnerUp, behind = row[expected[slot]] - row[best]
            let correct = best == expected[slot]
            // Finite logits whose difference overflows are undecided too.
            guard margin.isFinite, behind.isFinite else {
                return Digit(digit: answerDigit.description, position: task.predictingPosition(of: answerDigit),
                             predicted: "?", expected: expected[slot], correct: false, verdict: .undecided,
                             margin: nil, expectedMinusPredicted: nil, logits: logits)
            }
            return Digit(digit: answerDigit.description, position: task.predictingPosition(of: answerDigit),
                         predicted: Token.symbol(best), expected: expected[slot], correct: correct,
                         verdict: correct ? .correct : .wrong,
                         margin: shortestDouble(margin), expectedMinusPredicted: shortestDouble(behind), logits: logits)
        }
        modelAnswer = digits.map(\.predicted).joined()
        trueAnswer = question.answerText
        wrongDigits = digits.filter { $0.verdict == .wrong }.map(\.digit)
        undecidedDigits = digits.filter { $0.verdict == .undecided }.map(\.digit)
        verdict = !wrongDigits.isEmpty ? .wrong : (!undecidedDigits.isEmpty ? .undecided : .correct)
        correct = verdict == .correct
    }

    /// The human-readable report.
    var text: String {
        var lines = [
            "question: \(question) (teacher-forced \(precision) reference pass)",
            "model answer: \(modelAnswer)",
            "true answer:  \(trueAnswer)",
            "correct: " + {
                switch verdict {
                case .correct: return "yes"
                case .wrong:
                    return "no, wrong digits: " + digits.filter { $0.verdict == .wrong }
                        .map { "\($0.digit) (predicted \($0.predicted), true \($0.expected))" }.joined(separator: ", ")
                        + (undecidedDigits.isEmpty ? "" : "; undecided: " + undecidedDigits.joined(separator: ", "))
                case .undecided:
                    return "undecided: non-finite logits for " + undecidedDigits.joined(separator: ", ")
                }
            }(),
            "digit  position  predicted  true  margin",
        ]
        for digit in digits {
            let start = padRight(digit.digit, 7) + padRight(String(digit.position), 10) + padRight(digit.predicted, 11) + padRight(String(digit.expected), 6)
            switch (digit.verdict, digit.margin, digit.expectedMinusPredicted) {
            case (.correct, let margin?, _):
                lines.append(start + String(format: "%.4f", margin))
            case (.wrong, let margin?, let behind?):
                lines.append(start + String(format: "%.4f", margin) + "  WRONG (true digit's logit is \(String(format: "%.4f", -behind)) below)")
            default:
                lines.append(start + "-       UNDECIDED (logits not all finite)")
            }
        }
        return lines.joined(separator: "\n")
    }
}

/// `value` as a Double that prints like the original: an fp32 value goes through its
/// shortest decimal form, so JSON shows `3.8580003`, not `3.8580002784729004`.
func shortestDouble<Scalar: BinaryFloatingPoint>(_ value: Scalar) -> Double {
    if let single = value as? Float, single.isFinite, let parsed = Double(single.description) { return parsed }
    return Double(value)
}
