import Foundation

/// Writes a report into a directory: `report.md`, `figures/*.svg` (referenced by the
/// Markdown) and the self-contained `report.html`.
public enum ReportWriter {
    /// Writes both renderings of `document` into `directory` (created if needed) and
    /// returns the URLs written, in a stable order.
    @discardableResult
    public static func write(_ document: ReportDocument, to directory: URL,
                             markdown: MarkdownRenderer = MarkdownRenderer(),
                             html: HTMLRenderer = HTMLRenderer()) throws -> [URL] {
        let fileManager = FileManager.default
        try fileManager.createDirectory(at: directory, withIntermediateDirectories: true)
        var written: [URL] = []
        let markdownReport = markdown.render(document)
        let markdownURL = directory.appendingPathComponent("report.md")
        try Data((markdownReport.markdown + "\n").utf8).write(to: markdownURL, options: .atomic)
        written.append(markdownURL)
        for attachment in markdownReport.attachments {
            let url = directory.appendingPathComponent(attachment.path)
            try fileManager.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(attachment.contents.utf8).write(to: url, options: .atomic)
            written.append(url)
        }
        let htmlURL = directory.appendingPathComponent("report.html")
        try Data(html.render(document).utf8).write(to: htmlURL, options: .atomic)
        written.append(htmlURL)
        return written
    }
}
