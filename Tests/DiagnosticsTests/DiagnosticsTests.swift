import Diagnostics
import Foundation
import XCTest

/// OS errors are worded by the OS (`strerror`), decoding errors by field and problem.
final class DiagnosticsTests: XCTestCase {
    private func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("diagnostics-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    func testAFileWhereADirectoryIsExpectedSaysNotADirectory() throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let file = root.appendingPathComponent("file")
        try Data("x".utf8).write(to: file)
        // Foundation reports this as NSCocoaErrorDomain error 512 / 256.
        XCTAssertThrowsError(try FileManager.default.createDirectory(at: file.appendingPathComponent("sub"), withIntermediateDirectories: true)) {
            XCTAssertEqual(systemReason(of: $0), "Not a directory")
        }
        XCTAssertThrowsError(try Data(contentsOf: file.appendingPathComponent("x"))) {
            XCTAssertEqual(systemReason(of: $0), "Not a directory")
        }
        XCTAssertThrowsError(try Data(contentsOf: root)) { XCTAssertEqual(systemReason(of: $0), "Is a directory") }
        XCTAssertThrowsError(try Data(contentsOf: root.appendingPathComponent("missing"))) {
            XCTAssertEqual(systemReason(of: $0), "No such file or directory")
        }
    }

    func testAFullDeviceSaysNoSpaceLeft() throws {
        try XCTSkipUnless(FileManager.default.fileExists(atPath: "/dev/full"), "needs /dev/full")
        XCTAssertThrowsError(try Data("x".utf8).write(to: URL(fileURLWithPath: "/dev/full"))) {
            XCTAssertEqual(systemReason(of: $0), "No space left on device")
        }
    }

    func testFoundationCodesWithoutAnUnderlyingErrorAreWordedByTheOS() {
        // A read-only file system as Foundation may report it, with and without the OS error.
        let wrapped = NSError(domain: NSCocoaErrorDomain, code: CocoaError.fileWriteUnknown.rawValue,
                              userInfo: [NSUnderlyingErrorKey: NSError(domain: NSPOSIXErrorDomain, code: Int(EROFS))])
        XCTAssertEqual(systemReason(of: wrapped), "Read-only file system")
        XCTAssertEqual(systemReason(of: CocoaError(.fileWriteVolumeReadOnly)), "Read-only file system")
        XCTAssertEqual(systemReason(of: CocoaError(.fileWriteOutOfSpace)), "No space left on device")
        XCTAssertEqual(systemReason(of: POSIXError(.ENOTDIR)), "Not a directory")
        XCTAssertEqual(systemReason(errno: EROFS), "Read-only file system")
        XCTAssertFalse(systemReason(of: CocoaError(.fileWriteUnknown)).contains("NSCocoaErrorDomain"))
    }

    func testFileOperationErrorNamesOperationPathAndReason() {
        let error = FileOperationError("write", path: "out/summary.json", error: CocoaError(.fileWriteOutOfSpace))
        XCTAssertEqual(error.description, "cannot write out/summary.json: No space left on device")
    }

    private struct Summary: Decodable {
        struct Digit: Decodable { var margin: Double }
        var count: Int
        var digits: [Digit]
    }

    private func problem(_ json: String) -> String? {
        do { _ = try JSONDecoder().decode(Summary.self, from: Data(json.utf8)); return nil } catch {
            guard let decoding = error as? DecodingError else { return "not a DecodingError: \(error)" }
            return decodingProblem(decoding)
        }
    }

    func testDecodingErrorsNameTheFieldNotSwiftTypes() {
        XCTAssertEqual(problem(#"{"count": "10", "digits": []}"#), "field 'count': expected an integer, found another type")
        XCTAssertEqual(problem(#"{"digits": []}"#), "field 'count' is missing")
        XCTAssertEqual(problem(#"{"count": 1, "digits": [{"margin": 1}, {"margin": null}]}"#), "field 'digits[1].margin': expected a number, found null")
        XCTAssertEqual(problem(#"{"count": 1, "digits": [{}]}"#), "field 'digits[0].margin' is missing")
        XCTAssertEqual(problem(#"{"count": 1,"#), "not valid JSON")
        for json in [#"{"count": "10", "digits": []}"#, #"{"digits": []}"#] {
            let text = problem(json) ?? ""
            XCTAssertFalse(text.contains("CodingKeys") || text.contains("Swift.") || text.contains("Context"), text)
        }
    }
}

/// `excerpt`: inputs quoted in errors are short, whatever their length.
final class ExcerptTests: XCTestCase {
    func testShortTextIsQuotedWhole() {
        XCTAssertEqual(excerpt("12+"), "'12+'")
        XCTAssertEqual(excerpt(""), "''")
        XCTAssertEqual(excerpt(String(repeating: "a", count: 40)), "'" + String(repeating: "a", count: 40) + "'")
    }

    func testLongTextIsCutWithItsLength() {
        XCTAssertEqual(excerpt(String(repeating: "a", count: 41)), "'" + String(repeating: "a", count: 40) + "…' (41 bytes)")
        XCTAssertEqual(excerpt(String(repeating: "é", count: 50), limit: 3), "'ééé…' (100 bytes)")
        let huge = String(repeating: "x", count: 10 << 20)
        XCTAssertEqual(excerpt(huge).utf8.count, 42 + 3 + " (10485760 bytes)".utf8.count)
    }

    func testControlCharactersAreEscaped() {
        XCTAssertEqual(excerpt("a\u{1}b\r"), "'a\\u{1}b\\u{d}'")
    }
}
