import AdditionTask
import Exhaustive
import Foundation
import Interpretation
import Proofs
import Transformer

/// Turns verification results into the report a reader sees: `report.md`,
/// `report.html`, `figures/*.svg`, a stable `summary.json` and `failures.csv`.
public struct VerificationReport {
    public let results: VerificationResults
    /// Leave run-dependent facts (timings) out, so the files are byte-for-byte reproducible.
    public var reproducible: Bool

    public init(results: VerificationResults, reproducible: Bool) {
        self.results = results
        self.reproducible = reproducible
    }

    var n: Int { results.model.config.nDigits }
    var digitLabels: [String] { (0...n).reversed().map { "A\($0)" } }
    var explanation: Explanation { results.explanation }

    /// Writes every report file into `directory`; returns the files written.
    @discardableResult
    public func write(to directory: URL) throws -> [URL] {
        let failures = try results.coverage.failures
        var written = try ReportWriter.write(document(failures: failures), to: directory)
        let summaryURL = directory.appendingPathComponent("summary.json")
        try CanonicalJSON.encode(summary(failures: failures)).write(to: summaryURL, options: .atomic)
        let csvURL = directory.appendingPathComponent("failures.csv")
        var csv = FailureRecord.csvHeader + "\n"
        for failure in failures { csv += failure.csvRow(digitCount: n) + "\n" }
        try Data(csv.utf8).write(to: csvURL, options: .atomic)
        written += [summaryURL, csvURL]
        return written
    }

    // MARK: summary.json

    /// The stable machine-readable summary (schema in docs/report-schema.md).
    public func summary(failures: [FailureRecord]) -> ReportSummary {
        var network = ReportSummary.Network(failures: 0, perDigitFailures: [], failuresByPattern: [:], undecided: 0)
        var coverage: ReportSummary.Coverage
        switch results.coverage {
        case .exhaustive(let result):
            let s = result.summary
            coverage = .init(kind: "exhaustive", questions: s.count, population: results.model.config.nDigits > 0 ? power10(2 * n) : 0,
                             firstIndex: s.firstIndex, seed: nil)
            network = .init(failures: s.failures, perDigitFailures: s.perDigitFailures, failuresByPattern: s.failuresByPattern,
                            undecided: s.undecided.count)
        case .sampled(let s, _):
            coverage = .init(kind: "sampled", questions: s.sampleSize, population: s.population, firstIndex: nil, seed: s.seed)
            network = .init(failures: s.failures, perDigitFailures: s.perDigitFailures, failuresByPattern: s.failuresByPattern,
                            undecided: s.undecided.count)
            network.failureRate = s.failureRate
        case .partial(let partial):
            let measured = partial.measured.coverage, rest = partial.rest
            coverage = .init(kind: "partial", questions: measured.measuredCount + rest.sampleSize, population: measured.population,
                             firstIndex: nil, seed: rest.seed)
            coverage.measured = measured.measured.map { [$0.lowerBound, $0.upperBound] }
            coverage.measuredQuestions = measured.measuredCount
            coverage.restSample = .init(questions: rest.sampleSize, population: rest.population, seed: rest.seed,
                                        failures: rest.failures, failureRate: rest.failureRate)
            let counts = partial.measured.counts
            network = .init(failures: counts.failures, perDigitFailures: counts.perDigitFailures, failuresByPattern: counts.failuresByPattern,
                            undecided: partial.measured.undecided.count + rest.undecided.count)
            network.failureRate = partial.wholeSpaceFailureRate
        }
        let proofs = results.proofs.mapValues {
            ReportSummary.Proof(verdict: $0.verdict.rawValue, counterexamples: $0.counterexamples, perDigitCounterexamples: $0.perDigitCounterexamples)
        }
        return ReportSummary(
            model: results.model, coverage: coverage, network: network,
            claims: explanation.claims.claims.map { .init(id: $0.id, status: $0.status.rawValue, coverage: $0.coverage, rule: $0.rule?.description ?? $0.threshold) },
            proofs: proofs,
            threeWay: ["extracted": explanation.threeWay.extracted.questions, "paper": explanation.threeWay.paper.questions],
            timings: reproducible ? nil : results.timings,
            fidelity: fidelitySummary())
    }

    // MARK: the document

    func document(failures: [FailureRecord]) -> ReportDocument {
        ReportDocument(
            title: "CarryLens verification report: \(results.model.name)",
            summary: overview(),
            sections: [
                modelSection(), methodSection(), failureSection(failures), attentionSection(),
                algorithmSection(), fidelitySection(), claimsSection(), threeWaySection(), proofSection(), nearTieSection(),
            ].compactMap { $0 } + (reproducible || results.timings == nil ? [] : [timingSection()]))
    }

    var networkBadge: EvidenceBadge {
        if case .exhaustive = results.coverage { return .measured }
        return .sampled
    }

    /// The headline of a partial run: exact over the measured ranges, estimated for the whole space.
    func partialOverview(_ partial: PartialCoverage) -> [RichText] {
        let measured = partial.measured.coverage, rest = partial.rest, counts = partial.measured.counts
        let accuracy = Double(measured.measuredCount - counts.failures) / Double(max(1, measured.measuredCount))
        let whole = partial.wholeSpaceFailureRate
        return [
            [.verdict(.measured), .text(" Accuracy "), .strong(String(format: "%.4f%%", accuracy * 100)),
             .text(" on the measured ranges only: the network was run on every question of \(rangeList(measured.measured)) (\(NumberFormatting.grouped(measured.measuredCount)) of the \(NumberFormatting.grouped(measured.population)) questions, \(share(measured.fraction)) of the space) and answered "),
             .strong("\(NumberFormatting.grouped(measured.measuredCount - counts.failures)) correctly and \(NumberFormatting.grouped(counts.failures)) wrongly"),
             .text(". This is not an exhaustive run: the other \(NumberFormatting.grouped(measured.population - measured.measuredCount)) questions were not all evaluated.")],
            [.verdict(.sampled), .text(" Whole space, estimated: accuracy "),
             .strong("\(percent(1 - whole.high))–\(percent(1 - whole.low))"),
             .text(" (the measured questions exactly, the rest at the ends of the 95% Wilson interval of a uniform sample of \(NumberFormatting.grouped(rest.sampleSize)) of the \(NumberFormatting.grouped(rest.population)) unmeasured questions, seed \(rest.seed): \(NumberFormatting.grouped(rest.failures)) wrong). Contiguous index ranges are not a uniform sample of the space, so the measured ranges alone do not estimate it.")],
        ]
    }

    /// Index ranges as `[a, b)`, joined.
    func rangeList(_ ranges: [Range<Int>]) -> String {
        let shown = ranges.prefix(20).map { "[\($0.lowerBound), \($0.upperBound))" }.joined(separator: ", ")
        return ranges.count > 20 ? "\(ranges.count) index ranges (first 20: \(shown); all in summary.json)" : "the index range\(ranges.count == 1 ? "" : "s") \(shown)"
    }

    func share(_ fraction: Double) -> String { String(format: "%.4g%%", fraction * 100) }

    func badge(for verdict: String) -> EvidenceBadge {
        switch verdict {
        case "proved": return .proved
        case "refuted": return .refuted
        default: return .unknown
        }
    }

    func overview() -> [ReportBlock] {
        var lines: [RichText] = []
        // 1. How often the network is right, and on what evidence.
        switch results.coverage {
        case .exhaustive(let result):
            let s = result.summary
            let all = s.count == power10(2 * n)
            let accuracy = Double(s.count - s.failures) / Double(max(1, s.count))
            lines.append([.verdict(.measured), .text(" Accuracy "), .strong(String(format: "%.4f%%", accuracy * 100)),
                          .text(": the network was run on \(all ? "every one" : "a range") of the \(NumberFormatting.grouped(s.count)) questions\(all ? "" : " [\(s.firstIndex), \(s.firstIndex + s.count))") and answered "),
                          .strong("\(NumberFormatting.grouped(s.count - s.failures)) correctly and \(NumberFormatting.grouped(s.failures)) wrongly"), .text(".")])
        case .sampled(let s, _):
            let accuracy = 1 - Double(s.failures) / Double(max(1, s.sampleSize))
            lines.append([.verdict(.sampled), .text(" Accuracy "), .strong(String(format: "%.2f%%", accuracy * 100)),
                          .text(" (95% Wilson \(percent(1 - s.failureRate.high))–\(percent(1 - s.failureRate.low))) on a uniform sample of \(NumberFormatting.grouped(s.sampleSize)) of the \(NumberFormatting.grouped(s.population)) questions (seed \(s.seed)): "),
                          .strong("\(NumberFormatting.grouped(s.failures)) wrong"), .text(". Questions outside the sample were not evaluated.")])
        case .partial(let partial):
            lines += partialOverview(partial)
        }
        // 2. How it fails, in one sentence.
        if let fidelity = explanation.fidelity {
            let classes = fidelity.failureClasses.values
            let falseCarry = classes.reduce(0) { $0 + $1.falseCarry }, missed = classes.reduce(0) { $0 + $1.missedCascade }, other = classes.reduce(0) { $0 + $1.other }
            let total = falseCarry + missed + other
            if total > 0 {
                let byDigit = fidelity.failureClasses.sorted { $0.key > $1.key }
                    .map { ($0.key, $0.value.falseCarry + $0.value.missedCascade + $0.value.other) }.filter { $0.1 > 0 }
                lines.append([.verdict(fidelity.coverage.kind == "exhaustive" ? .measured : .sampled),
                              .text(" How it fails (\(NumberFormatting.grouped(total)) wrong digits on \(NumberFormatting.grouped(fidelity.coverage.questions)) \(fidelity.coverage.kind == "exhaustive" ? "questions, every one" : "held-out questions")): "),
                              .strong("\(NumberFormatting.grouped(falseCarry)) false carries"),
                              .text(" (a carry added where none arrives, typically below a run of sum-9 columns), "),
                              .strong("\(NumberFormatting.grouped(missed)) missed cascades"),
                              .text(" (a carry through sum-9 columns not passed on) and \(NumberFormatting.grouped(other)) other; by digit: \(byDigit.map { "\($0.0) \($0.1)" }.joined(separator: ", ")).")])
            }
            if let chosen = fidelity.algorithms.first?.questions, let plain = fidelity.algorithms.first(where: { $0.role == "plain addition" })?.questions {
                lines.append([.verdict(fidelity.coverage.kind == "exhaustive" ? .measured : .sampled),
                              .text(" The carry look-ahead chosen to reproduce the network agrees with it on \(String(format: "%.2f%%", 100 * Double(chosen.agree) / Double(max(1, chosen.total)))) of questions (plain addition: \(String(format: "%.2f%%", 100 * Double(plain.agree) / Double(max(1, plain.total))))) and reproduces \(NumberFormatting.grouped(chosen.predicted)) of the network's \(NumberFormatting.grouped(chosen.networkFailures)) failures (see The network's own algorithm).")])
            }
        }
        // 3. The paper's claims, by name.
        func names(_ status: ClaimVerdict) -> String {
            let ids = explanation.claims.claims.filter { $0.status == status }.map { $0.id.replacingOccurrences(of: "_", with: " ") }
            return ids.isEmpty ? "none" : ids.joined(separator: ", ")
        }
        lines.append(RichText("Claims checked on this model (see Claims, with each decision rule) — hold: \(names(.holds)); fail: \(names(.fails)); undecided: \(names(.undecided))."))
        // 4. The algorithms against true addition (statements about algorithms, not the network).
        for algorithm in VerificationResults.proofAlgorithms {
            guard let proof = results.proofs[algorithm] else { continue }
            let name = algorithm == "paper" ? "The paper's one-level algorithm (not the network)" : "The pair-sum table algorithm extracted from this network (not the network)"
            let outcome = proof.verdict == .proved ? "equals true \(n)-digit addition on every question"
                : proof.verdict == .refuted ? "is wrong on exactly \(grouped(proof.counterexamples)) of the \(NumberFormatting.grouped(power10(2 * n))) questions"
                : "could not be decided by Z3"
            lines.append([.verdict(badge(for: proof.verdict.rawValue)), .text(" \(name) \(outcome).")])
        }
        return [.list(lines), .paragraph("Proofs are about algorithms (the paper's and the extracted one), never about the network's floating-point weights; facts about the network are measured or sampled, and say which.")]
    }

    func modelSection() -> ReportSection {
        let m = results.model
        var pairs: [(String, String)] = [
            ("file", m.file), ("SHA-256", m.sha256), ("digits n", "\(m.config.nDigits)"),
            ("layout", m.layout),
            ("architecture", "\(m.config.nLayers) layer, \(m.config.nHeads) heads, d_model \(m.config.dModel), d_head \(m.config.dHead), d_mlp \(m.config.dMLP), \(m.config.actFn), LayerNorm eps \(m.config.eps)"),
            ("parameters", NumberFormatting.grouped(m.parameterCount)),
        ]
        if let steps = m.trainingSteps { pairs.append(("training steps", NumberFormatting.grouped(steps))) }
        if let loss = m.finalTrainingLoss { pairs.append(("last recorded training loss", String(format: "%.3g", loss))) }
        for note in m.loadNotes { pairs.append(("load note", note)) }
        return ReportSection(title: "Model card", blocks: [.card(KeyValueCard(title: m.name, pairs: pairs))])
    }

    func methodSection() -> ReportSection {
        var rows: [[RichText]] = []
        switch results.coverage {
        case .exhaustive(let result):
            rows.append([[.verdict(.measured)], "network answers", "every question in [\(result.summary.firstIndex), \(result.summary.firstIndex + result.summary.count)): \(NumberFormatting.grouped(result.summary.count)) questions, fp32 fast evaluator; near ties re-decided in fp64"])
        case .sampled(let s, _):
            rows.append([[.verdict(.sampled)], "network answers", "\(NumberFormatting.grouped(s.sampleSize)) uniform questions of \(NumberFormatting.grouped(s.population)) (seed \(s.seed)); fp32 fast evaluator, near ties re-decided in fp64"])
        case .partial(let partial):
            let measured = partial.measured.coverage, rest = partial.rest
            rows.append([[.verdict(.measured)], "network answers, measured ranges",
                         RichText("every question of \(rangeList(measured.measured)): \(NumberFormatting.grouped(measured.measuredCount)) questions (\(share(measured.fraction)) of the space), read from enumeration results (measured/); fp32 fast evaluator, near ties re-decided in fp64")])
            rows.append([[.verdict(.sampled)], "network answers, the rest",
                         RichText("\(NumberFormatting.grouped(rest.sampleSize)) uniform questions of the \(NumberFormatting.grouped(rest.population)) unmeasured ones (seed \(rest.seed)); same evaluator")])
        }
        let attentionCoverage = explanation.attention.coverage
        rows.append([[.verdict(attentionCoverage.kind == "exhaustive" ? .measured : .sampled)], "attention, ablation, dependencies",
                     RichText("\(attentionCoverage.kind), \(NumberFormatting.grouped(attentionCoverage.questions)) questions (details in explanation/*.json)")])
        let threeWayCoverage = explanation.threeWay.coverage
        rows.append([[.verdict(threeWayCoverage.kind == "exhaustive" ? .measured : .sampled)], "three-way tables",
                     RichText("\(threeWayCoverage.kind), \(NumberFormatting.grouped(threeWayCoverage.questions)) questions")])
        for algorithm in VerificationResults.proofAlgorithms {
            guard let proof = results.proofs[algorithm] else { continue }
            rows.append([[.verdict(badge(for: proof.verdict.rawValue))], RichText("\(algorithm) algorithm vs true addition"),
                         RichText("Z3, symbolic over all \(grouped(proof.questionCount)) questions; exact counts by disjoint cubes")])
        }
        return ReportSection(title: "What was checked and how", blocks: [
            .table(ReportTable(header: ["evidence", "what", "coverage"], rows: rows)),
        ])
    }

    func failureSection(_ failures: [FailureRecord]) -> ReportSection {
        var counts: [String: [String: Int]] = [:]  // pattern → digit → count
        for failure in failures {
            for digit in failure.wrongDigits { counts[failure.pattern, default: [:]][digit.description, default: 0] += 1 }
        }
        let patternCounts = counts.keys.sorted().flatMap { pattern in
            digitLabels.compactMap { digit in counts[pattern]?[digit].map { PatternFailureCount(pattern: pattern, answerDigit: digit, count: $0) } }
        }
        let figure = FailuresByPattern(subtitle: failures.isEmpty ? nil : "\(failures.count) wrong questions; bars count wrong answer digits", counts: patternCounts, answerDigitOrder: digitLabels)
        var blocks: [ReportBlock] = [.paragraph([.verdict(networkBadge), .text(failures.isEmpty ? " No wrong answers in scope." : " \(NumberFormatting.grouped(failures.count)) question\(failures.count == 1 ? "" : "s") with at least one wrong answer digit.")])]
        if case .partial(let partial) = results.coverage {
            blocks.append(.paragraph(RichText("In scope: every question of the measured ranges (\(NumberFormatting.grouped(partial.measured.counts.failures)) wrong) and the uniform sample of the rest (\(NumberFormatting.grouped(partial.rest.failures)) wrong); questions outside both were not evaluated.")))
        }
        let patternRows: [[String]] = counts.keys.sorted().map { pattern in
            [pattern] + digitLabels.map { String(counts[pattern]?[$0] ?? 0) }
        }
        if !patternRows.isEmpty {
            blocks.append(.table(ReportTable(header: ["pattern"] + digitLabels, plainRows: patternRows,
                                             caption: "Wrong answer digits by carry pattern (columns most significant first: C ≥ 10, 9 = 9, _ < 9)")))
        }
        blocks.append(.figure(ReportFigure(id: "failures-by-pattern", caption: "Wrong answer digits by carry pattern and answer digit", image: figure.render())))
        let shown = failures.prefix(50)
        if !shown.isEmpty {
            blocks.append(.table(ReportTable(
                header: ["question", "model", "true", "wrong digits", "pattern", "cascade"],
                plainRows: shown.map { ["\(padded($0.a, n))+\(padded($0.b, n))", $0.modelAnswer, $0.trueAnswer,
                                        $0.wrongDigits.map(\.description).joined(separator: " "), $0.pattern,
                                        $0.cascadeLengths.map(String.init).joined(separator: " ")] },
                caption: failures.count > shown.count ? "First \(shown.count) of \(failures.count); all are in failures.csv" : "All wrong questions (also in failures.csv)")))
        }
        return ReportSection(title: "Failures", blocks: blocks)
    }

    func attentionSection() -> ReportSection {
        let attention = explanation.attention
        let weights = attention.slots.map { slot in slot.heads.map(\.meanMass) }
        let figure = AttentionStaircase(
            subtitle: "mean attention weight, \(attention.coverage.kind) over \(NumberFormatting.grouped(attention.coverage.questions)) questions",
            answerDigitLabels: attention.slots.map(\.digit), positionLabels: attention.positionLabels, weights: weights)
        let rows: [[String]] = explanation.roles.roles.map { role in
            [role.digit, "h\(role.head)", role.role, "column \(role.readsColumn) (k\(role.readsColumnOffset >= 0 ? "+" : "")\(role.readsColumnOffset))",
             String(format: "%.2f", role.attentionMass), role.confirmedByAblation ? "yes" : "no"]
        }
        return ReportSection(title: "Attention and head roles", blocks: [
            .figure(ReportFigure(id: "attention-staircase", caption: "Where each head looks when predicting each answer digit (the paper's double staircase)", image: figure.render())),
            .table(ReportTable(header: ["digit", "head", "role", "reads", "mass", "ablation confirms"], plainRows: rows,
                               caption: "Head roles: BA reads column k, MC1 column k-1, MS9/US9 column k-2, cascade US9 lower columns")),
        ])
    }

    func algorithmSection() -> ReportSection {
        var blocks: [ReportBlock] = [.paragraph("For each answer digit the network's majority output as a function of the pair sums it depends on, written in the proof engine's algorithm format (explanation/algorithm.json).")]
        let rows: [[String]] = explanation.extraction.digits.map { digit in
            [digit.digit, digit.inputs.joined(separator: ", "), NumberFormatting.grouped(digit.rows),
             digit.equals.isEmpty ? "none of the named formulas" : digit.equals.joined(separator: "; "),
             NumberFormatting.grouped(digit.nonUnanimousRows), String(format: "%.2f", digit.smallestMajorityShare)]
        }
        blocks.append(.table(ReportTable(header: ["digit", "reads", "table rows", "equals", "non-unanimous rows", "smallest majority"], plainRows: rows)))
        return ReportSection(title: "Extracted algorithm", blocks: blocks)
    }

    func claimsSection() -> ReportSection {
        let rows: [[RichText]] = explanation.claims.claims.map { claim in
            [RichText(claim.statement), [.strong(claim.status.rawValue)], RichText(claim.rule?.description ?? claim.threshold), RichText(claim.evidence), RichText(claim.coverage)]
        }
        return ReportSection(title: "The paper's claims for this model", blocks: [
            .table(ReportTable(header: ["claim", "status", "decision rule", "evidence", "coverage"], rows: rows)),
        ])
    }

    func threeWaySection() -> ReportSection {
        var blocks: [ReportBlock] = [.paragraph([.verdict(explanation.threeWay.coverage.kind == "exhaustive" ? .measured : .sampled),
                                                  .text(" Network vs algorithm vs true addition, per answer digit, over \(explanation.threeWay.coverage.kind) \(NumberFormatting.grouped(explanation.threeWay.coverage.questions)) questions.")])]
        for (name, table) in [("extracted", explanation.threeWay.extracted), ("paper", explanation.threeWay.paper)] {
            let digits = digitLabels.compactMap { label in
                table.perDigit[label].map {
                    DigitAgreementCounts(answerDigit: label, allAgree: $0.allAgree, networkWrongAsAlgorithmPredicts: $0.networkWrongAsAlgorithmPredicts,
                                         networkWrongAlgorithmRight: $0.networkWrongAlgorithmRight, networkRightAlgorithmWrong: $0.networkRightAlgorithmWrong,
                                         bothWrongDifferently: $0.bothWrongDifferently)
                }
            }
            let rows: [[String]] = digits.map { d in
                [d.answerDigit, NumberFormatting.grouped(d.allAgree), NumberFormatting.grouped(d.networkWrongAsAlgorithmPredicts),
                 NumberFormatting.grouped(d.networkWrongAlgorithmRight), NumberFormatting.grouped(d.networkRightAlgorithmWrong),
                 NumberFormatting.grouped(d.bothWrongDifferently)]
            } + [["any digit", NumberFormatting.grouped(table.questions.allAgree), NumberFormatting.grouped(table.questions.networkWrongAsAlgorithmPredicts),
                  NumberFormatting.grouped(table.questions.networkWrongAlgorithmRight), NumberFormatting.grouped(table.questions.networkRightAlgorithmWrong),
                  NumberFormatting.grouped(table.questions.bothWrongDifferently)]]
            blocks.append(.table(ReportTable(header: ["digit", "all agree", "network wrong as algorithm predicts", "network wrong, algorithm right", "network right, algorithm wrong", "both wrong differently"],
                                             plainRows: rows, caption: "\(table.algorithm) algorithm")))
            blocks.append(.figure(ReportFigure(id: "three-way-\(name)", caption: "Three-way agreement per answer digit: \(table.algorithm) algorithm",
                                               image: ThreeWayAgreement(algorithmName: table.algorithm, digits: digits).render())))
        }
        return ReportSection(title: "Network, algorithm and true addition", blocks: blocks)
    }

    func proofSection() -> ReportSection {
        var blocks: [ReportBlock] = []
        for algorithm in VerificationResults.proofAlgorithms {
            guard let proof = results.proofs[algorithm] else { continue }
            let rows: [[RichText]] = proof.digits.map { digit in
                [RichText(digit.digit), [.verdict(badge(for: digit.verdict.rawValue))], RichText(grouped(digit.counterexamples)),
                 RichText(digit.witness.map { "\($0.question) → \($0.algorithmAnswer) (true \($0.trueAnswer))" } ?? "—")]
            }
            blocks.append(.paragraph([.verdict(badge(for: proof.verdict.rawValue)),
                                      .text(" \(algorithm) algorithm (\(proof.algorithm)): \(grouped(proof.counterexamples)) of \(grouped(proof.questionCount)) questions have a wrong digit.")]))
            blocks.append(.table(ReportTable(header: ["digit", "verdict", "wrong questions (exact)", "witness"], rows: rows)))
            let links = proof.smt2Checks.map { ReportLink(text: "\($0.file) (expect \($0.expected))", target: "proofs/\(algorithm)/\($0.file)") }
            if !links.isEmpty { blocks.append(.links(links)) }
        }
        blocks.append(.paragraph("Each .smt2 file is self-contained; `z3 FILE` re-checks it independently of CarryLens."))
        return ReportSection(title: "Z3 verdicts", blocks: blocks)
    }

    func nearTieSection() -> ReportSection {
        let undecided: [Int]
        let marginsFile: String
        switch results.coverage {
        case .exhaustive(let result): (undecided, marginsFile) = (result.summary.undecided, "enumeration/margins.json")
        case .sampled(let s, _): (undecided, marginsFile) = (s.undecided, "sample/margins.json")
        case .partial(let partial): (undecided, marginsFile) = ((partial.measured.undecided + partial.rest.undecided).sorted(), "measured/*/margins.json and sample/margins.json")
        }
        let verdict = undecided.isEmpty
            ? "Every re-decided fp64 margin was outside its own rounding bound, so every decision is established."
            : "\(NumberFormatting.grouped(undecided.count)) questions kept an fp64 margin within its own rounding bound: those decisions are undecided (counted by their fp64 answer, listed below)."
        var blocks: [ReportBlock] = [.paragraph(RichText("Every answer digit whose fp32 logit margin was within its derived fp32 rounding bound was re-decided in fp64, by a computation whose every operation and order are fixed (the same bits on every machine; tested against the fp64 reference pass). Which digits fall within their bound depends in the last bits on the CPU's fp32 matrix kernels, so their number is recorded with the run (\(marginsFile)), not in this report; the decisions do not depend on it. \(verdict)"))]
        if !undecided.isEmpty {
            blocks.append(.table(ReportTable(header: ["undecided question index"], plainRows: undecided.prefix(100).map { [String($0)] })))
        }
        return ReportSection(title: "Near ties", blocks: blocks)
    }

    func timingSection() -> ReportSection {
        let rows = (results.timings ?? [:]).sorted { $0.key < $1.key }.map { [$0.key, String(format: "%.1f s", $0.value)] }
        return ReportSection(title: "Timings", blocks: [.table(ReportTable(header: ["stage", "seconds"], plainRows: rows))])
    }

    func grouped(_ decimal: String?) -> String {
        guard let decimal else { return "unknown" }
        guard let value = Int(decimal) else { return decimal }
        return NumberFormatting.grouped(value)
    }

    func percent(_ value: Double) -> String { String(format: "%.4f%%", value * 100) }
}

/// `summary.json` of a report: the stable, documented schema (docs/report-schema.md).
public struct ReportSummary: Codable, Equatable, Sendable {
    public var format = "carrylens-report/2"
    public var model: ModelCard
    public var coverage: Coverage
    public var network: Network
    public var claims: [ClaimStatus]
    public var proofs: [String: Proof]
    public var threeWay: [String: ThreeWayCounts]
    /// Seconds per stage; absent in reproducible reports.
    public var timings: [String: Double]?
    /// Whole-question fidelity to the network per algorithm role (`chosen look-ahead`, `plain addition`, …); absent when not measured.
    public var fidelity: [String: FidelityCounts]? = nil

    public struct Coverage: Codable, Equatable, Sendable {
        public var kind: String
        public var questions: Int
        public var population: Int
        public var firstIndex: Int?
        public var seed: UInt64?
        /// Kind `partial`: the measured index ranges [first, end), every question of each evaluated.
        public var measured: [[Int]]? = nil
        /// Kind `partial`: questions in ``measured``.
        public var measuredQuestions: Int? = nil
        /// Kind `partial`: the uniform sample of the questions outside ``measured``.
        public var restSample: RestSample? = nil
        enum CodingKeys: String, CodingKey {
            case kind, questions, population, seed, measured
            case firstIndex = "first_index", measuredQuestions = "measured_questions", restSample = "rest_sample"
        }
    }

    /// The uniform sample of the unmeasured questions of a partial run.
    public struct RestSample: Codable, Equatable, Sendable {
        public var questions: Int
        /// The unmeasured questions it was drawn from.
        public var population: Int
        public var seed: UInt64
        public var failures: Int
        public var failureRate: WilsonInterval
        enum CodingKeys: String, CodingKey {
            case questions, population, seed, failures
            case failureRate = "failure_rate"
        }
    }

    public struct Network: Codable, Equatable, Sendable {
        public var failures: Int
        public var perDigitFailures: [Int]
        public var failuresByPattern: [String: Int]
        /// Questions no evaluator could decide (see the near-tie section).
        public var undecided: Int
        public var failureRate: WilsonInterval?
        enum CodingKeys: String, CodingKey {
            case failures, undecided
            case perDigitFailures = "per_digit_failures", failuresByPattern = "failures_by_pattern"
            case failureRate = "failure_rate"
        }
    }

    public struct ClaimStatus: Codable, Equatable, Sendable {
        public var id: String
        public var status: String
        public var coverage: String
        /// The decision rule, thresholds included.
        public var rule: String? = nil
    }

    public struct Proof: Codable, Equatable, Sendable {
        public var verdict: String
        public var counterexamples: String?
        public var perDigitCounterexamples: [String?]
        enum CodingKeys: String, CodingKey {
            case verdict, counterexamples
            case perDigitCounterexamples = "per_digit_counterexamples"
        }
    }

    enum CodingKeys: String, CodingKey {
        case format, model, coverage, network, claims, proofs, timings, fidelity
        case threeWay = "three_way"
    }
}
