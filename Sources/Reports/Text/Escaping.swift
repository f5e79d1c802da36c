/// Escaping of text for the output formats. Every renderer and figure builder
/// sends all caller-provided text through one of these functions.
public enum Escaping {
    /// Escapes text for HTML/XML content and attribute values: `& < > " '`.
    ///
    /// Characters that are not allowed in XML 1.0 at all (C0 controls other than tab,
    /// line feed and carriage return, lone surrogates cannot occur in Swift strings)
    /// are replaced by U+FFFD, so output is always well-formed.
    public static func xml(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            case "\t", "\n", "\r": result.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF {
                    result += "\u{FFFD}"
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result
    }

    /// Escapes text for HTML; the same as ``xml(_:)``.
    public static func html(_ text: String) -> String { xml(text) }

    /// Escapes Markdown inline text so it renders literally (GitHub-flavoured Markdown).
    ///
    /// Backslash-escapes the punctuation that has meaning inline (backslash, backtick, `* _ [ ] | ~`),
    /// escapes a leading block marker (`#`, `-`, `+`, `=`, `1.`), turns `<` `>` `&` into
    /// entities (no raw HTML passes through), and folds line breaks into spaces.
    public static func markdownInline(_ text: String) -> String {
        var result = ""
        for character in text {
            switch character {
            case "\\", "`", "*", "_", "[", "]", "|", "~":
                result.append("\\")
                result.append(character)
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "&": result += "&amp;"
            case "\n", "\r", "\r\n": result += " "
            default: result.append(character)
            }
        }
        // Block markers only count at the start and followed by a space (or alone):
        // "# x", "- x", "+ x", "1. x", "2) x", or a line of "=" / "-" (setext, rule).
        let characters = Array(result)
        if let first = characters.first, "#-+=".contains(first) {
            let markerLength = first == "#" ? characters.prefix(while: { $0 == "#" }).count : 1
            let followedBySpace = characters.count == markerLength || characters[markerLength] == " "
            let onlyMarker = characters.allSatisfy { $0 == first || $0 == " " }
            if followedBySpace || onlyMarker { result = "\\" + result }
        } else {
            let digits = characters.prefix(while: { $0.isASCII && $0.isNumber })
            if !digits.isEmpty, digits.count < characters.count, ".)".contains(characters[digits.count]),
               digits.count + 1 == characters.count || characters[digits.count + 1] == " " {
                result = String(digits) + "\\" + String(characters[digits.count...])
            }
        }
        return result
    }

    /// Markdown inline code: wraps `text` in enough backticks that none inside end it.
    public static func markdownCode(_ text: String) -> String {
        let flat = text.replacingOccurrences(of: "\r\n", with: " ").replacingOccurrences(of: "\n", with: " ")
        let fence = String(repeating: "`", count: longestRun(of: "`", in: flat) + 1)
        let pad = flat.hasPrefix("`") || flat.hasSuffix("`") || flat.isEmpty ? " " : ""
        // Inside a table cell a pipe would end the cell even within code.
        let safe = flat.replacingOccurrences(of: "|", with: "\\|")
        return fence + pad + safe + pad + fence
    }

    /// The length of the longest run of `character` in `text`.
    static func longestRun(of character: Character, in text: String) -> Int {
        var longest = 0
        var current = 0
        for c in text {
            current = c == character ? current + 1 : 0
            longest = max(longest, current)
        }
        return longest
    }
}

extension String {
    /// Replaces every occurrence of `target` (Foundation-free).
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var result = ""
        var remainder = self[...]
        while let range = remainder.range(ofSubstring: target) {
            result += remainder[..<range.lowerBound]
            result += replacement
            remainder = remainder[range.upperBound...]
        }
        result += remainder
        return result
    }
}

extension Substring {
    fileprivate func range(ofSubstring target: String) -> Range<Index>? {
        var index = startIndex
        while index < endIndex {
            if self[index...].hasPrefix(target) {
                return index..<self.index(index, offsetBy: target.count)
            }
            index = self.index(after: index)
        }
        return nil
    }
}
