import Reports

/// Realistic-looking but INVENTED data for rendering tests and visual review of the
/// report layout. Nothing here was measured or proved; every title says SAMPLE.
struct SampleReportData {
    let staircase: AttentionStaircase
    let failures: FailuresByPattern
    let agreement: ThreeWayAgreement
    let document: ReportDocument

    static let digitCount = 5

    static func make() -> SampleReportData {
        let n = digitCount
        let positions = AttentionStaircase.positionLabels(digitCount: n)
        let digits = AttentionStaircase.answerDigitLabels(digitCount: n)
        // Invented "double staircase": head h of answer digit A_k looks at column k - h.
        let weights: [[[Double]]] = digits.indices.map { row in
            let place = n - row
            let query = 2 * n + 1 + row
            return (0..<3).map { head in
                let column = place - head
                var values = positions.indices.map { $0 <= query ? 0.01 : Double.nan }
                if column >= 0 && column < n {
                    values[n - 1 - column] = 0.46
                    values[2 * n - column] = 0.44
                } else {
                    values[2 * n + 1] = 0.6 // "="
                    values[0] = 0.3
                }
                let mass = values.filter { !$0.isNaN }.reduce(0, +)
                return values.map { $0.isNaN ? $0 : (($0 / mass) * 100).rounded() / 100 }
            }
        }
        let staircase = AttentionStaircase(title: "SAMPLE — attention by answer digit and head",
                                           subtitle: "Invented values for layout review; not measured",
                                           answerDigitLabels: digits, positionLabels: positions, weights: weights)

        let failureCounts: [PatternFailureCount] = [
            .init(pattern: "_99C_", answerDigit: "A3", count: 41_250), .init(pattern: "_99C_", answerDigit: "A4", count: 3_010),
            .init(pattern: "99C__", answerDigit: "A4", count: 40_500), .init(pattern: "99C__", answerDigit: "A5", count: 40_500),
            .init(pattern: "_999C", answerDigit: "A2", count: 4_455), .init(pattern: "_999C", answerDigit: "A3", count: 4_455),
            .init(pattern: "__99C", answerDigit: "A2", count: 36_450), .init(pattern: "999C_", answerDigit: "A5", count: 4_050),
            .init(pattern: "9999C", answerDigit: "A5", count: 405), .init(pattern: "C____", answerDigit: "A5", count: 12),
            .init(pattern: "_C9__", answerDigit: "A3", count: 3), .init(pattern: "__C__", answerDigit: "A2", count: 1),
        ]
        let failures = FailuresByPattern(title: "SAMPLE — wrong answer digits by carry pattern", counts: failureCounts,
                                         answerDigitOrder: digits)

        let total = 10_000_000_000
        let agreementDigits: [DigitAgreementCounts] = [
            (digits[0], 40_500 + 4_050 + 405, 0, 12, 0), (digits[1], 43_510, 0, 0, 0), (digits[2], 45_705, 0, 3, 0),
            (digits[3], 40_905, 0, 1, 0), (digits[4], 0, 0, 0, 0), (digits[5], 0, 0, 0, 2),
        ].map { digit, predicted, algorithmRightOnly, networkWrongOnly, networkRightOnly in
            DigitAgreementCounts(answerDigit: digit, allAgree: total - predicted - algorithmRightOnly - networkWrongOnly - networkRightOnly,
                                 networkWrongAsAlgorithmPredicts: predicted, networkWrongAlgorithmRight: networkWrongOnly + algorithmRightOnly,
                                 networkRightAlgorithmWrong: networkRightOnly)
        }
        let agreement = ThreeWayAgreement(title: "SAMPLE — network vs one-level algorithm vs true addition",
                                          algorithmName: "algorithm", digits: agreementDigits)

        let document = ReportDocument(
            title: "CarryLens report — SAMPLE DATA (not a result)",
            summary: [
                .note(VerdictNote(.unknown, RichText([.strong("This is a layout sample."), .text(" Every number below is invented to review how the report renders. Nothing was measured or proved.")]))),
                .card(KeyValueCard(title: "Model (sample)", pairs: [
                    ("model file", "fixtures/models/add5_l1_h3_s129000.safetensors (not evaluated)"),
                    ("task", "D4..D0 + D'4..D'0 = A5..A0"), ("questions in scope", NumberFormatting.grouped(total)),
                    ("heads / layers", "3 / 1"),
                ])),
            ],
            sections: [
                ReportSection(title: "Verdicts at a glance", blocks: [
                    .paragraph("Each row is one claim; the badge says how it is known."),
                    .table(ReportTable(header: ["claim", "status", "evidence"], rows: [
                        ["A0 = (D0 + D'0) mod 10 for all questions", [.verdict(.proved)], [.link(ReportLink(text: "proofs/A0-base-add.smt2", target: "proofs/A0-base-add.smt2"))]],
                        [RichText([.text("Network answers "), .code("00445+00555"), .text(" correctly")]), [.verdict(.refuted)], [.text("predicts "), .code("000000"), .text(", truth "), .code("001000")]],
                        ["A3 matches the extracted algorithm", [.verdict(.unknown)], "Z3: timeout after 600 s"],
                        ["Wrong answers in scope", [.verdict(.measured)], RichText(NumberFormatting.grouped(174_641) + " of " + NumberFormatting.grouped(total))],
                        ["Head 2 does MC1 on column k−2", [.verdict(.sampled)], "ablation on 170 questions"],
                    ], alignments: [.left, .center, .left])),
                ]),
                ReportSection(title: "Failures", blocks: [
                    .note(VerdictNote(.measured, "Counts from (pretend) exhaustive evaluation of every question.")),
                    .figure(ReportFigure(id: "failures-by-pattern", caption: "SAMPLE. Wrong answer digits per carry pattern, stacked by answer digit.", image: failures.render())),
                    .table(ReportTable(header: ["pattern", "answer digit", "wrong", "share of pattern"],
                                       rows: failureCounts.prefix(6).map { [[.code($0.pattern)], RichText($0.answerDigit), RichText(NumberFormatting.grouped($0.count)), RichText(NumberFormatting.percent($0.count, of: 1_000_000))] },
                                       alignments: [.left, .center, .right, .right], caption: "Top rows (sample)")),
                    .links([ReportLink(text: "failures.csv (sample)", target: "failures.csv"), ReportLink(text: "failures.json (sample)", target: "failures.json")]),
                ], subsections: [
                    ReportSection(title: "Same data on a log scale", blocks: [
                        .figure(ReportFigure(id: "failures-by-pattern-log", caption: "SAMPLE. As Figure 1, logarithmic axis: one bar per non-zero (pattern, digit) pair.", image: FailuresByPattern(title: "SAMPLE — wrong answer digits by carry pattern (log scale)", counts: failureCounts, answerDigitOrder: digits, scale: .logarithmic).render())),
                    ]),
                    ReportSection(title: "When there are no failures", blocks: [
                        .figure(ReportFigure(id: "failures-none", caption: "SAMPLE. The same figure for a model with no failures.", image: FailuresByPattern(counts: []).render())),
                    ]),
                ]),
                ReportSection(title: "Attention", blocks: [
                    .note(VerdictNote(.sampled, "Mean attention over a sample of questions.")),
                    .figure(ReportFigure(id: "attention-staircase", caption: "SAMPLE. Attention weight from each answer digit's predicting position to each input position, per head.", image: staircase.render())),
                ]),
                ReportSection(title: "Algorithm agreement", blocks: [
                    .figure(ReportFigure(id: "three-way", caption: "SAMPLE. Per answer digit: questions where network, algorithm and truth agree or disagree.", image: agreement.render())),
                    .table(ReportTable(header: ["digit", "all agree", "net wrong as predicted", "net wrong, alg right", "net right, alg wrong"],
                                       plainRows: agreementDigits.map { [$0.answerDigit, NumberFormatting.grouped($0.allAgree), NumberFormatting.grouped($0.networkWrongAsAlgorithmPredicts), NumberFormatting.grouped($0.networkWrongAlgorithmRight), NumberFormatting.grouped($0.networkRightAlgorithmWrong)] },
                                       alignments: [.left, .right, .right, .right, .right])),
                ]),
                ReportSection(title: "Proof obligations", blocks: [
                    .note(VerdictNote(.proved, RichText([.text("A0 equals "), .code("(D0 + D'0) mod 10"), .text(" for every question (sample statement).")]))),
                    .code(CodeBlock("(declare-const d0 Int)\n(declare-const e0 Int)\n(assert (and (<= 0 d0 9) (<= 0 e0 9)))\n(assert (not (= a0 (mod (+ d0 e0) 10))))\n(check-sat) ; unsat", language: "smt2")),
                    .links([ReportLink(text: "proofs/A0-base-add.smt2", target: "proofs/A0-base-add.smt2")]),
                ]),
            ])
        return SampleReportData(staircase: staircase, failures: failures, agreement: agreement, document: document)
    }
}
