import AdditionTask
import Exhaustive
import Foundation

extension VerificationReport {
    /// Rows of the failure table before the rest are summed into one row.
    static let failureTableRows = 12
    /// Bars of the failure figure; the rest are named in its subtitle.
    static let failureFigureBars = 12

    /// The legend of the pattern notation, shared by the table captions and the figure.
    static let patternLegend = "one character per column, most significant first: C = pair sum ≥ 10 (makes a carry), 9 = pair sum 9 (passes a carry on), _ = pair sum ≤ 8 (stops it), * = any"

    /// The failures grouped by digit and carry chain, with denominators from what was in scope.
    func carryChainFailures(_ failures: [FailureRecord]) throws -> (table: CarryChainFailures, denominators: String) {
        let task = try AdditionTask(digitCount: n)
        switch results.coverage {
        case .exhaustive(let result):
            let s = result.summary
            if s.firstIndex == 0 && s.count == task.questionCount {
                return (CarryChainFailures(failures: failures, task: task, questionsWithChain: CarryChainFailures.wholeSpaceCount),
                        "the exact number of the \(NumberFormatting.grouped(task.questionCount)) questions with the pattern")
            }
            let range = s.firstIndex..<(s.firstIndex + s.count)
            return (CarryChainFailures(failures: failures, task: task, questionsWithChain: { CarryChainFailures.count($0, overIndexRanges: [range], task: task) }),
                    "the exact number of the \(NumberFormatting.grouped(s.count)) questions of the range with the pattern")
        case .sampled(let s, _):
            let sample = QuestionSample(size: s.sampleSize, population: s.population, seed: s.seed)
            let counts = CarryChainFailures.counts(overQuestionIndices: sample.indices, task: task)
            return (CarryChainFailures(failures: failures, task: task, questionsWithChain: { counts[$0] ?? 0 }),
                    "how many of the \(NumberFormatting.grouped(s.sampleSize)) sampled questions (seed \(s.seed)) have the pattern (rates describe the sample)")
        case .partial(let partial):
            let rest = partial.rest
            let sample = QuestionSample(size: rest.sampleSize, frame: rest.frame ?? [0..<task.questionCount], seed: rest.seed)
            let measured = partial.measured.coverage.measured
            let sampled = CarryChainFailures.counts(overQuestionIndices: sample.indices, task: task)
            return (CarryChainFailures(failures: failures, task: task, questionsWithChain: {
                        CarryChainFailures.count($0, overIndexRanges: measured, task: task) + (sampled[$0] ?? 0) }),
                    "how many questions with the pattern were evaluated: all questions of the measured ranges (\(NumberFormatting.grouped(partial.measured.coverage.measuredCount))) plus the uniform sample of \(NumberFormatting.grouped(rest.sampleSize)) of the rest (seed \(rest.seed)); rates mix the two and describe what was evaluated, not the whole space")
        }
    }

    /// A rate as a percentage: one decimal from 1% up, three significant digits below
    /// (`30.7%`, `0.909%`, `0.000222%`), so small rates never print as 0.
    static func rate(_ part: Int, of total: Int) -> String {
        guard total > 0 else { return "—" }
        let share = 100 * Double(part) / Double(total)
        if share == 0 { return "0%" }
        if share >= 1 { return NumberFormatting.fixed(share, decimals: 1) + "%" }
        let decimals = 2 - Int(log10(share).rounded(.down))
        return NumberFormatting.fixed(share, decimals: decimals) + "%"
    }

    func failureSection(_ failures: [FailureRecord]) throws -> ReportSection {
        var blocks: [ReportBlock] = [.paragraph([.verdict(networkBadge), .text(failures.isEmpty ? " No wrong answers in scope." : " \(NumberFormatting.grouped(failures.count)) question\(failures.count == 1 ? "" : "s") with at least one wrong answer digit.")])]
        if case .partial(let partial) = results.coverage {
            blocks.append(.paragraph(RichText("In scope: every question of the measured ranges (\(NumberFormatting.grouped(partial.measured.counts.failures)) wrong) and the uniform sample of the rest (\(NumberFormatting.grouped(partial.rest.failures)) wrong); questions outside both were not evaluated.")))
        }
        let (grouped, denominators) = try carryChainFailures(failures)
        let groups = grouped.groups
        if !groups.isEmpty {
            let columns = "columns \(n - 1)…0"
            blocks.append(.paragraph(RichText("Each wrong answer digit A(k) is filed under the carry chain into it: columns k-1, k-2, … down to the first column whose pair sum is not 9, which settles whether true addition carries into A(k); every other column is * (the notation of the Z3 difference sets below). A question wrong at two digits counts once under each.")))
            blocks.append(.list([
                [.strong("Pattern"), .text(" (\(columns)): \(Self.patternLegend).")],
                [.strong("Carry in"), .text(": whether true addition carries into the digit (yes when the chain ends in C).")],
                [.strong("Questions"), .text(": \(denominators); rate = wrong / questions."
                    + (groups.count > Self.failureTableRows ? " The row \"\(groups.count - Self.failureTableRows) more\" sums the smaller patterns not listed (all in failures.csv)." : ""))],
            ]))
            let shown = groups.prefix(Self.failureTableRows)
            var rows: [[RichText]] = shown.map { group in
                [RichText(group.key.digit.description), [.code(group.key.pattern)], RichText(group.key.carriesIn ? "yes" : "no"),
                 RichText(NumberFormatting.grouped(group.wrong)), RichText(NumberFormatting.grouped(group.questions)),
                 RichText(Self.rate(group.wrong, of: group.questions))]
            }
            let rest = groups.dropFirst(Self.failureTableRows)
            if !rest.isEmpty {
                let wrong = rest.reduce(0) { $0 + $1.wrong }
                rows.append([RichText("\(rest.count) more"), RichText("≤ \(rest.first?.wrong ?? 0) each"), "",
                             RichText(NumberFormatting.grouped(wrong)), "—", "—"])
            }
            rows.append([[.strong("all")], "", "", [.strong(NumberFormatting.grouped(grouped.wrongDigits))], "", ""])
            blocks.append(.table(ReportTable(
                header: ["digit", "pattern", "carry in", "wrong", "questions", "rate"], rows: rows,
                alignments: [.left, .left, .left, .right, .right, .right],
                caption: "Wrong answer digits by digit and carry pattern, largest first")))
            let counts = groups.map { PatternFailureCount(pattern: $0.key.pattern, answerDigit: $0.key.digit.description, count: $0.wrong) }
            let figure = FailuresByPattern(title: "Wrong answer digits by carry pattern", counts: counts, answerDigitOrder: digitLabels,
                                           maximumPatterns: Self.failureFigureBars, valueAxisLabel: "wrong answer digits")
            blocks.append(.figure(ReportFigure(id: "failures-by-pattern", caption: "Wrong answer digits by carry pattern (\(columns)), coloured by the wrong digit"
                + (groups.count > Self.failureFigureBars ? "; the largest \(Self.failureFigureBars) of \(groups.count) patterns, the others counted in the subtitle" : ""), image: figure.render())))
        } else {
            blocks.append(.figure(ReportFigure(id: "failures-by-pattern", caption: "Wrong answer digits by carry pattern",
                                               image: FailuresByPattern(counts: []).render())))
        }
        let shown = failures.prefix(50)
        if !shown.isEmpty {
            blocks.append(.table(ReportTable(
                header: ["question", "model", "true", "wrong digits", "pattern"],
                rows: shown.map { [[.code("\(padded($0.a, n))+\(padded($0.b, n))")], RichText($0.modelAnswer), RichText($0.trueAnswer),
                                   RichText($0.wrongDigits.map(\.description).joined(separator: " ")), [.code($0.pattern)]] },
                caption: (failures.count > shown.count ? "First \(shown.count) of \(NumberFormatting.grouped(failures.count)) wrong questions; all are in failures.csv, with cascade lengths" : "All wrong questions (also in failures.csv, with cascade lengths)")
                    + "; pattern: every column's class (C, 9, _ as above), columns \(max(0, n - 1))…0")))
        }
        return ReportSection(title: "Failures", blocks: blocks)
    }
}
