import Foundation

/// Relative paths between local files, for links in a report written to one directory
/// that point at result files in another.
enum RelativePath {
    /// The path of `file` relative to `directory` (both made absolute and standardized):
    /// `proofs/paper/A3-differs.smt2` when the file is below the directory,
    /// `../results/proofs/…` when it is beside it.
    static func from(_ directory: URL, to file: URL) -> String {
        let base = directory.absoluteURL.standardizedFileURL.pathComponents
        let target = file.absoluteURL.standardizedFileURL.pathComponents
        var common = 0
        while common < base.count, common < target.count, base[common] == target[common] { common += 1 }
        let parts = Array(repeating: "..", count: base.count - common) + target[common...]
        return parts.isEmpty ? "." : parts.joined(separator: "/")
    }
}
