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
    }
}

/// The model's teacher-forced answer to one question, in the shape of `run --json`.
struct QuestionAnswer: Encodable {
    /// One answer digit A(k).
    struct Digit: Encodable {
        /// `A3`, …, `A0`.
        var digit: String
        /// The position whose output predicts this digit.
        var position: Int
        /// The argmax token (a digit, or `+`/`=` if the model predicts one).
        var predicted: String
        var expected: Int
        var correct: Bool
        /// Logit of the predicted token minus the best other logit (≥ 0).
        var margin: Double
        /// Logit of the true digit minus the logit of the predicted token (≤ 0; 0 when correct).
        var expectedMinusPredicted: Double
        /// The 12 logits at this position (tokens 0–9, `+`, `=`).
        var logits: [Double]

        enum CodingKeys: String, CodingKey {
            case digit, position, predicted, expected, correct, margin, logits
            case expectedMinusPredicted = "expected_minus_predicted"
        }
    }

    var a: Int
    var b: Int
    var question: String
    var precision: String
    var modelAnswer: String
    var trueAnswer: String
    var correct: Bool
    var digits: [Digit]
    var wrongDigits: [String]

    enum CodingKeys: String, CodingKey {
        case a, b, question, precision, correct, digits
        case modelAnswer = "model_answer"
        case trueAnswer = "true_answer"
        case wrongDigits = "wrong_digits"
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
            let best = argmax(row)
            var runnerUp = -Scalar.infinity
            for token in row.indices where token != best { runnerUp = max(runnerUp, row[token]) }
            return Digit(digit: answerDigit.description, position: task.predictingPosition(of: answerDigit),
                         predicted: Token.symbol(best), expected: expected[slot], correct: best == expected[slot],
                         margin: shortestDouble(row[best] - runnerUp),
                         expectedMinusPredicted: shortestDouble(row[expected[slot]] - row[best]),
                         logits: row.map(shortestDouble))
        }
        modelAnswer = digits.map(\.predicted).joined()
        trueAnswer = question.answerText
        correct = digits.allSatisfy(\.correct)
        wrongDigits = digits.filter { !$0.correct }.map(\.digit)
    }

    /// The human-readable report.
    var text: String {
        var lines = [
            "question: \(question) (teacher-forced \(precision) reference pass)",
            "model answer: \(modelAnswer)",
            "true answer:  \(trueAnswer)",
            "correct: " + (correct ? "yes" : "no, wrong digits: " + digits.filter { !$0.correct }
                .map { "\($0.digit) (predicted \($0.predicted), true \($0.expected))" }.joined(separator: ", ")),
            "digit  position  predicted  true  margin",
        ]
        for digit in digits {
            lines.append(padRight(digit.digit, 7) + padRight(String(digit.position), 10) + padRight(digit.predicted, 11)
                         + padRight(String(digit.expected), 6) + String(format: "%.4f", digit.margin)
                         + (digit.correct ? "" : "  WRONG (true digit's logit is \(String(format: "%.4f", -digit.expectedMinusPredicted)) below)"))
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
