/// A report: a title, an optional summary, and sections of blocks.
///
/// The model is deliberately small. It carries no markup: both renderers escape all
/// text, so data (questions, file names, solver messages) can be passed as-is.
public struct ReportDocument: Sendable {
    /// The report title (the page's `<h1>` / Markdown `#`).
    public var title: String
    /// Blocks shown under the title, before the table of contents.
    public var summary: [ReportBlock]
    /// The sections, in order.
    public var sections: [ReportSection]

    public init(title: String, summary: [ReportBlock] = [], sections: [ReportSection] = []) {
        self.title = title
        self.summary = summary
        self.sections = sections
    }

    /// Every verdict used anywhere in the document, in ``EvidenceBadge/allCases`` order.
    public var verdictsUsed: [EvidenceBadge] {
        var used = Set<EvidenceBadge>()
        func visit(_ blocks: [ReportBlock]) { for block in blocks { used.formUnion(block.verdicts) } }
        visit(summary)
        func visitSection(_ section: ReportSection) {
            visit(section.blocks)
            section.subsections.forEach(visitSection)
        }
        sections.forEach(visitSection)
        return EvidenceBadge.allCases.filter(used.contains)
    }

    /// Every figure in document order (summary first, then sections depth first).
    public var figures: [ReportFigure] {
        var result: [ReportFigure] = []
        func collect(_ blocks: [ReportBlock]) {
            for case .figure(let figure) in blocks { result.append(figure) }
        }
        collect(summary)
        func visitSection(_ section: ReportSection) {
            collect(section.blocks)
            section.subsections.forEach(visitSection)
        }
        sections.forEach(visitSection)
        return result
    }
}

/// A titled section; sections may contain one further level of subsections.
public struct ReportSection: Sendable {
    /// Section heading.
    public var title: String
    /// The section's content.
    public var blocks: [ReportBlock]
    /// Nested sections (rendered one heading level lower). Deeper nesting is flattened
    /// to the lowest heading level the renderers support.
    public var subsections: [ReportSection]

    public init(title: String, blocks: [ReportBlock] = [], subsections: [ReportSection] = []) {
        self.title = title
        self.blocks = blocks
        self.subsections = subsections
    }
}

/// One block of content inside a section.
public enum ReportBlock: Sendable {
    /// A paragraph of rich text.
    case paragraph(RichText)
    /// A bulleted list.
    case list([RichText])
    /// A table.
    case table(ReportTable)
    /// A titled group of key/value facts (e.g. model, digits, question count).
    case card(KeyValueCard)
    /// Preformatted text (SMT-LIB, a command line, a counterexample).
    case code(CodeBlock)
    /// An SVG figure with a caption.
    case figure(ReportFigure)
    /// A statement with a verdict badge, e.g. "A3 equals true addition" — PROVED.
    case note(VerdictNote)
    /// A list of links (e.g. to `.smt2` files that re-check a proof).
    case links([ReportLink])

    /// Convenience: a plain-text paragraph.
    public static func text(_ text: String) -> ReportBlock { .paragraph(RichText(text)) }

    var verdicts: [EvidenceBadge] {
        switch self {
        case .paragraph(let text): return text.verdicts
        case .list(let items): return items.flatMap(\.verdicts)
        case .table(let table): return table.rows.flatMap { $0.flatMap(\.verdicts) }
        case .card(let card): return card.entries.flatMap(\.value.verdicts)
        case .note(let note): return [note.verdict] + note.text.verdicts
        case .code, .figure, .links: return []
        }
    }
}

/// Horizontal alignment of a table column.
public enum ColumnAlignment: Sendable, Hashable {
    case left, center, right
}

/// A table with a header row, body rows and optional per-column alignment.
public struct ReportTable: Sendable {
    /// Column headings.
    public var header: [String]
    /// Body rows. Short rows are padded with empty cells, long rows are truncated
    /// to the header's width by the renderers.
    public var rows: [[RichText]]
    /// Per-column alignment; missing entries mean left. Use `.right` for numbers.
    public var alignments: [ColumnAlignment]
    /// Optional caption shown above the table.
    public var caption: String?

    public init(header: [String], rows: [[RichText]], alignments: [ColumnAlignment] = [], caption: String? = nil) {
        self.header = header
        self.rows = rows
        self.alignments = alignments
        self.caption = caption
    }

    /// Convenience for tables of plain strings.
    public init(header: [String], plainRows: [[String]], alignments: [ColumnAlignment] = [], caption: String? = nil) {
        self.init(header: header, rows: plainRows.map { row in row.map { RichText($0) } }, alignments: alignments, caption: caption)
    }

    /// The alignment of column `index` (left when unspecified).
    public func alignment(ofColumn index: Int) -> ColumnAlignment {
        index < alignments.count ? alignments[index] : .left
    }

    /// Rows normalised to exactly `header.count` cells.
    var normalisedRows: [[RichText]] {
        rows.map { row in
            let cut = Array(row.prefix(header.count))
            return cut + Array(repeating: RichText(""), count: header.count - cut.count)
        }
    }
}

/// A titled group of key/value facts.
public struct KeyValueCard: Sendable {
    /// One fact.
    public struct Entry: Sendable {
        public var key: String
        public var value: RichText
        public init(key: String, value: RichText) {
            self.key = key
            self.value = value
        }
    }

    public var title: String
    public var entries: [Entry]

    public init(title: String, entries: [Entry]) {
        self.title = title
        self.entries = entries
    }

    /// Convenience for plain `(key, value)` pairs, kept in the given order.
    public init(title: String, pairs: [(String, String)]) {
        self.init(title: title, entries: pairs.map { Entry(key: $0.0, value: RichText($0.1)) })
    }
}

/// Preformatted text, optionally tagged with a language (e.g. `smt2`).
public struct CodeBlock: Sendable {
    public var text: String
    public var language: String?
    public init(_ text: String, language: String? = nil) {
        self.text = text
        self.language = language
    }
}

/// An SVG figure with a caption.
public struct ReportFigure: Sendable {
    /// Identifier used for the Markdown side file (`figures/<id>.svg`) and the HTML anchor.
    /// Sanitised by the renderers to `[a-z0-9-]`.
    public var id: String
    /// The caption; say what is plotted and where the data came from.
    public var caption: String
    /// The figure itself.
    public var image: SVGImage

    public init(id: String, caption: String, image: SVGImage) {
        self.id = id
        self.caption = caption
        self.image = image
    }
}

/// A statement qualified by a verdict badge.
public struct VerdictNote: Sendable {
    public var verdict: EvidenceBadge
    public var text: RichText
    public init(_ verdict: EvidenceBadge, _ text: RichText) {
        self.verdict = verdict
        self.text = text
    }
}
