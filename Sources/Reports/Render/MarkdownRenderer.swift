/// The Markdown rendering of a report plus the side files it refers to.
public struct MarkdownReport: Sendable {
    /// The text of `report.md`.
    public let markdown: String
    /// Files to write beside `report.md`, keyed by relative path (`figures/<id>.svg`).
    public let attachments: [(path: String, contents: String)]
}

/// Renders a ``ReportDocument`` as GitHub-flavoured Markdown.
///
/// Figures are written as separate files `figures/<id>.svg` beside `report.md` and
/// embedded with `![caption](figures/<id>.svg)`, followed by the caption in italics so
/// the text still reads where images are not shown. Verdicts render as `**[✔ PROVED]**`.
/// All text is escaped; no raw HTML is emitted.
public struct MarkdownRenderer: Sendable {
    /// Directory (relative to `report.md`) for figure files.
    public var figureDirectory: String

    public init(figureDirectory: String = "figures") {
        self.figureDirectory = figureDirectory
    }

    /// Renders the document.
    public func render(_ document: ReportDocument) -> MarkdownReport {
        let outline = DocumentOutline(document)
        var state = State(figureIDs: outline.figureFileIDs, figureDirectory: figureDirectory)
        var out = "# " + Escaping.markdownInline(document.title) + "\n\n"
        for block in document.summary { out += state.block(block) }
        if !outline.entries.isEmpty {
            out += "## Contents\n\n"
            func toc(_ entries: [DocumentOutline.Entry], depth: Int) {
                for entry in entries {
                    out += String(repeating: "  ", count: depth) + "- [" + Escaping.markdownInline(entry.section.title) + "](#" + entry.anchor + ")\n"
                    toc(entry.children, depth: depth + 1)
                }
            }
            toc(outline.entries, depth: 0)
            out += "\n"
        }
        let verdicts = document.verdictsUsed
        if !verdicts.isEmpty {
            out += "**How to read the badges.**\n\n"
            for verdict in verdicts {
                out += "- " + Self.badge(verdict) + " " + Escaping.markdownInline(verdict.meaning) + "\n"
            }
            out += "\n"
        }
        func section(_ entry: DocumentOutline.Entry) {
            out += String(repeating: "#", count: entry.level) + " " + Escaping.markdownInline(entry.section.title) + "\n\n"
            for block in entry.section.blocks { out += state.block(block) }
            entry.children.forEach(section)
        }
        outline.entries.forEach(section)
        while out.hasSuffix("\n\n") { out.removeLast() }
        return MarkdownReport(markdown: out, attachments: state.attachments)
    }

    static func badge(_ verdict: EvidenceBadge) -> String {
        "**[" + verdict.symbol + " " + verdict.label + "]**"
    }

    private struct State {
        let figureIDs: [String]
        let figureDirectory: String
        var figureIndex = 0
        var attachments: [(path: String, contents: String)] = []

        func inline(_ text: RichText) -> String {
            text.spans.map { span -> String in
                switch span {
                case .text(let value): return Escaping.markdownInline(value)
                case .strong(let value): return value.isEmpty ? "" : "**" + Escaping.markdownInline(value) + "**"
                case .code(let value): return Escaping.markdownCode(value)
                case .verdict(let verdict): return MarkdownRenderer.badge(verdict)
                case .link(let link):
                    guard link.isSafeTarget else { return Escaping.markdownInline(link.text + " (" + link.target + ")") }
                    return "[" + Escaping.markdownInline(link.text) + "](" + link.encodedTarget + ")"
                }
            }.joined()
        }

        mutating func block(_ block: ReportBlock) -> String {
            switch block {
            case .paragraph(let text):
                return inline(text) + "\n\n"
            case .list(let items):
                return items.map { "- " + inline($0) + "\n" }.joined() + "\n"
            case .table(let table):
                return Self.table(table, inline: inline)
            case .card(let card):
                var out = "**" + Escaping.markdownInline(card.title) + "**\n\n"
                for entry in card.entries {
                    out += "- " + Escaping.markdownInline(entry.key) + ": " + inline(entry.value) + "\n"
                }
                return out + "\n"
            case .code(let code):
                let fence = String(repeating: "`", count: max(3, Escaping.longestRun(of: "`", in: code.text) + 1))
                let language = code.language.map(AnchorAllocator.fileSafe) ?? ""
                var body = code.text
                if !body.hasSuffix("\n") { body += "\n" }
                return fence + language + "\n" + body + fence + "\n\n"
            case .figure(let figure):
                figureIndex += 1
                let id = figureIndex - 1 < figureIDs.count ? figureIDs[figureIndex - 1] : "figure-\(figureIndex)"
                let path = figureDirectory + "/" + id + ".svg"
                attachments.append((path, figure.image.fileContents))
                let caption = "Figure \(figureIndex). " + figure.caption
                return "![" + Escaping.markdownInline(caption) + "](" + path + ")\n\n*" + Escaping.markdownInline(caption) + "*\n\n"
            case .note(let note):
                return "> " + MarkdownRenderer.badge(note.verdict) + " " + inline(note.text) + "\n\n"
            case .links(let links):
                return links.map { "- " + inline(RichText([.link($0)])) + "\n" }.joined() + "\n"
            }
        }

        static func table(_ table: ReportTable, inline: (RichText) -> String) -> String {
            guard !table.header.isEmpty else { return "" }
            var out = ""
            if let caption = table.caption { out += "**" + Escaping.markdownInline(caption) + "**\n\n" }
            func row(_ cells: [String]) -> String { "| " + cells.joined(separator: " | ") + " |\n" }
            out += row(table.header.map { Escaping.markdownInline($0) })
            out += row(table.header.indices.map { index in
                switch table.alignment(ofColumn: index) {
                case .left: return ":---"
                case .center: return ":---:"
                case .right: return "---:"
                }
            })
            for cells in table.normalisedRows { out += row(cells.map(inline)) }
            if table.rows.isEmpty { out += "\n*(no rows)*\n" }
            return out + "\n"
        }
    }
}
