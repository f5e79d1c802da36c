import AdditionTask
import Foundation
import Interpretation
import Transformer

/// `run --explain`: a question taken apart digit by digit, in the shape of its JSON.
struct QuestionDrillDownOutput: Encodable {
    struct Contribution: Encodable {
        var winner: Double
        var runnerUp: Double
        var difference: Double

        init(_ value: LogitContribution) {
            winner = value.winner
            runnerUp = value.runnerUp
            difference = value.difference
        }
    }

    struct Attention: Encodable {
        var position: Int
        /// What sits at that position (`D2`, `+`, `D'0`, `=`, `A3`, …).
        var token: String
        var weight: Double
    }

    struct Head: Encodable {
        var head: Int
        var topAttention: [Attention]
        var contribution: Contribution
    }

    struct Digit: Encodable {
        var digit: String
        var position: Int
        var predicted: String
        var runnerUp: String
        var expected: Int
        var correct: Bool
        var margin: Double
        var carryIn: Bool
        var cascadeLength: Int
        var heads: [Head]
        var mlp: Contribution
        var embeddings: Contribution
        var biases: Contribution
        var logits: Contribution
    }

    var question: String
    var precision = "fp64"
    var carryPattern: String
    var modelAnswer: String
    var trueAnswer: String
    var digits: [Digit]

    init(_ drillDown: QuestionDrillDown) {
        let task = drillDown.question.task
        question = drillDown.question.description
        carryPattern = drillDown.pattern.description
        trueAnswer = drillDown.question.answerText
        digits = drillDown.digits.map { digit in
            Digit(digit: digit.digit.description, position: digit.position, predicted: Token.symbol(digit.predicted),
                  runnerUp: Token.symbol(digit.runnerUp), expected: digit.expected, correct: digit.predicted == digit.expected,
                  margin: digit.margin, carryIn: digit.carryIn, cascadeLength: digit.cascadeLength,
                  heads: digit.heads.map { head in
                      Head(head: head.head,
                           topAttention: head.topAttention.map { Attention(position: $0.position, token: ModelInfo.label(of: $0.position, in: task), weight: $0.weight) },
                           contribution: Contribution(head.contribution))
                  },
                  mlp: Contribution(digit.mlp), embeddings: Contribution(digit.embeddings),
                  biases: Contribution(digit.biases), logits: Contribution(digit.logits))
        }
        modelAnswer = digits.map(\.predicted).joined()
    }

    /// The human-readable report.
    var text: String {
        func number(_ value: Double) -> String { String(format: "%9.4f", value) }
        var lines = [
            "question: \(question) (teacher-forced fp64 reference pass, direct logit attribution)",
            "carry pattern: \(carryPattern) (pair-sum class per column, most significant first)",
            "model answer: \(modelAnswer)",
            "true answer:  \(trueAnswer)",
        ]
        for digit in digits {
            lines.append("")
            lines.append("\(digit.digit) at position \(digit.position): predicted \(digit.predicted) (true \(digit.expected)\(digit.correct ? "" : ", WRONG")), runner-up \(digit.runnerUp), margin \(String(format: "%.4f", digit.margin)); carry in: \(digit.carryIn ? "yes" : "no"), cascade length \(digit.cascadeLength)")
            for head in digit.heads {
                let looks = head.topAttention.map { "\($0.token)@\($0.position) \(String(format: "%.3f", $0.weight))" }.joined(separator: ", ")
                lines.append("  head \(head.head) attends: \(looks)")
            }
            func header(_ text: String) -> String { String(repeating: " ", count: max(0, 9 - text.count)) + text }
            lines.append("  " + padRight("logit contribution", 20) + header(digit.predicted) + " " + header(digit.runnerUp) + " " + header("difference"))
            func row(_ label: String, _ value: Contribution) {
                lines.append("  " + padRight(label, 20) + number(value.winner) + " " + number(value.runnerUp) + " " + number(value.difference))
            }
            for head in digit.heads { row("head \(head.head)", head.contribution) }
            row("MLP", digit.mlp)
            row("embeddings", digit.embeddings)
            row("biases", digit.biases)
            row("total (logits)", digit.logits)
        }
        return lines.joined(separator: "\n")
    }
}
