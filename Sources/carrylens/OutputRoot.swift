/// Where commands write when `--out` is not given: one root, `out/`, with a folder per
/// command (`out/verify`, `out/enumerate`, `out/explain`, `out/prove`, `out/merge`).
enum OutputRoot {
    /// The root folder, relative to the working directory.
    static let root = "out"

    /// The default output directory of `command`.
    static func directory(for command: String) -> String { root + "/" + command }
}
