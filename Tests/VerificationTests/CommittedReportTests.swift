import CarryLensTestSupport
import Foundation
import Proofs
import XCTest

/// The verification pipeline on the n = 3 fixture, run once per test process
/// (``SharedVerification``): its committed results and report (proofs/add3_l1_h3_s129000/)
/// are what the current code produces, byte for byte, and it decided each question once
/// and ran each proof once. When the first test fails, run scripts/regenerate-reports and
/// review the diff.
final class CommittedReportTests: XCTestCase {
    func testCommittedThreeDigitReportIsUpToDate() throws {
        let committed = Fixtures.repositoryRoot.appendingPathComponent("proofs/add3_l1_h3_s129000")
        let fresh = try SharedVerification.threeDigit.run().directory
        let files = try deterministicFiles(in: committed)
        XCTAssertGreaterThan(files.count, 20, "committed report missing: run scripts/regenerate-reports")
        XCTAssertEqual(files, try deterministicFiles(in: fresh), "the set of result files changed: run scripts/regenerate-reports")
        for file in files {
            let old = try Data(contentsOf: committed.appendingPathComponent(file))
            let new = try Data(contentsOf: fresh.appendingPathComponent(file))
            XCTAssertEqual(old, new, "proofs/add3_l1_h3_s129000/\(file) is out of date: run scripts/regenerate-reports")
        }
    }

    /// The enumeration decided every question; the interpretation read those decisions and
    /// sent no question to the network again. The paper's and the extracted algorithm were
    /// proved once each (the proof stage wrote the interpretation's runs), plus the chosen
    /// look-ahead: three proofs in all, whatever the stages asked for.
    func testEachQuestionIsDecidedOnceAndEachProofRunsOnce() throws {
        let run = try SharedVerification.threeDigit.run()
        XCTAssertTrue(run.pipeline.isExhaustive)
        XCTAssertEqual(run.pipeline.decisions.questionsDecided, 0, "questions decided again after the enumeration")
        XCTAssertEqual(run.explainRun.indices.count, 1_000_000)
        let distinct = Set([PerDigitAlgorithm.paper, run.explainRun.explanation.algorithm] + [run.explainRun.explanation.fidelity?.algorithm].compactMap { $0 })
        XCTAssertEqual(run.pipeline.proofs.runsPerformed, distinct.count)
        // The proof stage's files are the interpretation's runs.
        let paper = try Data(contentsOf: run.directory.appendingPathComponent("proofs/paper/summary.json"))
        XCTAssertTrue(String(decoding: paper, as: UTF8.self).contains("\"counterexamples\" : \"4500\""))
    }

    /// The report leads with what a reader asks first: the network's accuracy with its
    /// evidence class (999,999 of 10^6 right: 99.9999 %), how it fails, and the claims by name.
    func testHeadlineLeadsWithAccuracyHowItFailsAndNamedClaims() throws {
        let run = try SharedVerification.threeDigit.run()
        let report = try String(contentsOf: run.directory.appendingPathComponent("report.md"), encoding: .utf8)
        let bullets = report.split(separator: "\n").filter { $0.hasPrefix("- ") }
        XCTAssertTrue(bullets.first?.contains("MEASURED") ?? false, "\(bullets.first ?? "")")
        XCTAssertTrue(bullets.first?.contains("Accuracy **99.9999%**") ?? false, "\(bullets.first ?? "")")
        XCTAssertTrue(bullets.dropFirst().first?.contains("How it fails") ?? false, "\(bullets.prefix(3))")
        let claims = run.explainRun.explanation.claims.claims
        let held = claims.filter { $0.status == .holds }.map { $0.id.replacingOccurrences(of: "_", with: " ") }
        XCTAssertFalse(held.isEmpty)
        XCTAssertTrue(report.contains("hold: " + held.joined(separator: ", ") + ";"), "claims not named in the headline")
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
