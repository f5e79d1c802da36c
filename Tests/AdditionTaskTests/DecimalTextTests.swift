import AdditionTask
import XCTest

final class DecimalTextTests: XCTestCase {
    func testGroupsIntegersAndLongDecimalStrings() {
        XCTAssertEqual(DecimalText.grouped(0), "0")
        XCTAssertEqual(DecimalText.grouped(999), "999")
        XCTAssertEqual(DecimalText.grouped(1_000), "1,000")
        XCTAssertEqual(DecimalText.grouped(-1_234_567), "-1,234,567")
        // Beyond Int64: Z3's exact counts for n = 12 are about 4.4·10^22.
        XCTAssertEqual(DecimalText.grouped(digits: "44000000000000000000000"), "44,000,000,000,000,000,000,000")
    }
}
