/// A finished SVG figure: well-formed XML text with its pixel size.
///
/// Figures made by this module's builders contain no scripts, no external references
/// and no element `id`s, so several can be inlined in one HTML page.
public struct SVGImage: Sendable, Hashable {
    /// The `<svg>…</svg>` markup (no XML declaration, so it can be inlined in HTML).
    public let markup: String
    /// Width in CSS pixels.
    public let width: Double
    /// Height in CSS pixels.
    public let height: Double

    /// Wraps SVG markup produced elsewhere. The markup is inlined into HTML unescaped,
    /// so it must be trusted, well-formed and free of scripts.
    public init(trustedMarkup markup: String, width: Double, height: Double) {
        self.markup = markup
        self.width = width
        self.height = height
    }

    /// The markup as a standalone `.svg` file (XML declaration, trailing newline).
    public var fileContents: String {
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + markup + "\n"
    }
}

/// Text anchoring for ``SVGCanvas/text(_:x:y:size:anchor:weight:colour:rotate:)``.
enum TextAnchor: String {
    case start, middle, end
}

/// A minimal, deterministic SVG writer. All text and attribute values are escaped;
/// numbers are written with at most two decimals.
struct SVGCanvas {
    let width: Double
    let height: Double
    private var body: [String] = []

    /// Default font stack: local fonts only, never fetched from the network.
    static let fontFamily = "system-ui, -apple-system, 'Segoe UI', 'DejaVu Sans', Arial, sans-serif"
    /// Monospace stack for labels whose characters must line up (carry patterns like `_99C_`).
    static let monospaceFamily = "ui-monospace, 'DejaVu Sans Mono', Menlo, Consolas, monospace"

    init(width: Double, height: Double) {
        self.width = width.rounded(.up)
        self.height = height.rounded(.up)
    }

    private static func n(_ value: Double) -> String { NumberFormatting.coordinate(value) }

    /// A rectangle, optionally with a `<title>` tooltip.
    mutating func rect(x: Double, y: Double, width: Double, height: Double, fill: String,
                       stroke: String? = nil, strokeWidth: Double = 1, tooltip: String? = nil, rx: Double = 0) {
        var attributes = "x=\"\(Self.n(x))\" y=\"\(Self.n(y))\" width=\"\(Self.n(max(0, width)))\" height=\"\(Self.n(max(0, height)))\" fill=\"\(Escaping.xml(fill))\""
        if let stroke { attributes += " stroke=\"\(Escaping.xml(stroke))\" stroke-width=\"\(Self.n(strokeWidth))\"" }
        if rx > 0 { attributes += " rx=\"\(Self.n(rx))\"" }
        if let tooltip {
            body.append("<rect \(attributes)><title>\(Escaping.xml(tooltip))</title></rect>")
        } else {
            body.append("<rect \(attributes)/>")
        }
    }

    /// A straight line.
    mutating func line(x1: Double, y1: Double, x2: Double, y2: Double, stroke: String, width: Double = 1, dashed: Bool = false) {
        let dash = dashed ? " stroke-dasharray=\"3 3\"" : ""
        body.append("<line x1=\"\(Self.n(x1))\" y1=\"\(Self.n(y1))\" x2=\"\(Self.n(x2))\" y2=\"\(Self.n(y2))\" stroke=\"\(Escaping.xml(stroke))\" stroke-width=\"\(Self.n(width))\"\(dash)/>")
    }

    /// A text label. `rotate` rotates about the anchor point (degrees).
    mutating func text(_ content: String, x: Double, y: Double, size: Double = 12, anchor: TextAnchor = .start,
                       weight: String? = nil, colour: String = Palette.text, rotate: Double? = nil, tooltip: String? = nil,
                       monospace: Bool = false) {
        var attributes = "x=\"\(Self.n(x))\" y=\"\(Self.n(y))\" font-size=\"\(Self.n(size))\" text-anchor=\"\(anchor.rawValue)\" fill=\"\(Escaping.xml(colour))\""
        if monospace { attributes += " font-family=\"\(Escaping.xml(Self.monospaceFamily))\"" }
        if let weight { attributes += " font-weight=\"\(Escaping.xml(weight))\"" }
        if let rotate { attributes += " transform=\"rotate(\(Self.n(rotate)) \(Self.n(x)) \(Self.n(y)))\"" }
        let tip = tooltip.map { "<title>\(Escaping.xml($0))</title>" } ?? ""
        body.append("<text \(attributes)>\(tip)\(Escaping.xml(content))</text>")
    }

    /// Finishes the figure. `title` becomes the SVG's `<title>` (tooltip and accessible
    /// name), `description` its `<desc>`.
    func finish(title: String, description: String) -> SVGImage {
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Self.n(width))\" height=\"\(Self.n(height))\" viewBox=\"0 0 \(Self.n(width)) \(Self.n(height))\" role=\"img\" font-family=\"\(Escaping.xml(Self.fontFamily))\">\n"
        out += "<title>\(Escaping.xml(title))</title>\n"
        out += "<desc>\(Escaping.xml(description))</desc>\n"
        out += "<rect x=\"0\" y=\"0\" width=\"\(Self.n(width))\" height=\"\(Self.n(height))\" fill=\"#ffffff\"/>\n"
        for element in body { out += element + "\n" }
        out += "</svg>"
        return SVGImage(trustedMarkup: out, width: width, height: height)
    }

    /// Rough width of `text` at `size` px in a sans-serif font, for layout.
    static func estimatedWidth(of text: String, size: Double) -> Double {
        Double(text.count) * size * 0.6
    }
}

/// Figure title and subtitle header shared by all figure builders.
struct FigureHeader {
    static let titleSize = 16.0
    static let subtitleSize = 12.5

    /// Draws the title and the subtitle (word-wrapped to the canvas width) at the top
    /// left; returns the y where content may start.
    static func draw(on canvas: inout SVGCanvas, title: String, subtitle: String?, x: Double = 16) -> Double {
        canvas.text(title, x: x, y: 24, size: titleSize, weight: "bold")
        let lines = subtitleLines(subtitle, width: canvas.width - 2 * x)
        for (index, line) in lines.enumerated() {
            canvas.text(line, x: x, y: 44 + Double(index) * 16, size: subtitleSize, colour: Palette.mutedText)
        }
        return lines.isEmpty ? 40 : 44 + Double(lines.count - 1) * 16 + 16
    }

    /// The height ``draw(on:title:subtitle:x:)`` uses for a canvas of `width`.
    static func height(subtitle: String?, width: Double, x: Double = 16) -> Double {
        let count = subtitleLines(subtitle, width: width - 2 * x).count
        return count == 0 ? 40 : 44 + Double(count - 1) * 16 + 16
    }

    /// Greedy word wrap by estimated text width.
    static func subtitleLines(_ subtitle: String?, width: Double) -> [String] {
        guard let subtitle, !subtitle.isEmpty else { return [] }
        let maxCharacters = max(20, Int(width / (subtitleSize * 0.6)))
        var lines: [String] = []
        var current = ""
        for word in subtitle.split(separator: " ", omittingEmptySubsequences: true) {
            if current.isEmpty { current = String(word) }
            else if current.count + 1 + word.count <= maxCharacters { current += " " + word }
            else {
                lines.append(current)
                current = String(word)
            }
        }
        if !current.isEmpty { lines.append(current) }
        return lines
    }

    /// A figure that states there is nothing to plot, in words, instead of an empty chart.
    static func emptyFigure(title: String, subtitle: String?, message: String, width: Double = 640) -> SVGImage {
        let boxWidth = max(width - 32, SVGCanvas.estimatedWidth(of: message, size: 14) + 40)
        let headerHeight = height(subtitle: subtitle, width: boxWidth + 32)
        var canvas = SVGCanvas(width: boxWidth + 32, height: headerHeight + 76)
        let top = draw(on: &canvas, title: title, subtitle: subtitle)
        canvas.rect(x: 16, y: top, width: boxWidth, height: 64, fill: "#f5f7fa", stroke: Palette.gridLine, rx: 6)
        canvas.text(message, x: 16 + boxWidth / 2, y: top + 37, size: 14, anchor: .middle, weight: "bold")
        return canvas.finish(title: title, description: message)
    }
}
