import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Progress on standard error (done/total, rate, ETA), only when it is a terminal.
public final class ProgressReporter: @unchecked Sendable {
    private let total: Int
    private let startDate = Date()
    private var lastReport = Date.distantPast
    private let enabled: Bool
    private let startDone: Int

    /// - Parameters:
    ///   - total: questions in the run; `alreadyDone` of them were done before (resume).
    ///   - force: report even when standard error is not a terminal.
    public init(total: Int, alreadyDone: Int = 0, force: Bool = false) {
        self.total = total
        self.startDone = alreadyDone
        self.enabled = force || isatty(2) != 0
    }

    /// Reports that `done` of `total` questions are done (throttled to a few times a second).
    public func report(done: Int) {
        guard enabled else { return }
        let now = Date()
        guard now.timeIntervalSince(lastReport) >= 0.5 || done == total else { return }
        lastReport = now
        let elapsed = max(now.timeIntervalSince(startDate), 1e-9)
        let rate = Double(done - startDone) / elapsed
        let remaining = rate > 0 ? Double(total - done) / rate : .infinity
        let percent = total > 0 ? 100 * Double(done) / Double(total) : 100
        let line = "\r\(done)/\(total) (" + String(format: "%.2f", percent) + "%)  "
            + String(format: "%.0f", rate) + " sums/s  ETA " + Self.duration(remaining) + "   "
        FileHandle.standardError.write(Data(line.utf8))
        if done == total { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    /// `1h02m03s`-style text.
    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "?" }
        let total = Int(seconds.rounded())
        let hours = total / 3600, minutes = (total / 60) % 60, secs = total % 60
        return hours > 0 ? String(format: "%dh%02dm%02ds", hours, minutes, secs) : String(format: "%dm%02ds", minutes, secs)
    }
}
