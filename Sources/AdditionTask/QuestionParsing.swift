import Foundation

/// Reading questions written `a+b`: one question (a command-line argument) or a file of
/// one question per line. Every command reads questions through these functions.
///
/// The rules:
/// - each operand is 1 to n ASCII decimal digits, with no sign: `-0`, `+5`, `999+-0`
///   are refused;
/// - leading zeros count as digits: `007+8` is a 3-digit question, `0007+8` is refused
///   for n = 3 because its first operand has 4 digits;
/// - spaces and tabs around the operands are allowed;
/// - a question (or an input line) is at most ``AdditionTask/maximumQuestionLength``
///   bytes; a longer one is refused by its length, without echoing it.
///
/// In a file, lines end in `\n` or `\r\n`; blank lines are skipped.
extension AdditionTask {
    /// The longest question text or input line accepted, in bytes.
    public static let maximumQuestionLength = 256

    /// Parses `a+b` strictly (see the rules above).
    public func parseQuestion(_ text: String) throws -> Question {
        let length = text.utf8.count
        guard length <= Self.maximumQuestionLength else {
            throw AdditionTaskError.questionTooLong(length: length, limit: Self.maximumQuestionLength)
        }
        return try parseQuestion(utf8: Array(text.utf8)[...])
    }

    /// Parses one operand: 1 to n ASCII decimal digits, nothing else. Nil otherwise.
    public func parseOperand<Bytes: Collection>(utf8 digits: Bytes) -> Int? where Bytes.Element == UInt8 {
        guard !digits.isEmpty, digits.count <= digitCount else { return nil }
        var value = 0
        for byte in digits {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }

    /// Parses every non-blank line of a question file (`\n` or `\r\n` line ends).
    /// `source` names the input in errors (`questions.txt:3: …`).
    public func parseQuestionLines(_ data: Data, source: String) throws -> [Question] {
        var questions: [Question] = []
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let bytes = raw.bindMemory(to: UInt8.self)
            var lineNumber = 0
            var lineStart = 0
            while lineStart < bytes.count {
                lineNumber += 1
                var lineEnd = lineStart
                while lineEnd < bytes.count, bytes[lineEnd] != 0x0A { lineEnd += 1 }
                let line = bytes[lineStart..<lineEnd]
                lineStart = lineEnd + 1
                do {
                    if let question = try parseLine(line) { questions.append(question) }
                } catch let error as AdditionTaskError {
                    throw QuestionLineError(source: source, line: lineNumber, error: error)
                }
            }
        }
        return questions
    }

    /// One input line: nil when blank, else its question.
    private func parseLine(_ line: Slice<UnsafeBufferPointer<UInt8>>) throws -> Question? {
        guard line.count <= Self.maximumQuestionLength else {
            throw AdditionTaskError.questionTooLong(length: line.count, limit: Self.maximumQuestionLength)
        }
        let bytes = Array(line)[...]
        guard !trimmed(bytes).isEmpty else { return nil }
        return try parseQuestion(utf8: bytes)
    }

    /// The core parser, for at most ``maximumQuestionLength`` bytes.
    private func parseQuestion(utf8 text: ArraySlice<UInt8>) throws -> Question {
        let question = trimmed(text)
        let shown = String(decoding: question, as: UTF8.self)
        guard let plus = question.firstIndex(of: UInt8(ascii: "+")) else { throw AdditionTaskError.malformedQuestion(shown) }
        let first = trimmed(question[question.startIndex..<plus])
        let second = trimmed(question[(plus + 1)...])
        guard let a = parseOperand(utf8: first), let b = parseOperand(utf8: second) else {
            let allDigits = [first, second].allSatisfy { operand in
                !operand.isEmpty && operand.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
            }
            throw allDigits ? AdditionTaskError.operandOutOfRange(shown, digitCount: digitCount)
                            : AdditionTaskError.malformedQuestion(shown)
        }
        return Question(a: a, b: b, task: self)
    }

    /// `bytes` without leading and trailing spaces, tabs and carriage returns.
    private func trimmed(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D }
        var slice = bytes
        while let first = slice.first, isSpace(first) { slice = slice.dropFirst() }
        while let last = slice.last, isSpace(last) { slice = slice.dropLast() }
        return slice
    }
}

/// A bad line of a question file: where it is and what is wrong with it.
public struct QuestionLineError: Error, Equatable, CustomStringConvertible {
    /// The file name as given (`-` for standard input).
    public let source: String
    /// 1-based line number.
    public let line: Int
    public let error: AdditionTaskError

    public var description: String { "\(source):\(line): \(error)" }
}
