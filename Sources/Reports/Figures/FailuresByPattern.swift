/// One count of the failure listing: wrong answers at one answer digit among questions
/// of one carry pattern.
public struct PatternFailureCount: Sendable, Hashable, Codable {
    /// The carry-pattern class string, most significant column first (e.g. `_99C_`).
    public var pattern: String
    /// The answer digit that was wrong, e.g. `A3`.
    public var answerDigit: String
    /// How many questions of this pattern got this digit wrong.
    public var count: Int

    public init(pattern: String, answerDigit: String, count: Int) {
        self.pattern = pattern
        self.answerDigit = answerDigit
        self.count = count
    }
}

/// Bar chart of wrong answer digits per carry pattern, one colour per answer digit.
///
/// Patterns are sorted by total count (descending, ties by pattern text); beyond
/// ``maximumPatterns`` the rest are not drawn but counted in the subtitle
/// (`12 more patterns with 41 wrong answer digits not drawn`): a summed "other" bar
/// would dwarf the patterns it follows. With no failures at all the figure says so in
/// words instead of drawing an empty chart.
public struct FailuresByPattern: Sendable {
    public var title: String
    public var subtitle: String?
    public var counts: [PatternFailureCount]
    /// Answer digits in legend order (e.g. `A5 … A0`); digits not listed are appended
    /// in order of appearance. Digits with no failures are left out of the legend.
    public var answerDigitOrder: [String]
    public var maximumPatterns: Int
    /// Linear (default): stacked bars, the exact total printed after each bar so even a
    /// count of 1 is readable. Logarithmic: one bar per non-zero (pattern, digit) pair,
    /// labelled with its digit and count.
    public var scale: BarChart.Scale
    public var valueAxisLabel: String
    /// The sentence shown when there are no failures.
    public var noFailuresMessage: String

    public init(title: String = "Wrong answer digits by carry pattern", subtitle: String? = nil,
                counts: [PatternFailureCount], answerDigitOrder: [String] = [], maximumPatterns: Int = 25,
                scale: BarChart.Scale = .linear, valueAxisLabel: String = "wrong answer digits (questions × digit)",
                noFailuresMessage: String = "No failures: the network answered every question in scope correctly.") {
        self.title = title
        self.subtitle = subtitle
        self.counts = counts
        self.answerDigitOrder = answerDigitOrder
        self.maximumPatterns = max(1, maximumPatterns)
        self.scale = scale
        self.valueAxisLabel = valueAxisLabel
        self.noFailuresMessage = noFailuresMessage
    }

    /// Whether there is no failure at all to show.
    public var hasNoFailures: Bool { !counts.contains { $0.count > 0 } }

    /// The underlying bar chart (categories = patterns, series = answer digits).
    public var chart: BarChart {
        let positive = counts.filter { $0.count > 0 }
        var digits = answerDigitOrder.filter { digit in positive.contains { $0.answerDigit == digit } }
        for entry in positive where !digits.contains(entry.answerDigit) { digits.append(entry.answerDigit) }

        var totals: [String: Int] = [:]
        var byPatternDigit: [String: [String: Int]] = [:]
        for entry in positive {
            totals[entry.pattern, default: 0] += entry.count
            byPatternDigit[entry.pattern, default: [:]][entry.answerDigit, default: 0] += entry.count
        }
        let ordered = totals.keys.sorted { lhs, rhs in
            let l = totals[lhs] ?? 0, r = totals[rhs] ?? 0
            return l != r ? l > r : lhs < rhs
        }
        let categories = Array(ordered.prefix(maximumPatterns))
        let rest = Array(ordered.dropFirst(maximumPatterns))
        // Digits whose only bars were left out get no legend entry.
        digits = digits.filter { digit in categories.contains { (byPatternDigit[$0]?[digit] ?? 0) > 0 } }
        let series = digits.enumerated().map { index, digit in
            BarChart.Series(name: digit, values: categories.map { Double(byPatternDigit[$0]?[digit] ?? 0) },
                            colour: Palette.series(index))
        }
        let total = positive.reduce(0) { $0 + $1.count }
        var restNote = ""
        if !rest.isEmpty {
            let restTotal = rest.reduce(0) { $0 + (totals[$1] ?? 0) }
            restNote = "; the largest \(categories.count) drawn, \(rest.count) more with \(NumberFormatting.grouped(restTotal)) in all not drawn (each ≤ \(NumberFormatting.grouped(totals[rest[0]] ?? 0)))"
        }
        let legend = Self.patternLegend.map { $0.replacingOccurrences(of: " ", with: "\u{00A0}") }.joined(separator: ", ")
        let defaultSubtitle = "\(NumberFormatting.grouped(total)) wrong answer digit\(total == 1 ? "" : "s") in \(ordered.count) carry pattern\(ordered.count == 1 ? "" : "s")" + restNote
            + " — one pattern character per column, most significant first: " + legend
        let shownSubtitle = subtitle.map { $0 + restNote } ?? (positive.isEmpty ? nil : defaultSubtitle)
        return BarChart(title: title, subtitle: shownSubtitle, categoryAxisLabel: "carry pattern",
                        valueAxisLabel: valueAxisLabel, categories: categories, series: series, layout: .stacked,
                        scale: scale, showsValueLabels: true, emptyMessage: noFailuresMessage,
                        omitsZeroBars: true, monospaceCategoryLabels: true)
    }

    /// The pattern characters and what they mean.
    static let patternLegend = ["C = pair sum ≥ 10", "9 = pair sum 9", "_ = pair sum ≤ 8", "* = any"]

    /// Renders the figure.
    public func render() -> SVGImage { chart.render() }
}
