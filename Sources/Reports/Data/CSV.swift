/// RFC 4180 CSV: fields containing a comma, double quote, CR or LF are quoted, quotes
/// inside are doubled; records end with CRLF.
public enum CSV {
    /// Escapes one field.
    public static func field(_ text: String) -> String {
        let needsQuotes = text.contains { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }
        guard needsQuotes else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// One record (without the line ending).
    public static func record(_ fields: [String]) -> String {
        fields.map(field).joined(separator: ",")
    }

    /// A whole document: the header then the rows, each record ending with CRLF.
    public static func document(header: [String], rows: [[String]]) -> String {
        ([header] + rows).map { record($0) + "\r\n" }.joined()
    }
}
