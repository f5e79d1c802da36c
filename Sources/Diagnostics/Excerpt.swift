/// A short, bounded piece of text from an input, for an error message: the text itself
/// when it has at most `limit` characters, else its first `limit` characters, `…`, and
/// its length in bytes (`'1234567890…' (10485760 bytes)`). Control characters are
/// shown as `\u{…}` escapes so an excerpt never breaks the message's line. Error messages
/// quote inputs through this, so a 10 MB line is never echoed whole.
public func excerpt<Text: StringProtocol>(_ text: Text, limit: Int = 40) -> String {
    var shown = ""
    var characters = 0
    for character in text {
        guard characters < limit else {
            return "'\(shown)…' (\(text.utf8.count) bytes)"
        }
        if character.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            shown += character.unicodeScalars.map { "\\u{\(String($0.value, radix: 16))}" }.joined()
        } else {
            shown.append(character)
        }
        characters += 1
    }
    return "'\(shown)'"
}
