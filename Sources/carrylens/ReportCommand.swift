import ArgumentParser
import Foundation
import Reports

/// `carrylens report`: the report files from the results `verify` wrote.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write report.md, report.html, summary.json and failures.csv from verify results.")

    @Argument(help: "A directory written by `carrylens verify`.")
    var results: String

    @Option(help: "Output directory (default: the results directory).")
    var out: String?

    @Flag(help: "Leave timings out so the files are byte-for-byte reproducible.")
    var reproducible = false

    func run() throws {
        let source = URL(fileURLWithPath: results)
        do {
            let loaded = try VerificationResults.load(from: source)
            let target = out.map { URL(fileURLWithPath: $0) } ?? source
            let written = try VerificationReport(results: loaded, reproducible: reproducible).write(to: target)
            for url in written where ["md", "html", "json", "csv"].contains(url.pathExtension) { print(url.path) }
        } catch let error as ReportError {
            throw CLIError(classifying: error)
        }
    }
}
