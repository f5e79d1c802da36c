import Foundation
import XCTest
@testable import Reports

final class RendererTests: XCTestCase {
    func testMarkdownTableShape() {
        let table = ReportTable(header: ["digit", "failures", "share"],
                                plainRows: [["A5", "0", "0%"], ["A3", "1,234"], ["A1", "5", "x", "extra"]],
                                alignments: [.left, .right, .center])
        let markdown = MarkdownRenderer().render(ReportDocument(title: "T", sections: [ReportSection(title: "S", blocks: [.table(table)])])).markdown
        let lines = markdown.split(separator: "\n").filter { $0.hasPrefix("|") }
        XCTAssertEqual(lines.count, 5)
        XCTAssertEqual(lines[1], "| :--- | ---: | :---: |")
        for line in lines {
            let unescapedPipes = line.indices.filter { line[$0] == "|" && (line.startIndex == $0 || line[line.index(before: $0)] != "\\") }
            XCTAssertEqual(unescapedPipes.count, 4, "every row has exactly 3 cells: \(line)")
        }
        XCTAssertEqual(lines[3], "| A3 | 1,234 |  |")
    }

    func testTableCellsWithPipesAndNewlinesStayInOneCell() {
        let table = ReportTable(header: ["a|b"], plainRows: [["x|y\nz"]])
        let markdown = MarkdownRenderer().render(ReportDocument(title: "T", summary: [.table(table)])).markdown
        XCTAssertTrue(markdown.contains(#"| a\|b |"#))
        XCTAssertTrue(markdown.contains(#"| x\|y z |"#))
    }

    func testEmptyTableSaysNoRows() {
        let document = ReportDocument(title: "T", summary: [.table(ReportTable(header: ["a"], plainRows: []))])
        XCTAssertTrue(MarkdownRenderer().render(document).markdown.contains("(no rows)"))
        XCTAssertTrue(HTMLRenderer().render(document).contains("(no rows)"))
    }

    func testTableOfContentsAnchorsMatchHeadings() {
        let document = ReportDocument(title: "Report", sections: [
            ReportSection(title: "Failures by pattern", subsections: [ReportSection(title: "A3 (carry)")]),
            ReportSection(title: "Failures by pattern"),
        ])
        let html = HTMLRenderer().render(document)
        XCTAssertTrue(html.contains("<a href=\"#failures-by-pattern\">"))
        XCTAssertTrue(html.contains("<h2 id=\"failures-by-pattern\">"))
        XCTAssertTrue(html.contains("<h3 id=\"a3-carry\">"))
        XCTAssertTrue(html.contains("<h2 id=\"failures-by-pattern-1\">"))
        let markdown = MarkdownRenderer().render(document).markdown
        XCTAssertTrue(markdown.contains("- [Failures by pattern](#failures-by-pattern)\n  - [A3 (carry)](#a3-carry)\n- [Failures by pattern](#failures-by-pattern-1)"))
    }

    func testVerdictBadgesAndLegendAppearOnlyForUsedVerdicts() {
        let document = ReportDocument(title: "T", summary: [.note(VerdictNote(.proved, "A0 equals true addition"))])
        let html = HTMLRenderer().render(document)
        XCTAssertTrue(html.contains("verdict-proved"))
        XCTAssertTrue(html.contains(EvidenceBadge.proved.meaning))
        XCTAssertFalse(html.contains(EvidenceBadge.sampled.meaning))
        let markdown = MarkdownRenderer().render(document).markdown
        XCTAssertTrue(markdown.contains("> **[✔ PROVED]** A0 equals true addition"))
    }

    func testHTMLIsSelfContained() {
        let html = HTMLRenderer().render(SampleReportData.make().document)
        XCTAssertFalse(html.contains("<script"))
        XCTAssertFalse(html.contains("<link"))
        XCTAssertFalse(html.contains("@import"))
        XCTAssertFalse(html.contains("src=\"http"))
        XCTAssertFalse(html.contains("url("))
        XCTAssertTrue(html.contains("<nav class=\"toc\""))
        XCTAssertTrue(html.contains("@media print"))
        // Every inline SVG is well-formed on its own.
        var rest = html[...]
        var count = 0
        while let start = rest.range(of: "<svg "), let end = rest.range(of: "</svg>", range: start.upperBound..<rest.endIndex) {
            assertWellFormedXML(String(rest[start.lowerBound..<end.upperBound]), "inline svg \(count)")
            count += 1
            rest = rest[end.upperBound...]
        }
        XCTAssertEqual(count, SampleReportData.make().document.figures.count)
    }

    func testRenderingIsByteIdentical() {
        let document = SampleReportData.make().document
        XCTAssertEqual(HTMLRenderer().render(document), HTMLRenderer().render(SampleReportData.make().document))
        let first = MarkdownRenderer().render(document)
        let second = MarkdownRenderer().render(SampleReportData.make().document)
        XCTAssertEqual(first.markdown, second.markdown)
        XCTAssertEqual(first.attachments.map(\.path), second.attachments.map(\.path))
        XCTAssertEqual(first.attachments.map(\.contents), second.attachments.map(\.contents))
    }

    func testMarkdownReferencesEveryFigureFileOnce() {
        let rendered = MarkdownRenderer().render(SampleReportData.make().document)
        XCTAssertEqual(Set(rendered.attachments.map(\.path)).count, rendered.attachments.count, "figure file names are unique")
        for attachment in rendered.attachments {
            XCTAssertTrue(rendered.markdown.contains("](\(attachment.path))"), attachment.path)
            XCTAssertTrue(attachment.path.hasPrefix("figures/") && attachment.path.hasSuffix(".svg"))
        }
    }

    func testNoFailuresReportStatesItClearly() {
        let document = ReportDocument(title: "T", sections: [ReportSection(title: "Failures", blocks: [
            .figure(ReportFigure(id: "failures", caption: "Failures by pattern.", image: FailuresByPattern(counts: []).render())),
        ])])
        XCTAssertTrue(HTMLRenderer().render(document).contains("No failures: the network answered every question in scope correctly."))
    }

    /// Writes the labelled sample report. Set `CARRYLENS_REPORT_SAMPLE_DIR` to choose the
    /// directory (e.g. /tmp/report-sample to look at it in a browser).
    func testWriterWritesMarkdownFiguresAndHTML() throws {
        let directory: URL
        if let chosen = ProcessInfo.processInfo.environment["CARRYLENS_REPORT_SAMPLE_DIR"], !chosen.isEmpty {
            directory = URL(fileURLWithPath: chosen)
        } else {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("carrylens-report-\(UUID().uuidString)")
        }
        let written = try ReportWriter.write(SampleReportData.make().document, to: directory,
                                             html: HTMLRenderer(footer: "SAMPLE DATA — rendered by the ReportsTests sample; not a result."))
        XCTAssertEqual(written.first?.lastPathComponent, "report.md")
        XCTAssertEqual(written.last?.lastPathComponent, "report.html")
        for url in written { XCTAssertTrue(FileManager.default.fileExists(atPath: url.path), url.path) }
        if ProcessInfo.processInfo.environment["CARRYLENS_REPORT_SAMPLE_DIR"] == nil {
            try? FileManager.default.removeItem(at: directory)
        }
    }
}
