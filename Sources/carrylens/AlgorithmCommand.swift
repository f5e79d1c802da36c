import ArgumentParser
import Foundation
import Proofs

/// `carrylens algorithm`: work with per-digit algorithm files.
struct AlgorithmCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "algorithm",
        abstract: "Use a per-digit algorithm file (carrylens.per-digit-algorithm.v1).",
        subcommands: [AlgorithmApplyCommand.self]
    )
}

/// `carrylens algorithm apply`: the algorithm's answers to questions, as JSON Lines.
struct AlgorithmApplyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Print the algorithm's answer to each question of a file, as JSON Lines.",
        discussion: """
        FILE holds one question 'a+b' per line (blank lines are ignored); every line is checked before \
        anything is printed. Output, one line per question in input order: {"a": A, "b": B, "answer": "…"}, \
        the answer as n+1 digits, A(n) first. n is --digits, or the longest operand's number of digits. See docs/cli.md.
        """
    )

    @Argument(help: "The algorithm JSON file.")
    var file: String

    @Option(name: .long, help: "File with one question 'a+b' per line ('-' for standard input).")
    var input: String

    @Option(name: .long, help: "Number of digits n (default: the longest operand's).")
    var digits: Int?

    func run() throws {
        let algorithm = try PerDigitAlgorithm.load(file: file)
        let data: Data
        do {
            data = input == "-" ? FileHandle.standardInput.readDataToEndOfFile() : try Data(contentsOf: URL(fileURLWithPath: input))
        } catch {
            throw CLIError("cannot read input file '\(input)': " + (FileManager.default.fileExists(atPath: input) ? error.localizedDescription : "no such file"))
        }
        guard let text = String(data: data, encoding: .utf8) else { throw CLIError("input file '\(input)' is not UTF-8 text") }
        do {
            let questions = try AlgorithmApplication.questions(in: text, source: input, digitCount: digits)
            let lines = try questions.map { try AlgorithmApplication.jsonLine(algorithm, question: $0) + "\n" }
            FileHandle.standardOutput.write(Data(lines.joined().utf8))
        } catch let error as AlgorithmInputError {
            throw CLIError(error.description)
        }
    }
}
