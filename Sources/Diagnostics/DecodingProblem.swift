import Foundation

/// A decoding error in plain words: the field (`summary.count`, `digits[2].margin`, or
/// `top level`) and the problem, without Swift's type names or debug dumps.
///
/// `decodingProblem(error)` for a string where `count` wants an integer:
/// `field 'count': expected an integer, found another type`.
public func decodingProblem(_ error: DecodingError) -> String {
    func field(_ context: DecodingError.Context, appending key: CodingKey? = nil) -> String {
        let path = context.codingPath + (key.map { [$0] } ?? [])
        var text = ""
        for component in path {
            if let index = component.intValue { text += "[\(index)]" } else { text += (text.isEmpty ? "" : ".") + component.stringValue }
        }
        return text.isEmpty ? "top level" : "field '\(text)'"
    }
    switch error {
    case .keyNotFound(let key, let context):
        return "\(field(context, appending: key)) is missing"
    case .valueNotFound(let type, let context):
        return "\(field(context)): expected \(kind(of: type)), found null"
    case .typeMismatch(let type, let context):
        return "\(field(context)): expected \(kind(of: type)), found another type"
    case .dataCorrupted(let context):
        if context.codingPath.isEmpty { return "not valid JSON" }
        return "\(field(context)): invalid value"
    @unknown default:
        return "cannot be decoded"
    }
}

/// `an integer`, `a number`, `a string`, … for a Swift type.
private func kind(of type: Any.Type) -> String {
    switch type {
    case is any BinaryInteger.Type: return "an integer"
    case is any BinaryFloatingPoint.Type: return "a number"
    case is String.Type, is Substring.Type: return "a string"
    case is Bool.Type: return "true or false"
    default:
        let name = String(describing: type)
        if name.hasPrefix("Array<") || name.hasPrefix("[") { return "an array" }
        if name.hasPrefix("Dictionary<") { return "an object" }
        return "a value of type \(name)"
    }
}
