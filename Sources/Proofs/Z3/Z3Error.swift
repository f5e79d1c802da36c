import CZ3

/// An error reported by Z3 or by the Swift wrapper around it.
public enum Z3Error: Error, Equatable, CustomStringConvertible {
    /// A Z3 API call failed; `code` is the raw `Z3_error_code`, `message` Z3's explanation.
    case api(code: Int, message: String)
    /// Z3 returned no object although it reported no error.
    case nullResult(String)
    /// A value was not of the expected kind (e.g. a non-numeral where a numeral was needed).
    case unexpected(String)

    public var description: String {
        switch self {
        case .api(let code, let message): return "Z3 error \(code): \(message)"
        case .nullResult(let call): return "Z3 returned no result from \(call)"
        case .unexpected(let text): return "unexpected Z3 value: \(text)"
        }
    }
}
