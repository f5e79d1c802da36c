/// Per answer digit, how the network, an algorithm (e.g. the extracted or the paper's
/// one-level algorithm) and true addition agree, as exact counts of questions.
public struct DigitAgreementCounts: Sendable, Hashable, Codable {
    /// The answer digit, e.g. `A3`.
    public var answerDigit: String
    /// Network, algorithm and truth all give the same digit.
    public var allAgree: Int
    /// The network is wrong exactly where the algorithm predicts (both give the same wrong digit).
    public var networkWrongAsAlgorithmPredicts: Int
    /// The network is wrong, the algorithm is right.
    public var networkWrongAlgorithmRight: Int
    /// The network is right, the algorithm is wrong.
    public var networkRightAlgorithmWrong: Int
    /// Both wrong, with different digits (shown only when some digit has any).
    public var bothWrongDifferently: Int

    public init(answerDigit: String, allAgree: Int, networkWrongAsAlgorithmPredicts: Int,
                networkWrongAlgorithmRight: Int, networkRightAlgorithmWrong: Int, bothWrongDifferently: Int = 0) {
        self.answerDigit = answerDigit
        self.allAgree = allAgree
        self.networkWrongAsAlgorithmPredicts = networkWrongAsAlgorithmPredicts
        self.networkWrongAlgorithmRight = networkWrongAlgorithmRight
        self.networkRightAlgorithmWrong = networkRightAlgorithmWrong
        self.bothWrongDifferently = bothWrongDifferently
    }

    /// Total number of questions counted for this digit.
    public var total: Int {
        allAgree + networkWrongAsAlgorithmPredicts + networkWrongAlgorithmRight + networkRightAlgorithmWrong + bothWrongDifferently
    }
}

/// The three-way (network / algorithm / truth) agreement figure: per answer digit one
/// group of bars, one bar per category, each labelled with its exact count.
///
/// "All agree" is usually ~10^10 while the disagreements are tens, so by default the
/// value axis is logarithmic and bars are grouped rather than stacked: in a stacked bar
/// the disagreements would be invisible slivers. Zero counts get no bar and the label `0`.
public struct ThreeWayAgreement: Sendable {
    public var title: String
    public var subtitle: String?
    /// The algorithm's name as shown in legends, e.g. "one-level algorithm".
    public var algorithmName: String
    public var digits: [DigitAgreementCounts]
    public var scale: BarChart.Scale

    public init(title: String = "Network vs algorithm vs true addition", subtitle: String? = nil,
                algorithmName: String = "algorithm", digits: [DigitAgreementCounts], scale: BarChart.Scale = .automatic) {
        self.title = title
        self.subtitle = subtitle
        self.algorithmName = algorithmName
        self.digits = digits
        self.scale = scale
    }

    /// Category names and colours, in legend order.
    public var categoryNames: [String] {
        var names = ["all agree", "network wrong as \(algorithmName) predicts", "network wrong, \(algorithmName) right",
                     "network right, \(algorithmName) wrong"]
        if digits.contains(where: { $0.bothWrongDifferently > 0 }) { names.append("both wrong, differently") }
        return names
    }

    /// The underlying bar chart (categories = answer digits, series = agreement classes).
    public var chart: BarChart {
        let colours = ["#009E73", "#E69F00", "#D55E00", "#0072B2", "#CC79A7"]
        let extractors: [(DigitAgreementCounts) -> Int] = [
            \.allAgree, \.networkWrongAsAlgorithmPredicts, \.networkWrongAlgorithmRight,
            \.networkRightAlgorithmWrong, \.bothWrongDifferently,
        ]
        let series = categoryNames.enumerated().map { index, name in
            BarChart.Series(name: name, values: digits.map { Double(extractors[index]($0)) }, colour: colours[index])
        }
        let total = digits.map(\.total).max() ?? 0
        let defaultSubtitle = "Exact question counts per answer digit (\(NumberFormatting.grouped(total)) questions per digit)"
        return BarChart(title: title, subtitle: subtitle ?? defaultSubtitle, categoryAxisLabel: "answer digit",
                        valueAxisLabel: "questions", categories: digits.map(\.answerDigit), series: series,
                        layout: .grouped, scale: scale, showsValueLabels: true,
                        emptyMessage: "No questions were counted.")
    }

    /// Renders the figure.
    public func render() -> SVGImage { chart.render() }
}
