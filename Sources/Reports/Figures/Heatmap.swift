/// A heatmap of values in a known range (default 0…1) on a light-to-dark blue scale, with row and
/// column labels, a colour legend and a `<title>` tooltip per cell. `NaN` marks a cell
/// with no value (e.g. a key position the causal mask hides); it is drawn light grey
/// and explained in the legend.
public struct Heatmap: Sendable {
    public var title: String
    public var subtitle: String?
    /// Axis titles.
    public var rowAxisLabel: String
    public var columnAxisLabel: String
    public var rowLabels: [String]
    public var columnLabels: [String]
    /// `values[row][column]`; missing entries count as `NaN`.
    public var values: [[Double]]
    /// The range mapped onto the colour scale; values outside are clamped.
    public var valueRange: ClosedRange<Double>
    /// What the colour means, e.g. "attention weight".
    public var legendLabel: String
    /// What a `NaN` cell means, e.g. "masked (key after query)".
    public var missingLabel: String
    /// Print each value inside its cell.
    public var showsValues: Bool
    /// Values below this are not printed (the colour still shows them), so the strong
    /// cells stand out; every value is in the cell's tooltip.
    public var valueLabelThreshold: Double

    public init(title: String, subtitle: String? = nil, rowAxisLabel: String, columnAxisLabel: String,
                rowLabels: [String], columnLabels: [String], values: [[Double]],
                valueRange: ClosedRange<Double> = 0...1, legendLabel: String,
                missingLabel: String = "no value", showsValues: Bool = true, valueLabelThreshold: Double = 0.05) {
        self.title = title
        self.subtitle = subtitle
        self.rowAxisLabel = rowAxisLabel
        self.columnAxisLabel = columnAxisLabel
        self.rowLabels = rowLabels
        self.columnLabels = columnLabels
        self.values = values
        self.valueRange = valueRange
        self.legendLabel = legendLabel
        self.missingLabel = missingLabel
        self.showsValues = showsValues
        self.valueLabelThreshold = valueLabelThreshold
    }

    /// Renders the heatmap as one panel with a legend.
    public func render() -> SVGImage {
        guard !rowLabels.isEmpty, !columnLabels.isEmpty else {
            return FigureHeader.emptyFigure(title: title, subtitle: subtitle, message: "No data to plot.")
        }
        let panel = HeatmapPanel(heading: nil, rowLabels: rowLabels, columnLabels: columnLabels, values: values,
                                 valueRange: valueRange, showsValues: showsValues,
                                 valueLabelThreshold: valueLabelThreshold, cellTooltip: { row, column, value in
            "\(rowAxisLabel) \(row), \(columnAxisLabel) \(column): \(value)"
        })
        return HeatmapPanel.compose(title: title, subtitle: subtitle, panels: [panel], rowAxisLabel: rowAxisLabel,
                                    columnAxisLabel: columnAxisLabel, legendLabel: legendLabel,
                                    missingLabel: missingLabel, valueRange: valueRange)
    }
}

/// One grid of cells; several panels can share a figure and a legend.
struct HeatmapPanel {
    let heading: String?
    let rowLabels: [String]
    let columnLabels: [String]
    let values: [[Double]]
    let valueRange: ClosedRange<Double>
    let showsValues: Bool
    let valueLabelThreshold: Double
    /// Tooltip for (row label, column label, formatted value).
    let cellTooltip: (String, String, String) -> String

    static let labelSize = 11.5
    static let cellHeight = 24.0

    var cellWidth: Double {
        let widest = columnLabels.map { SVGCanvas.estimatedWidth(of: $0, size: Self.labelSize) }.max() ?? 0
        return max(32, widest + 8)
    }

    var rowLabelWidth: Double {
        (rowLabels.map { SVGCanvas.estimatedWidth(of: $0, size: Self.labelSize) }.max() ?? 0) + 10
    }

    var gridWidth: Double { Double(columnLabels.count) * cellWidth }
    /// Heading + column labels + grid.
    var height: Double { (heading == nil ? 0 : 20) + 18 + Double(rowLabels.count) * Self.cellHeight }

    func value(_ row: Int, _ column: Int) -> Double {
        guard row < values.count, column < values[row].count else { return .nan }
        return values[row][column]
    }

    static func formatted(_ value: Double) -> String {
        value.isNaN ? "n/a" : NumberFormatting.fixed(value, decimals: 2)
    }

    /// Draws the panel with its grid's left edge at `gridLeft` and its top at `top`.
    func draw(on canvas: inout SVGCanvas, gridLeft: Double, top: Double) {
        var y = top
        if let heading {
            canvas.text(heading, x: gridLeft, y: y + 14, size: 13, weight: "bold")
            y += 20
        }
        for (column, label) in columnLabels.enumerated() {
            canvas.text(label, x: gridLeft + (Double(column) + 0.5) * cellWidth, y: y + 12, size: Self.labelSize, anchor: .middle)
        }
        y += 18
        let span = valueRange.upperBound - valueRange.lowerBound
        for (row, rowLabel) in rowLabels.enumerated() {
            let cellTop = y + Double(row) * Self.cellHeight
            canvas.text(rowLabel, x: gridLeft - 6, y: cellTop + Self.cellHeight / 2 + 4, size: Self.labelSize, anchor: .end)
            for (column, columnLabel) in columnLabels.enumerated() {
                let v = value(row, column)
                let x = gridLeft + Double(column) * cellWidth
                let tooltip = cellTooltip(rowLabel, columnLabel, Self.formatted(v))
                if v.isNaN {
                    canvas.rect(x: x, y: cellTop, width: cellWidth, height: Self.cellHeight, fill: Palette.missingCell,
                                stroke: "#ffffff", strokeWidth: 1, tooltip: tooltip)
                    canvas.line(x1: x + 4, y1: cellTop + Self.cellHeight - 4, x2: x + cellWidth - 4, y2: cellTop + 4,
                                stroke: Palette.missingCellStroke)
                    continue
                }
                let t = span > 0 ? (v - valueRange.lowerBound) / span : 0
                canvas.rect(x: x, y: cellTop, width: cellWidth, height: Self.cellHeight, fill: Palette.sequential(t),
                            stroke: "#ffffff", strokeWidth: 1, tooltip: tooltip)
                if showsValues && v >= valueLabelThreshold {
                    let text = NumberFormatting.fixed(v, decimals: 2)
                    canvas.text(text.hasPrefix("0.") ? String(text.dropFirst()) : text,
                                x: x + cellWidth / 2, y: cellTop + Self.cellHeight / 2 + 4, size: 10.5, anchor: .middle,
                                colour: Palette.sequentialNeedsLightText(t) ? "#ffffff" : "#000000")
                }
            }
        }
    }

    /// A figure of panels stacked vertically, sharing axis titles and one colour legend.
    static func compose(title: String, subtitle: String?, panels: [HeatmapPanel], rowAxisLabel: String,
                        columnAxisLabel: String, legendLabel: String, missingLabel: String,
                        valueRange: ClosedRange<Double>) -> SVGImage {
        let rowLabelWidth = panels.map(\.rowLabelWidth).max() ?? 30
        let gridLeft = 16 + 22 + rowLabelWidth
        let gridWidth = panels.map(\.gridWidth).max() ?? 100
        let legendWidth = 200.0
        let width = max(gridLeft + gridWidth + 30 + legendWidth,
                        16 + SVGCanvas.estimatedWidth(of: title, size: FigureHeader.titleSize) + 16,
                        16 + SVGCanvas.estimatedWidth(of: subtitle ?? "", size: FigureHeader.subtitleSize) + 16)
        let panelGap = 14.0
        let contentHeight = panels.map(\.height).reduce(0, +) + Double(max(0, panels.count - 1)) * panelGap
        let headerBottom = subtitle == nil ? 40.0 : 60.0
        let height = headerBottom + 8 + max(contentHeight, 200) + 40

        var canvas = SVGCanvas(width: width, height: height)
        let top = FigureHeader.draw(on: &canvas, title: title, subtitle: subtitle) + 8
        var y = top
        for panel in panels {
            panel.draw(on: &canvas, gridLeft: gridLeft, top: y)
            y += panel.height + panelGap
        }
        canvas.text(rowAxisLabel, x: 24, y: top + contentHeight / 2, size: 12, anchor: .middle, weight: "bold", rotate: -90)
        canvas.text(columnAxisLabel, x: gridLeft + gridWidth / 2, y: top + contentHeight + 24, size: 12, anchor: .middle, weight: "bold")

        // Legend: discrete steps of the colour scale (no gradients, so no element ids).
        let legendLeft = gridLeft + gridWidth + 30
        canvas.text(legendLabel, x: legendLeft, y: top + 12, size: 12, weight: "bold")
        let steps = 10
        let stepHeight = 12.0
        for step in 0..<steps {
            let t = 1 - (Double(step) + 0.5) / Double(steps)
            canvas.rect(x: legendLeft, y: top + 22 + Double(step) * stepHeight, width: 18, height: stepHeight, fill: Palette.sequential(t))
        }
        let span = valueRange.upperBound - valueRange.lowerBound
        for (fraction, y) in [(1.0, top + 22), (0.5, top + 22 + 5 * stepHeight), (0.0, top + 22 + 10 * stepHeight)] {
            canvas.line(x1: legendLeft + 18, y1: y, x2: legendLeft + 22, y2: y, stroke: Palette.axis)
            canvas.text(NumberFormatting.compact(valueRange.lowerBound + fraction * span), x: legendLeft + 26, y: y + 4, size: 11)
        }
        let missingTop = top + 22 + 10 * stepHeight + 18
        canvas.rect(x: legendLeft, y: missingTop, width: 18, height: 12, fill: Palette.missingCell, stroke: Palette.gridLine)
        canvas.line(x1: legendLeft + 2, y1: missingTop + 10, x2: legendLeft + 16, y2: missingTop + 2, stroke: Palette.missingCellStroke)
        canvas.text(missingLabel, x: legendLeft + 24, y: missingTop + 10, size: 11)
        if let threshold = panels.first(where: { $0.showsValues })?.valueLabelThreshold, threshold > valueRange.lowerBound {
            canvas.text("numbers shown for ≥ " + NumberFormatting.compact(threshold), x: legendLeft, y: missingTop + 32, size: 11,
                        colour: Palette.mutedText)
            canvas.text("(all values in tooltips)", x: legendLeft, y: missingTop + 47, size: 11, colour: Palette.mutedText)
        }

        let description = "Heatmap of \(legendLabel) by \(rowAxisLabel) (rows) and \(columnAxisLabel) (columns), in \(panels.count) panel(s)."
        return canvas.finish(title: title, description: description)
    }
}
