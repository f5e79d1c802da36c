import CarryLensTestSupport
import Foundation
import XCTest
@testable import Exhaustive

/// FIPS 180-4 test vectors, for bytes and for files read in blocks.
final class FileDigestTests: XCTestCase {
    func testFIPSVectors() {
        XCTAssertEqual(FileDigest.sha256Hex(Data()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(FileDigest.sha256Hex(Data("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(FileDigest.sha256Hex(Data("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    func testAFileLargerThanOneBlock() throws {
        let directory = try Fixtures.temporaryDirectory("digest")
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("a.txt")
        // One million 'a' (FIPS 180-4 long message), written as 2.5 blocks of reading.
        try Data(repeating: UInt8(ascii: "a"), count: 1_000_000).write(to: url)
        let digest = try FileDigest.sha256Hex(ofFileAt: url)
        XCTAssertEqual(digest.hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        XCTAssertEqual(digest.bytes, 1_000_000)
    }
}
