import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Progress of a long run on standard error: done/total, percent, rate and ETA.
///
/// On a terminal the line is rewritten in place a few times a second; otherwise (a log
/// file, a CI job, a Slurm task's output) a plain line is written every
/// ``lineInterval`` seconds and at the end, so logs stay readable and small.
public final class ProgressReporter: @unchecked Sendable {
    /// How progress is shown.
    public enum Style: Sendable, Equatable {
        /// One line rewritten in place (carriage return), throttled to twice a second.
        case terminal
        /// A complete line every `interval` seconds and one at the end.
        case lines(interval: TimeInterval)
    }

    /// Seconds between plain lines when standard error is not a terminal.
    public static let lineInterval: TimeInterval = 30

    private let total: Int
    private let startDate: Date
    private var lastReport = Date.distantPast
    private let style: Style
    private let startDone: Int
    private let unit: String
    private let write: (String) -> Void
    private let clock: () -> Date
    private let lock = NSLock()

    /// - Parameters:
    ///   - total: items in the run; `alreadyDone` of them were done before (resume).
    ///   - unit: what is counted, for the rate (`sums/s`).
    ///   - style: `nil` picks ``Style/terminal`` when standard error is a terminal, else
    ///     ``Style/lines(interval:)`` with ``lineInterval``.
    ///   - write: where text goes (standard error by default).
    ///   - clock: the time source (tests pass a fake one).
    public init(total: Int, alreadyDone: Int = 0, unit: String = "sums", style: Style? = nil,
                write: @escaping (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) },
                clock: @escaping () -> Date = Date.init) {
        self.total = total
        self.startDone = alreadyDone
        self.unit = unit
        self.style = style ?? (isatty(2) != 0 ? .terminal : .lines(interval: Self.lineInterval))
        self.write = write
        self.clock = clock
        self.startDate = clock()
    }

    /// Reports that `done` of `total` items are done (throttled; the last call, with
    /// `done == total`, is always shown).
    public func report(done: Int) {
        lock.lock(); defer { lock.unlock() }
        let now = clock()
        let finished = done >= total
        switch style {
        case .terminal:
            guard now.timeIntervalSince(lastReport) >= 0.5 || finished else { return }
            lastReport = now
            write("\r" + status(done: done, now: now) + "   " + (finished ? "\n" : ""))
        case .lines(let interval):
            if lastReport == .distantPast { lastReport = startDate }
            guard now.timeIntervalSince(lastReport) >= interval || finished else { return }
            lastReport = now
            write(status(done: done, now: now) + "\n")
        }
    }

    /// `done/total (percent%)  rate unit/s  ETA …`.
    func status(done: Int, now: Date) -> String {
        let elapsed = max(now.timeIntervalSince(startDate), 1e-9)
        let rate = Double(done - startDone) / elapsed
        let remaining = rate > 0 ? Double(max(total - done, 0)) / rate : .infinity
        let percent = total > 0 ? 100 * Double(done) / Double(total) : 100
        return "\(done)/\(total) (" + String(format: "%.2f", percent) + "%)  "
            + String(format: "%.0f", rate) + " \(unit)/s  ETA " + Self.duration(remaining)
    }

    /// `1h02m03s`-style text.
    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "?" }
        let total = Int(seconds.rounded())
        let hours = total / 3600, minutes = (total / 60) % 60, secs = total % 60
        return hours > 0 ? String(format: "%dh%02dm%02ds", hours, minutes, secs) : String(format: "%dm%02ds", minutes, secs)
    }
}
