/// Creates heading anchors the way GitHub does, so Markdown table-of-contents links
/// and HTML `id`s agree: lower-case, letters/digits/`-`/`_` kept, spaces become `-`,
/// everything else dropped, duplicates suffixed `-1`, `-2`, ….
struct AnchorAllocator {
    private var used: [String: Int] = [:]

    /// The anchor for `title`, unique within this allocator.
    mutating func anchor(for title: String) -> String {
        let base = Self.slug(title)
        let seen = used[base, default: 0]
        used[base] = seen + 1
        return seen == 0 ? base : "\(base)-\(seen)"
    }

    static func slug(_ title: String) -> String {
        var result = ""
        for character in title.lowercased() {
            if character == " " { result.append("-") }
            else if character == "-" || character == "_" { result.append(character) }
            else if character.isLetter || character.isNumber { result.append(character) }
        }
        return result.isEmpty ? "section" : result
    }

    /// A file-name-safe identifier: `[a-z0-9-]` only.
    static func fileSafe(_ text: String) -> String {
        var result = ""
        for scalar in text.lowercased().unicodeScalars {
            if ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) { result.unicodeScalars.append(scalar) }
            else if !result.hasSuffix("-") { result.append("-") }
        }
        while result.hasSuffix("-") { result.removeLast() }
        while result.hasPrefix("-") { result.removeFirst() }
        return result.isEmpty ? "figure" : result
    }
}

/// The heading outline of a document with anchors assigned once, shared by both
/// renderers so their tables of contents agree.
struct DocumentOutline {
    struct Entry {
        let section: ReportSection
        let anchor: String
        let level: Int
        let children: [Entry]
    }

    let entries: [Entry]
    /// Unique file-safe figure ids, in document order.
    let figureFileIDs: [String]

    init(_ document: ReportDocument) {
        var anchors = AnchorAllocator()
        _ = anchors.anchor(for: document.title)
        func build(_ section: ReportSection, level: Int) -> Entry {
            let anchor = anchors.anchor(for: section.title)
            return Entry(section: section, anchor: anchor, level: level,
                         children: section.subsections.map { build($0, level: min(level + 1, 4)) })
        }
        entries = document.sections.map { build($0, level: 2) }
        var figureIDs = AnchorAllocator()
        figureFileIDs = document.figures.map { figure in
            figureIDs.anchor(for: AnchorAllocator.fileSafe(figure.id))
        }
    }
}
