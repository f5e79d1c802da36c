/// A horizontal bar chart: one bar (stacked) or one group of bars (grouped) per category,
/// with an optional logarithmic value axis. The building block of the failure and
/// agreement figures.
///
/// Rendering is deterministic: the same chart gives identical bytes.
public struct BarChart: Sendable {
    /// How several series are combined per category.
    public enum Layout: Sendable, Hashable {
        /// Segments end to end in one bar per category.
        case stacked
        /// One thinner bar per series, side by side.
        case grouped
    }

    /// The value axis scale.
    public enum Scale: Sendable, Hashable {
        case linear
        /// Decades; zero values get no bar and are labelled `0`. A logarithmic scale
        /// always uses the grouped layout (stacked segments cannot be read on a log axis).
        case logarithmic
        /// Logarithmic when the positive values span more than 1000×, else linear.
        case automatic
    }

    /// One series of values, one per category.
    public struct Series: Sendable, Hashable {
        public var name: String
        public var values: [Double]
        /// Fill colour (`#rrggbb`); defaults to the Okabe–Ito colour for its index.
        public var colour: String?
        public init(name: String, values: [Double], colour: String? = nil) {
            self.name = name
            self.values = values
            self.colour = colour
        }
    }

    public var title: String
    public var subtitle: String?
    /// Label of the category axis (vertical, left), e.g. "carry pattern".
    public var categoryAxisLabel: String
    /// Label of the value axis (horizontal, bottom), e.g. "failing questions".
    public var valueAxisLabel: String
    public var categories: [String]
    public var series: [Series]
    public var layout: Layout
    public var scale: Scale
    /// Print the value (stacked: the total) at the end of each bar.
    public var showsValueLabels: Bool
    /// The sentence shown instead of a chart when there is nothing to plot.
    public var emptyMessage: String
    /// Grouped layout only: leave zero values out of each group and name the series in
    /// each bar's label (for sparse data such as failures, where most pairs are zero).
    /// When false, zeros keep their slot and are labelled `0`.
    public var omitsZeroBars: Bool
    /// Draw category labels in a monospace font (for codes such as carry patterns `_99C_`,
    /// whose characters must line up to be compared).
    public var monospaceCategoryLabels: Bool

    public init(title: String, subtitle: String? = nil, categoryAxisLabel: String, valueAxisLabel: String,
                categories: [String], series: [Series], layout: Layout = .stacked, scale: Scale = .automatic,
                showsValueLabels: Bool = true, emptyMessage: String = "Nothing to plot: every value is zero.",
                omitsZeroBars: Bool = false, monospaceCategoryLabels: Bool = false) {
        self.title = title
        self.subtitle = subtitle
        self.categoryAxisLabel = categoryAxisLabel
        self.valueAxisLabel = valueAxisLabel
        self.categories = categories
        self.series = series
        self.layout = layout
        self.scale = scale
        self.showsValueLabels = showsValueLabels
        self.emptyMessage = emptyMessage
        self.omitsZeroBars = omitsZeroBars
        self.monospaceCategoryLabels = monospaceCategoryLabels
    }

    /// The value of `series` at `category`, 0 when missing or not finite/negative.
    private func value(_ seriesIndex: Int, _ category: Int) -> Double {
        let values = series[seriesIndex].values
        guard category < values.count, values[category].isFinite, values[category] > 0 else { return 0 }
        return values[category]
    }

    /// Whether there is anything to draw.
    public var isEmpty: Bool {
        categories.isEmpty || series.isEmpty || !series.indices.contains { s in categories.indices.contains { value(s, $0) > 0 } }
    }

    /// The scale actually used after resolving ``Scale/automatic``.
    public var resolvedScale: Scale {
        switch scale {
        case .linear, .logarithmic: return scale
        case .automatic:
            let positives = series.indices.flatMap { s in categories.indices.map { value(s, $0) } }.filter { $0 > 0 }
            let totals = layout == .stacked
                ? categories.indices.map { c in series.indices.reduce(0) { $0 + value($1, c) } }.filter { $0 > 0 }
                : positives
            guard let low = positives.min(), let high = totals.max() else { return .linear }
            return high / low > 1000 ? .logarithmic : .linear
        }
    }

    /// The layout actually used (a log scale forces grouped bars).
    public var resolvedLayout: Layout {
        resolvedScale == .logarithmic || series.count == 1 ? .grouped : layout
    }

    /// Renders the chart as SVG.
    public func render() -> SVGImage {
        if isEmpty {
            return FigureHeader.emptyFigure(title: title, subtitle: subtitle, message: emptyMessage)
        }
        let scale = resolvedScale
        let layout = resolvedLayout
        let labelSize = 12.0
        let plotLength = 520.0
        let categoryLabelWidth = min(220, categories.map { SVGCanvas.estimatedWidth(of: $0, size: labelSize) }.max() ?? 40)
        let plotLeft = 16 + 22 + categoryLabelWidth + 10
        let valueLabelRoom = showsValueLabels ? (omitsZeroBars ? 110.0 + SVGCanvas.estimatedWidth(of: (series.map(\.name).max { $0.count < $1.count } ?? "") + ": ", size: 11) : 110.0) : 24.0
        let width = plotLeft + plotLength + valueLabelRoom

        let barHeight = layout == .stacked ? 20.0 : (series.count > 3 ? 13.0 : 15.0)
        let barGap = 2.0
        let groupGap = layout == .stacked ? 8.0 : 12.0
        // Series drawn in each category's group, and the groups' heights and tops.
        let drawnSeries: [[Int]] = categories.indices.map { c in
            layout == .grouped && omitsZeroBars ? series.indices.filter { value($0, c) > 0 } : Array(series.indices)
        }
        let groupHeights: [Double] = drawnSeries.map { drawn in
            layout == .stacked ? barHeight : Double(max(1, drawn.count)) * (barHeight + barGap) - barGap
        }

        // Legend rows (only with more than one series).
        var legendItems: [(String, String, Double)] = []
        if series.count > 1 {
            for (index, entry) in series.enumerated() {
                legendItems.append((entry.name, entry.colour ?? Palette.series(index), 18 + SVGCanvas.estimatedWidth(of: entry.name, size: labelSize) + 18))
            }
        }
        var legendRows: [[(String, String, Double)]] = []
        var currentRow: [(String, String, Double)] = []
        var rowWidth = 0.0
        for item in legendItems {
            if rowWidth + item.2 > width - 32, !currentRow.isEmpty {
                legendRows.append(currentRow)
                currentRow = []
                rowWidth = 0
            }
            currentRow.append(item)
            rowWidth += item.2
        }
        if !currentRow.isEmpty { legendRows.append(currentRow) }

        var top = FigureHeader.height(subtitle: subtitle, width: width)
        let legendTop = top
        top += Double(legendRows.count) * 20 + (legendRows.isEmpty ? 4 : 8)
        let plotTop = top
        let plotHeight = groupHeights.reduce(groupGap) { $0 + $1 + groupGap }
        let height = plotTop + plotHeight + 52

        var canvas = SVGCanvas(width: width, height: height)
        _ = FigureHeader.draw(on: &canvas, title: title, subtitle: subtitle)
        for (rowIndex, row) in legendRows.enumerated() {
            var x = 16.0
            let y = legendTop + Double(rowIndex) * 20
            for (name, colour, itemWidth) in row {
                canvas.rect(x: x, y: y + 2, width: 12, height: 12, fill: colour, stroke: Palette.axis, strokeWidth: 0.5)
                canvas.text(name, x: x + 17, y: y + 12.5, size: labelSize)
                x += itemWidth
            }
        }

        // Axis.
        let positives = series.indices.flatMap { s in categories.indices.map { value(s, $0) } }.filter { $0 > 0 }
        let maximum: Double
        if layout == .stacked {
            maximum = categories.indices.map { c in series.indices.reduce(0) { $0 + value($1, c) } }.max() ?? 1
        } else {
            maximum = positives.max() ?? 1
        }
        let axis = scale == .logarithmic
            ? ValueAxis.logarithmic(minimumPositive: positives.min() ?? 1, maximum: maximum, length: plotLength)
            : ValueAxis.linear(maximum: maximum, length: plotLength, integers: positives.allSatisfy { $0 == $0.rounded() })
        let plotBottom = plotTop + plotHeight
        for tick in axis.ticks {
            let x = plotLeft + axis.offset(of: tick)
            canvas.line(x1: x, y1: plotTop, x2: x, y2: plotBottom, stroke: Palette.gridLine)
            canvas.text(axis.label(for: tick), x: x, y: plotBottom + 16, size: 11, anchor: .middle, colour: Palette.mutedText)
        }
        canvas.line(x1: plotLeft, y1: plotTop, x2: plotLeft, y2: plotBottom, stroke: Palette.axis)
        canvas.line(x1: plotLeft, y1: plotBottom, x2: plotLeft + plotLength, y2: plotBottom, stroke: Palette.axis)
        let axisTitle = valueAxisLabel + (scale == .logarithmic ? " (log scale; 0 = no bar)" : "")
        canvas.text(axisTitle, x: plotLeft + plotLength / 2, y: plotBottom + 36, size: labelSize, anchor: .middle, weight: "bold")
        canvas.text(categoryAxisLabel, x: 26, y: plotTop + plotHeight / 2, size: labelSize, anchor: .middle, weight: "bold", rotate: -90)

        // Bars.
        var groupTop = plotTop + groupGap
        for (categoryIndex, category) in categories.enumerated() {
            defer { groupTop += groupHeights[categoryIndex] + groupGap }
            let groupHeight = groupHeights[categoryIndex]
            canvas.text(category, x: plotLeft - 8, y: groupTop + groupHeight / 2 + 4, size: labelSize, anchor: .end, tooltip: category,
                        monospace: monospaceCategoryLabels)
            switch layout {
            case .stacked:
                var start = 0.0
                var total = 0.0
                for seriesIndex in series.indices {
                    let v = value(seriesIndex, categoryIndex)
                    guard v > 0 else { continue }
                    let x0 = axis.offset(of: start), x1 = axis.offset(of: start + v)
                    canvas.rect(x: plotLeft + x0, y: groupTop, width: max(x1 - x0, 2), height: barHeight,
                                fill: series[seriesIndex].colour ?? Palette.series(seriesIndex), stroke: "#ffffff", strokeWidth: 0.5,
                                tooltip: "\(category) · \(series[seriesIndex].name): \(Self.format(v))")
                    start += v
                    total += v
                }
                if showsValueLabels {
                    canvas.text(Self.format(total), x: plotLeft + axis.offset(of: total) + 6, y: groupTop + barHeight / 2 + 4, size: 11)
                }
            case .grouped:
                for (slot, seriesIndex) in drawnSeries[categoryIndex].enumerated() {
                    let v = value(seriesIndex, categoryIndex)
                    let y = groupTop + Double(slot) * (barHeight + barGap)
                    let length = v > 0 ? max(axis.offset(of: v), 3) : 0
                    if v > 0 {
                        canvas.rect(x: plotLeft, y: y, width: length, height: barHeight,
                                    fill: series[seriesIndex].colour ?? Palette.series(seriesIndex),
                                    tooltip: "\(category) · \(series[seriesIndex].name): \(Self.format(v))")
                    }
                    if showsValueLabels {
                        let label = omitsZeroBars ? series[seriesIndex].name + ": " + Self.format(v) : Self.format(v)
                        canvas.text(label, x: plotLeft + length + 5, y: y + barHeight / 2 + 3.5,
                                    size: 11, colour: v > 0 ? Palette.text : Palette.mutedText)
                    }
                }
            }
        }
        let description = "Horizontal bar chart. " + categories.indices.map { c in
            category(c) + ": " + series.indices.map { "\(series[$0].name) \(Self.format(value($0, c)))" }.joined(separator: ", ")
        }.joined(separator: "; ")
        return canvas.finish(title: title, description: description)
    }

    private func category(_ index: Int) -> String { categories[index] }

    /// Exact integers with separators; other values compact.
    static func format(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 9e15 { return NumberFormatting.grouped(Int(value)) }
        return NumberFormatting.compact(value)
    }
}
