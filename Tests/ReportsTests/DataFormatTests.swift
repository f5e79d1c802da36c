import AdditionTask
import XCTest
@testable import Reports

final class DataFormatTests: XCTestCase {
    func testCSVFieldEscapingFollowsRFC4180() {
        XCTAssertEqual(CSV.field("plain"), "plain")
        XCTAssertEqual(CSV.field("a,b"), "\"a,b\"")
        XCTAssertEqual(CSV.field("say \"hi\""), "\"say \"\"hi\"\"\"")
        XCTAssertEqual(CSV.field("two\nlines"), "\"two\nlines\"")
        XCTAssertEqual(CSV.field("cr\r\nlf"), "\"cr\r\nlf\"")
        XCTAssertEqual(CSV.field(""), "")
        XCTAssertEqual(CSV.field("_99C_"), "_99C_")
    }

    func testCSVDocumentUsesCRLFRecords() {
        let text = CSV.document(header: ["question", "pattern"], rows: [["00445+00555", "_99C_"], ["a,b", "x"]])
        XCTAssertEqual(text, "question,pattern\r\n00445+00555,_99C_\r\n\"a,b\",x\r\n")
    }

    struct Sample: Encodable {
        let zeta: Int
        let alpha: [String: Double]
        let path: String
    }

    func testJSONIsSortedPrettyAndStable() throws {
        let value = Sample(zeta: 1, alpha: ["b": 2.5, "a": 1], path: "proofs/a.smt2")
        let first = try CanonicalJSON.string(value)
        let second = try CanonicalJSON.string(value)
        XCTAssertEqual(first, second)
        XCTAssertTrue(first.hasSuffix("}\n"))
        XCTAssertTrue(first.contains("proofs/a.smt2"), "slashes must not be escaped")
        let alpha = try XCTUnwrap(first.range(of: "\"alpha\""))
        let zeta = try XCTUnwrap(first.range(of: "\"zeta\""))
        XCTAssertLessThan(alpha.lowerBound, zeta.lowerBound)
        let a = try XCTUnwrap(first.range(of: "\"a\""))
        let b = try XCTUnwrap(first.range(of: "\"b\""))
        XCTAssertLessThan(a.lowerBound, b.lowerBound)
        XCTAssertTrue(first.contains("\n  "), "pretty printed")
    }

    func testJSONEncodesNonFiniteNumbersAsStrings() throws {
        XCTAssertEqual(try CanonicalJSON.string([Double.nan]).filter { !$0.isWhitespace }, "[\"NaN\"]")
    }

    func testNumberFormattingIsLocaleFree() {
        XCTAssertEqual(NumberFormatting.grouped(10_000_000_000), "10,000,000,000")
        XCTAssertEqual(NumberFormatting.grouped(-1234), "-1,234")
        XCTAssertEqual(NumberFormatting.grouped(0), "0")
        XCTAssertEqual(NumberFormatting.fixed(0.125, decimals: 2), "0.13")
        XCTAssertEqual(NumberFormatting.fixed(-0.001, decimals: 2), "0.00")
        XCTAssertEqual(NumberFormatting.fixed(2, decimals: 0), "2")
        XCTAssertEqual(NumberFormatting.compact(1e10), "10G")
        XCTAssertEqual(NumberFormatting.compact(1500), "1.5k")
        XCTAssertEqual(NumberFormatting.percent(1, of: 10_000_000_000), "<0.001%")
        XCTAssertEqual(NumberFormatting.percent(0, of: 10), "0%")
        XCTAssertEqual(NumberFormatting.percent(1, of: 8), "12.5%")
    }
}
