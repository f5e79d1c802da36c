import XCTest
@testable import Reports

final class FigureTests: XCTestCase {
    /// Every figure builder on ordinary, empty and extreme inputs.
    static func allFigures() -> [(String, SVGImage)] {
        let sample = SampleReportData.make()
        var figures: [(String, SVGImage)] = [
            ("staircase", sample.staircase.render()),
            ("failures", sample.failures.render()),
            ("failures-log", FailuresByPattern(counts: sample.failures.counts, scale: .logarithmic).render()),
            ("failures-empty", FailuresByPattern(counts: []).render()),
            ("failures-zero-counts", FailuresByPattern(counts: [PatternFailureCount(pattern: "_99C_", answerDigit: "A3", count: 0)]).render()),
            ("three-way", sample.agreement.render()),
            ("three-way-empty", ThreeWayAgreement(digits: []).render()),
            ("three-way-all-agree", ThreeWayAgreement(digits: [DigitAgreementCounts(
                answerDigit: "A0", allAgree: 10_000_000_000, networkWrongAsAlgorithmPredicts: 0,
                networkWrongAlgorithmRight: 0, networkRightAlgorithmWrong: 0)]).render()),
            ("staircase-empty", AttentionStaircase(answerDigitLabels: [], positionLabels: [], weights: []).render()),
            ("bar-linear", BarChart(title: "t", categoryAxisLabel: "c", valueAxisLabel: "v", categories: ["a", "b"],
                                    series: [.init(name: "s", values: [1, 2])], scale: .linear).render()),
            ("bar-ragged", BarChart(title: "t", categoryAxisLabel: "c", valueAxisLabel: "v", categories: ["a", "b", "c"],
                                    series: [.init(name: "s", values: [1, .nan]), .init(name: "r", values: [-3, .infinity, 4])]).render()),
            ("heatmap", Heatmap(title: "t", rowAxisLabel: "r", columnAxisLabel: "c", rowLabels: ["x", "y"],
                                columnLabels: ["<1>", "&2"], values: [[0, 1], [.nan]], legendLabel: "w").render()),
        ]
        figures.append(("heatmap-empty", Heatmap(title: "t", rowAxisLabel: "r", columnAxisLabel: "c", rowLabels: [],
                                                  columnLabels: [], values: [], legendLabel: "w").render()))
        figures.append(("escaping", BarChart(title: "<&>\"'", categoryAxisLabel: "\u{1}", valueAxisLabel: "]]>",
                                             categories: ["<script>"], series: [.init(name: "&", values: [5])]).render()))
        return figures
    }

    func testEveryFigureIsWellFormedXML() {
        for (name, figure) in Self.allFigures() {
            assertWellFormedXML(figure.markup, name)
            assertWellFormedXML(figure.fileContents, name + " file")
            XCTAssertTrue(figure.markup.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""), name)
            XCTAssertTrue(figure.markup.contains("<title>"), name)
            XCTAssertFalse(figure.markup.contains("<script"), name)
            XCTAssertFalse(figure.markup.contains(" id=\""), "\(name): figures must not use ids (several are inlined in one page)")
            XCTAssertFalse(figure.markup.contains("nan") || figure.markup.contains("inf\""), "\(name): non-finite coordinate")
            XCTAssertGreaterThan(figure.width, 100, name)
            XCTAssertGreaterThan(figure.height, 50, name)
        }
    }

    func testFiguresAreDeterministic() {
        let first = Self.allFigures().map(\.1.markup)
        let second = Self.allFigures().map(\.1.markup)
        XCTAssertEqual(first, second)
    }

    func testNoFailuresSaysSoInWords() {
        let figure = FailuresByPattern(counts: []).render()
        XCTAssertTrue(figure.markup.contains("No failures"))
        XCTAssertFalse(figure.markup.contains("<line"), "an empty chart must not draw axes")
        XCTAssertTrue(FailuresByPattern(counts: [PatternFailureCount(pattern: "_", answerDigit: "A0", count: 0)]).hasNoFailures)
    }

    func testLogScaleForcesGroupedBarsAndLabelsZeros() {
        let chart = ThreeWayAgreement(algorithmName: "one-level", digits: [DigitAgreementCounts(
            answerDigit: "A3", allAgree: 9_999_999_000, networkWrongAsAlgorithmPredicts: 1000,
            networkWrongAlgorithmRight: 0, networkRightAlgorithmWrong: 3)]).chart
        XCTAssertEqual(chart.resolvedScale, .logarithmic)
        XCTAssertEqual(chart.resolvedLayout, .grouped)
        let markup = chart.render().markup
        XCTAssertTrue(markup.contains(">9,999,999,000</text>"))
        XCTAssertTrue(markup.contains(">0</text>"))
        XCTAssertTrue(markup.contains("log scale"))
    }

    /// The tail is not drawn as one "other" bar (it would dwarf the rest) but counted in
    /// the subtitle: patterns p0…p24 have 1…25 wrong digits, 325 in all, the largest 25.
    func testFailuresAreSortedAndTailCountedInTheSubtitle() {
        let counts = (0..<30).map { PatternFailureCount(pattern: "p\($0)", answerDigit: "A1", count: $0 + 1) }
        let chart = FailuresByPattern(counts: counts, maximumPatterns: 5).chart
        XCTAssertEqual(chart.categories, ["p29", "p28", "p27", "p26", "p25"])
        XCTAssertEqual(chart.series.first?.values, [30, 29, 28, 27, 26])
        XCTAssertTrue(chart.subtitle?.contains("465 wrong answer digits in 30 carry patterns; the largest 5 drawn, 25 more with 325 in all not drawn (each ≤ 25)") ?? false, chart.subtitle ?? "nil")
        XCTAssertTrue(chart.subtitle?.contains("*\u{00A0}=\u{00A0}any") ?? false)
    }

    func testPositionLabelsFollowTokenLayout() {
        XCTAssertEqual(AttentionStaircase.positionLabels(digitCount: 2), ["D1", "D0", "+", "D'1", "D'0", "=", "A2", "A1"])
        XCTAssertEqual(AttentionStaircase.positionLabels(digitCount: 5).count, 17)
        XCTAssertEqual(AttentionStaircase.answerDigitLabels(digitCount: 3), ["A3", "A2", "A1", "A0"])
    }

    func testPaletteIsDeterministicHex() {
        XCTAssertEqual(Palette.sequential(0), "#f7fbff")
        XCTAssertEqual(Palette.sequential(1), "#08306b")
        XCTAssertEqual(Palette.sequential(.nan), "#f7fbff")
    }
}
