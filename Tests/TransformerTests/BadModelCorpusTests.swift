import CarryLensTestSupport
import Foundation
import Transformer
import XCTest

/// Every file of `fixtures/bad/` (written by `scripts/make-bad-fixtures`, plus inputs kept
/// from fuzzing the model and checkpoint readers; `.safetensors` and `.pth`) must be refused with exactly the error `fixtures/bad/expected-errors.json`
/// names for it, quickly.
final class BadModelCorpusTests: XCTestCase {
    private let directory = Fixtures.repositoryRoot.appendingPathComponent("fixtures/bad")

    func testEveryBadFileGivesItsError() throws {
        let manifest = try JSONDecoder().decode([String: String].self,
                                                from: Data(contentsOf: directory.appendingPathComponent("expected-errors.json")))
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".safetensors") || $0.hasSuffix(".pth") }
        XCTAssertEqual(Set(files), Set(manifest.keys), "every corpus file needs an expected error, every expected error a file")
        XCTAssertGreaterThanOrEqual(manifest.count, 20)
        for (file, expected) in manifest.sorted(by: { $0.key < $1.key }) {
            let start = Date()
            do {
                _ = try AdditionModel(contentsOf: directory.appendingPathComponent(file))
                XCTFail("\(file) was accepted; expected: \(expected)")
            } catch {
                XCTAssertEqual("\(error)", expected, file)
            }
            XCTAssertLessThan(Date().timeIntervalSince(start), 0.5, "\(file) took too long")
            // Read from memory too (a checkpoint goes through a private temporary file).
            do {
                let url = directory.appendingPathComponent(file)
                _ = try AdditionModel(data: try Data(contentsOf: url), url: url)
                XCTFail("\(file) was accepted from memory; expected: \(expected)")
            } catch {
                XCTAssertEqual("\(error)", expected, "\(file) from memory")
            }
        }
    }
}
