import CarryLensTestSupport
import Foundation
import XCTest

/// The committed results and report of the n = 3 model (proofs/add3_l1_h3_s129000/)
/// are what the current code produces: `carrylens verify --reproducible` is run
/// afresh and every deterministic file is compared byte for byte.
/// When this fails, run scripts/regenerate-reports and review the diff.
final class CommittedReportTests: XCTestCase {
    func testCommittedThreeDigitReportIsUpToDate() throws {
        let committed = Fixtures.repositoryRoot.appendingPathComponent("proofs/add3_l1_h3_s129000")
        let fresh = try Fixtures.temporaryDirectory("verify3")
        defer { try? FileManager.default.removeItem(at: fresh) }
        let output = try CLIRunner.succeed(["verify", Fixtures.modelURL(digits: 3).path, "--out", fresh.path, "--reproducible"])
        XCTAssertTrue(output.stdout.contains("report.html"))
        let files = try deterministicFiles(in: committed)
        XCTAssertGreaterThan(files.count, 20, "committed report missing: run scripts/regenerate-reports")
        XCTAssertEqual(files, try deterministicFiles(in: fresh), "the set of result files changed: run scripts/regenerate-reports")
        for file in files {
            let old = try Data(contentsOf: committed.appendingPathComponent(file))
            let new = try Data(contentsOf: fresh.appendingPathComponent(file))
            XCTAssertEqual(old, new, "proofs/add3_l1_h3_s129000/\(file) is out of date: run scripts/regenerate-reports")
        }
    }

    /// Every result file except the run- and machine-dependent ones (timings, fp32 margins, locks, checkpoints).
    private func deterministicFiles(in directory: URL) throws -> [String] {
        guard let enumerator = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: [.isRegularFileKey]) else { return [] }
        var files: [String] = []
        let base = directory.standardizedFileURL.path + "/"
        for case let url as URL in enumerator {
            guard (try url.resourceValues(forKeys: [.isRegularFileKey])).isRegularFile == true else { continue }
            let relative = String(url.standardizedFileURL.path.dropFirst(base.count))
            let name = url.lastPathComponent
            if name.hasPrefix(".") || ["timing.json", "timings.json", "margins.json", "checkpoint.json"].contains(name) { continue }
            files.append(relative)
        }
        return files.sorted()
    }
}
