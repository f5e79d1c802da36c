import AdditionTask
import Foundation

/// A problem with the questions given to ``AlgorithmApplication``.
public struct AlgorithmInputError: Error, CustomStringConvertible {
    /// What is wrong, naming the source and line.
    public let description: String
}

/// Runs a ``PerDigitAlgorithm`` on questions as a predictor: one JSON line per question.
public enum AlgorithmApplication {
    /// Parses one question `a+b` per line of `text` (blank lines and surrounding whitespace ignored).
    /// The number of digits is `digitCount`, or the longest operand's when nil. Every line is checked first;
    /// a bad line throws an error naming `source` and the line number.
    public static func questions(in text: String, source: String, digitCount: Int?) throws -> [Question] {
        var lines: [(number: Int, text: String)] = []
        for (offset, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if !trimmed.isEmpty { lines.append((offset + 1, trimmed)) }
        }
        var n = digitCount ?? 1
        if digitCount == nil {
            for line in lines {
                for operand in line.text.split(separator: "+", omittingEmptySubsequences: false) {
                    let digits = operand.trimmingCharacters(in: .whitespaces).drop { $0 == "0" }.count
                    n = max(n, digits)
                }
            }
        }
        let task: AdditionTask
        do {
            task = try AdditionTask(digitCount: n)
        } catch {
            throw AlgorithmInputError(description: "\(source): \(error)")
        }
        return try lines.map { line in
            do {
                return try task.parseQuestion(line.text)
            } catch {
                throw AlgorithmInputError(description: "\(source):\(line.number): \(error)")
            }
        }
    }

    /// `{"a": A, "b": B, "answer": "…"}`: the algorithm's answer as n + 1 digits, A(n) first.
    /// Throws if the algorithm gives a value outside 0…9 for some digit.
    public static func jsonLine(_ algorithm: PerDigitAlgorithm, question: Question) throws -> String {
        let digits = algorithm.answerDigits(for: question)
        let n = question.task.digitCount
        if let slot = digits.firstIndex(where: { !(0...9).contains($0) }) {
            throw AlgorithmInputError(description: "algorithm '\(algorithm.name)' gives A\(n - slot) = \(digits[slot]), not a digit, for \(question.a)+\(question.b)")
        }
        return "{\"a\": \(question.a), \"b\": \(question.b), \"answer\": \"\(digits.map(String.init).joined())\"}"
    }
}
