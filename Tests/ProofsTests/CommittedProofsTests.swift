import AdditionTask
import CarryLensTestSupport
import Foundation
import XCTest
@testable import Proofs

/// Checks the committed proofs under proofs/paper/: each .smt2 re-checks with the
/// stock `z3` binary to its recorded result, and the committed counts equal a
/// closed form derived by hand.
final class CommittedProofsTests: XCTestCase {
    static let proofsDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("proofs/paper")

    func committedReports() throws -> [(URL, ProofReport)] {
        var result: [(URL, ProofReport)] = []
        for n in 1...12 {
            let directory = Self.proofsDirectory.appendingPathComponent(String(format: "n%02d", n))
            let data = try Data(contentsOf: directory.appendingPathComponent("summary.json"))
            result.append((directory, try CanonicalJSON.decode(ProofReport.self, from: data)))
        }
        return result
    }

    /// Hand-derived counts for the paper's algorithm: A(k) is wrong exactly when columns
    /// k-1, …, j+1 have sum 9 (at least two of them) and column j makes a carry, for some j.
    /// Any digit is wrong exactly when the class string contains `99C`.
    func testCommittedCountsEqualClosedForm() throws {
        for (_, report) in try committedReports() {
            let n = report.nDigits
            var perDigit: [String] = []
            for k in (0...n).reversed() {
                var count: UInt128 = 0
                if k >= 3 {
                    for j in 0...(k - 3) {
                        count += power10(UInt128(k - 1 - j)) * 45 * power10(UInt128(2 * (n - (k - j))))
                    }
                }
                perDigit.append(String(count))
            }
            XCTAssertEqual(report.perDigitCounterexamples, perDigit, "n=\(n)")
            // Total: weighted class strings containing 99C (state = length of the run of 9s above, capped at 2).
            var weights: [UInt128] = [1, 0, 0], hit: UInt128 = 0
            for _ in 0..<n {  // columns from the top down
                let (none, one, two) = (weights[0], weights[1], weights[2])
                hit = hit * 100 + two * 45
                weights = [(none + one) * 90 + two * 45, none * 10, (one + two) * 10]
            }
            XCTAssertEqual(report.counterexamples, String(hit), "n=\(n)")
            XCTAssertEqual(report.verdict, hit == 0 ? .proved : .refuted)
        }
    }

    func testCommittedSMTFilesRecheckWithZ3Binary() throws {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        guard let z3 = path.split(separator: ":").map({ URL(fileURLWithPath: String($0)).appendingPathComponent("z3") })
            .first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw TestGates.missingTool("the z3 binary is not on PATH; install z3 to re-check the committed .smt2 files")
        }
        var checked = 0
        for (directory, report) in try committedReports() {
            XCTAssertFalse(report.smt2Checks.isEmpty)
            // The files of one n are checked concurrently to keep the test short.
            var running: [(SMTCheck, Process, Pipe)] = []
            for check in report.smt2Checks {
                let process = Process()
                process.executableURL = z3
                process.arguments = [directory.appendingPathComponent(check.file).path]
                let pipe = Pipe()
                process.standardOutput = pipe
                try process.run()
                running.append((check, process, pipe))
            }
            for (check, process, pipe) in running {
                let output = pipe.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                let text = String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                XCTAssertEqual(text, check.expected, "\(directory.lastPathComponent)/\(check.file)")
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 12)
    }
}
