/// The `Reports` module turns plain data into reports people can read.
///
/// It has three layers, each usable on its own:
///
/// - a small document model (``ReportDocument``, ``ReportSection``, ``ReportBlock``)
///   with verdict badges (``EvidenceBadge``) so a proof is never mistaken for a measurement;
/// - renderers: ``MarkdownRenderer`` (GitHub-flavoured `report.md`, figures written
///   beside it as `.svg` files) and ``HTMLRenderer`` (one self-contained `report.html`
///   with inline CSS and inline SVG, no scripts, no network);
///   ``ReportWriter`` writes both into a directory;
/// - deterministic SVG figure builders (``BarChart``, ``Heatmap`` and the task-specific
///   ``AttentionStaircase``, ``FailuresByPattern``, ``ThreeWayAgreement``), and
///   deterministic JSON / RFC 4180 CSV helpers (``CanonicalJSON (AdditionTask)``, ``CSV``).
///
/// The module deliberately takes its input as small plain structs of its own, so it
/// does not depend on the data types of the other stages.
public enum ReportsModule {
    /// Version of the report format; bump when output bytes change on purpose.
    public static let formatVersion = 1
}
