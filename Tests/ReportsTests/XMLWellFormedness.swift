import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest

/// Parses `text` as XML and returns the parser error, if any.
func xmlParseError(_ text: String) -> Error? {
    let parser = XMLParser(data: Data(text.utf8))
    let ok = parser.parse()
    if ok { return nil }
    return parser.parserError ?? NSError(domain: "XMLParser", code: -1)
}

func assertWellFormedXML(_ text: String, _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
    if let error = xmlParseError(text) {
        XCTFail("not well-formed XML (\(message)): \(error)\n\(text.prefix(600))", file: file, line: line)
    }
}
