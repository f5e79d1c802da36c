import AdditionTask

/// The "double staircase" figure: for each answer digit (rows, A(n) first) and each
/// attention head (one panel per head), the attention weight the digit's predicting
/// position puts on every input position.
public struct AttentionStaircase: Sendable {
    public var title: String
    public var subtitle: String?
    /// Row labels, one per answer digit, in emission order (e.g. `A5 … A0`).
    public var answerDigitLabels: [String]
    /// Column labels, one per input position (see ``positionLabels(digitCount:)``).
    public var positionLabels: [String]
    /// Panel headings, one per head; defaults to `Head 0`, `Head 1`, ….
    public var headLabels: [String]
    /// `weights[answerDigit][head][position]`, each in 0…1. `NaN` (or a missing entry)
    /// marks a position the query cannot attend to (after it, under the causal mask).
    public var weights: [[[Double]]]

    public init(title: String = "Attention by answer digit and head", subtitle: String? = nil,
                answerDigitLabels: [String], positionLabels: [String], headLabels: [String]? = nil,
                weights: [[[Double]]]) {
        self.title = title
        self.subtitle = subtitle
        self.answerDigitLabels = answerDigitLabels
        self.positionLabels = positionLabels
        self.weights = weights
        let headCount = weights.map(\.count).max() ?? 0
        self.headLabels = headLabels ?? (0..<headCount).map { "Head \($0)" }
    }

    /// Token-layout labels of the input positions for n-digit addition:
    /// `D(n-1) … D0 + D'(n-1) … D'0 = A(n) … A1` (3n + 2 positions; the last answer
    /// digit A0 is predicted, never fed in).
    public static func positionLabels(digitCount n: Int) -> [String] {
        (try? AdditionTask(digitCount: n))?.positionLabels ?? []
    }

    /// Answer digit labels in emission order, `A(n) … A0`.
    public static func answerDigitLabels(digitCount n: Int) -> [String] {
        (0...max(0, n)).reversed().map { "A\($0)" }
    }

    /// Renders one heatmap panel per head, stacked, with a shared legend.
    public func render() -> SVGImage {
        guard !answerDigitLabels.isEmpty, !positionLabels.isEmpty, !headLabels.isEmpty else {
            return FigureHeader.emptyFigure(title: title, subtitle: subtitle, message: "No attention data was provided.")
        }
        let panels = headLabels.enumerated().map { head, headLabel in
            HeatmapPanel(
                heading: headLabel,
                rowLabels: answerDigitLabels,
                columnLabels: positionLabels,
                values: answerDigitLabels.indices.map { digit in
                    positionLabels.indices.map { position in
                        guard digit < weights.count, head < weights[digit].count, position < weights[digit][head].count else { return .nan }
                        return weights[digit][head][position]
                    }
                },
                valueRange: 0...1,
                showsValues: true,
                valueLabelThreshold: 0.05,
                cellTooltip: { row, column, value in "\(headLabel): \(row) attends to \(column) with weight \(value)" })
        }
        return HeatmapPanel.compose(title: title, subtitle: subtitle, panels: panels,
                                    rowAxisLabel: "answer digit (predicting position)",
                                    columnAxisLabel: "attended input position (token layout)",
                                    legendLabel: "attention weight", missingLabel: "masked (causal mask)",
                                    valueRange: 0...1)
    }
}
