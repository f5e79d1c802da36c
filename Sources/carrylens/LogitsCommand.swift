import AdditionTask
import ArgumentParser
import Diagnostics
import Foundation
import Transformer

/// `carrylens logits`: teacher-forced logits at the answer positions, as JSON Lines.
struct LogitsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logits",
        abstract: "Print the teacher-forced logits at the n+1 answer positions for each question of a file, as JSON Lines.",
        discussion: """
        FILE holds one question 'a+b' per line (blank lines are ignored; lines may end in CRLF). Every line is checked before \
        anything is printed. Output, one line per question in input order: \
        {"a": A, "b": B, "logits": [[12 numbers] x (n+1)]}, rows A(n)..A0 (row 0 is the prediction at '='). \
        fp32 uses the fast evaluator, fp64 the reference pass. Numbers are printed in the shortest form that \
        reads back to the same value. See docs/cli.md.
        """
    )

    @OptionGroup var modelOptions: ModelOptions

    @Option(name: .long, help: "File with one question 'a+b' per line ('-' for standard input).")
    var input: String

    @Option(name: .long, help: "fp32 (fast evaluator) or fp64 (reference pass).")
    var precision: Precision = .fp32

    func run() throws {
        let model = try modelOptions.load()
        let questions = try readQuestions(task: model.task)
        guard !questions.isEmpty else { return }
        // Questions are evaluated and written in chunks, so memory stays bounded for large files.
        let chunkSize = 4096
        let fast = precision == .fp32 ? FastEvaluator(model) : nil
        let reference = precision == .fp64 ? ReferenceTransformer<Double>(model) : nil
        let rows = model.task.answerDigitCount
        for chunkStart in stride(from: 0, to: questions.count, by: chunkSize) {
            let chunk = questions[chunkStart..<min(chunkStart + chunkSize, questions.count)]
            var output = ""
            if let fast {
                let logits = fast.logits(indices: chunk.map(\.index))
                for (offset, question) in chunk.enumerated() {
                    let start = offset * rows * 12
                    let perRow = (0..<rows).map { row in Array(logits[(start + row * 12)..<(start + row * 12 + 12)]) }
                    output += Self.jsonLine(question, logits: perRow)
                }
            } else if let reference {
                for question in chunk {
                    output += Self.jsonLine(question, logits: reference.run(question).answerLogits)
                }
            }
            FileHandle.standardOutput.write(Data(output.utf8))
        }
    }

    /// Reads and validates every line of the input before any output is produced.
    func readQuestions(task: AdditionTask) throws -> [Question] {
        let data: Data
        do {
            data = input == "-" ? FileHandle.standardInput.readDataToEndOfFile() : try Data(contentsOf: URL(fileURLWithPath: input))
        } catch {
            throw CLIError("cannot read input file '\(input)': \(systemReason(of: error))")
        }
        do {
            return try task.parseQuestionLines(data, source: input)
        } catch let error as QuestionLineError {
            throw CLIError(error.description)
        }
    }

    /// One output line: `{"a": A, "b": B, "logits": [[…], …]}` and a newline.
    static func jsonLine<Scalar: LosslessStringConvertible & BinaryFloatingPoint>(_ question: Question, logits: [[Scalar]]) -> String {
        let rows = logits.map { row in "[" + row.map(jsonNumber).joined(separator: ", ") + "]" }
        return "{\"a\": \(question.a), \"b\": \(question.b), \"logits\": [" + rows.joined(separator: ", ") + "]}\n"
    }

    /// The shortest decimal that reads back to `value` (Swift's `description`); `null` if not finite.
    static func jsonNumber<Scalar: LosslessStringConvertible & BinaryFloatingPoint>(_ value: Scalar) -> String {
        value.isFinite ? value.description : "null"
    }
}
