import XCTest
@testable import Reports

final class EscapingTests: XCTestCase {
    func testXMLEscapesAllFiveSpecialCharacters() {
        XCTAssertEqual(Escaping.html(#"<a href="x">Tom & 'Jerry'</a>"#),
                       "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;")
    }

    func testXMLReplacesControlCharactersButKeepsWhitespaceAndUnicode() {
        XCTAssertEqual(Escaping.xml("a\u{0}b\u{1B}c\td\ne ≈ ✔"), "a\u{FFFD}b\u{FFFD}c\td\ne ≈ ✔")
        assertWellFormedXML("<r>" + Escaping.xml("bad \u{0} \u{8} \u{FFFE} & <x>") + "</r>")
    }

    func testMarkdownInlineEscapesEmphasisPipesAndHTML() {
        XCTAssertEqual(Escaping.markdownInline("_99C_ | *x* <b>&"), #"\_99C\_ \| \*x\* &lt;b&gt;&amp;"#)
        XCTAssertEqual(Escaping.markdownInline("[link](javascript:x)"), #"\[link\](javascript:x)"#)
        XCTAssertEqual(Escaping.markdownInline("line\nbreak"), "line break")
    }

    func testMarkdownInlineEscapesLeadingBlockMarkers() {
        XCTAssertEqual(Escaping.markdownInline("# not a heading"), ##"\# not a heading"##)
        XCTAssertEqual(Escaping.markdownInline("- not a list"), #"\- not a list"#)
        XCTAssertEqual(Escaping.markdownInline("12. not a list"), #"12\. not a list"#)
        XCTAssertEqual(Escaping.markdownInline("3 + 4 = 7"), "3 + 4 = 7")
        XCTAssertEqual(Escaping.markdownInline("4.1%"), "4.1%")
        XCTAssertEqual(Escaping.markdownInline("-1,234"), "-1,234")
        XCTAssertEqual(Escaping.markdownInline("---"), #"\---"#)
        XCTAssertEqual(Escaping.markdownInline("#x"), "#x")
        XCTAssertEqual(Escaping.markdownInline("## x"), "\\## x")
    }

    func testMarkdownCodeUsesLongerFenceThanContent() {
        XCTAssertEqual(Escaping.markdownCode("00445+00555"), "`00445+00555`")
        XCTAssertEqual(Escaping.markdownCode("a`b"), "``a`b``")
        XCTAssertEqual(Escaping.markdownCode("a|b"), #"`a\|b`"#)
    }

    func testHTMLRendererEscapesEveryTextSlot() {
        let evil = "<script>alert('x')</script>&"
        let document = ReportDocument(
            title: evil,
            summary: [.paragraph(RichText([.text(evil), .strong(evil), .code(evil)]))],
            sections: [ReportSection(title: evil, blocks: [
                .table(ReportTable(header: [evil], plainRows: [[evil]], caption: evil)),
                .card(KeyValueCard(title: evil, pairs: [(evil, evil)])),
                .code(CodeBlock(evil, language: evil)),
                .note(VerdictNote(.sampled, RichText(evil))),
                .links([ReportLink(text: evil, target: "proofs/" + evil + ".smt2")]),
                .list([RichText(evil)]),
                .figure(ReportFigure(id: evil, caption: evil, image: BarChart(
                    title: evil, subtitle: evil, categoryAxisLabel: evil, valueAxisLabel: evil,
                    categories: [evil], series: [.init(name: evil, values: [3])]).render())),
            ])])
        let html = HTMLRenderer(footer: evil).render(document)
        XCTAssertFalse(html.contains("<script"), "raw script tag leaked")
        XCTAssertFalse(html.contains("alert('x')"), "unescaped quote leaked")
        XCTAssertTrue(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;"))
        // Outside fenced code blocks (whose content Markdown shows literally) no raw HTML may appear.
        let markdown = MarkdownRenderer().render(document).markdown
        var insideFence = false
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("```") { insideFence.toggle(); continue }
            // Inline code spans are literal too: drop them before looking for raw HTML.
            let outsideCode = line.split(separator: "`", omittingEmptySubsequences: false).enumerated()
                .filter { $0.offset % 2 == 0 }.map(\.element).joined()
            if !insideFence { XCTAssertFalse(outsideCode.contains("<script"), "raw HTML leaked into Markdown: \(line)") }
        }
        XCTAssertFalse(insideFence, "unterminated code fence")
    }

    func testUnsafeLinkSchemesAreNotLinked() {
        let html = HTMLRenderer.inline(RichText([.link(ReportLink(text: "click", target: "javascript:alert(1)"))]))
        XCTAssertFalse(html.contains("href"))
        XCTAssertTrue(ReportLink(text: "p", target: "proofs/A3 equals.smt2").isSafeTarget)
        XCTAssertTrue(ReportLink(text: "p", target: "https://example.org/x").isSafeTarget)
        XCTAssertFalse(ReportLink(text: "p", target: "data:text/html,x").isSafeTarget)
        let linked = HTMLRenderer.inline(RichText([.link(ReportLink(text: "A3", target: "proofs/A3 equals.smt2"))]))
        XCTAssertEqual(linked, "<a href=\"proofs/A3%20equals.smt2\">A3</a>")
    }
}
