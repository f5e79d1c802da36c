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
        var written = try ReportWriter.write(document(failures: failures, outputDirectory: directory), to: directory)
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
        var coverage: Coverage
        switch results.coverage {
        case .exhaustive(let result):
            let s = result.summary
            coverage = Coverage(kind: .exhaustive, questions: s.count, population: results.model.config.nDigits > 0 ? power10(2 * n) : 0,
                             firstIndex: s.firstIndex, seed: nil)
            network = .init(failures: s.failures, perDigitFailures: s.perDigitFailures, failuresByPattern: s.failuresByPattern,
                            undecided: s.undecided.count)
        case .sampled(let s, _):
            coverage = Coverage(kind: .sampled, questions: s.sampleSize, population: s.population, firstIndex: nil, seed: s.seed)
            network = .init(failures: s.failures, perDigitFailures: s.perDigitFailures, failuresByPattern: s.failuresByPattern,
                            undecided: s.undecided.count)
            network.failureRate = s.failureRate
        case .partial(let partial):
            let measured = partial.measured.coverage, rest = partial.rest
            coverage = Coverage(kind: .partial, questions: measured.measuredCount + rest.sampleSize, population: measured.population,
                                seed: rest.seed)
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
            ReportSummary.Proof(verdict: $0.verdict, counterexamples: $0.counterexamples, perDigitCounterexamples: $0.perDigitCounterexamples)
        }
        return ReportSummary(
            model: results.model, coverage: coverage, network: network,
            claims: explanation.claims.claims.map { .init(id: $0.id, status: $0.status, coverage: $0.coverage, rule: $0.rule?.description ?? $0.threshold) },
            proofs: proofs,
            threeWay: ["extracted": explanation.threeWay.extracted.questions, "paper": explanation.threeWay.paper.questions],
            timings: reproducible ? nil : results.timings,
            fidelity: fidelitySummary())
    }

    // MARK: the document

    /// The report's content; links to result files are relative to `outputDirectory`
    /// (where report.md and report.html are written).
    func document(failures: [FailureRecord], outputDirectory: URL) throws -> ReportDocument {
        try ReportDocument(
            title: "CarryLens verification report: \(results.model.name)",
            summary: overview(),
            sections: [
                modelSection(), methodSection(), failureSection(failures), attentionSection(),
                algorithmSection(), fidelitySection(), claimsSection(), threeWaySection(), proofSection(outputDirectory: outputDirectory), nearTieSection(),
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

    func badge(for verdict: Verdict) -> EvidenceBadge {
        switch verdict {
        case .proved: return .proved
        case .refuted: return .refuted
        case .unknown: return .unknown
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
                lines.append([.verdict(fidelity.coverage.kind.isExhaustive ? .measured : .sampled),
                              .text(" How it fails (\(NumberFormatting.grouped(total)) wrong digit\(total == 1 ? "" : "s") on \(NumberFormatting.grouped(fidelity.coverage.questions)) \(fidelity.coverage.kind.isExhaustive ? "questions, every one" : "held-out questions")): "),
                              .strong("\(NumberFormatting.grouped(falseCarry)) false carries"),
                              .text(" (a carry added where none arrives, typically below a run of sum-9 columns), "),
                              .strong("\(NumberFormatting.grouped(missed)) missed cascades"),
                              .text(" (a carry through sum-9 columns not passed on) and \(NumberFormatting.grouped(other)) other; by digit: \(byDigit.map { "\($0.0) \($0.1)" }.joined(separator: ", ")).")])
            }
            if let chosen = fidelity.algorithms.first?.questions, let plain = fidelity.algorithms.first(where: { $0.role == .plainAddition })?.questions {
                lines.append([.verdict(fidelity.coverage.kind.isExhaustive ? .measured : .sampled),
                              .text(" The carry look-ahead chosen to reproduce the network agrees with it on \(NumberFormatting.grouped(chosen.agree)) of \(NumberFormatting.grouped(chosen.total)) questions (plain addition: \(NumberFormatting.grouped(plain.agree))) and reproduces \(NumberFormatting.grouped(chosen.predicted)) of the network's \(NumberFormatting.grouped(chosen.networkFailures)) failure\(chosen.networkFailures == 1 ? "" : "s") (see The network's own algorithm).")])
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
            lines.append([.verdict(badge(for: proof.verdict)), .text(" \(name) \(outcome).")])
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

    func attentionSection() -> ReportSection {
        let attention = explanation.attention
        // A query attends only to its own and earlier positions (causal mask): later
        // positions are NaN, drawn as masked rather than as weight 0.
        let weights = attention.slots.map { slot in
            slot.heads.map { head in head.meanMass.enumerated().map { $0.offset > slot.position ? .nan : $0.element } }
        }
        let figure = AttentionStaircase(
            subtitle: "mean attention weight, \(attention.coverage.kind.rawValue) over \(NumberFormatting.grouped(attention.coverage.questions)) questions",
            answerDigitLabels: attention.slots.map(\.digit), positionLabels: attention.positionLabels, weights: weights)
        let rows: [[String]] = explanation.roles.roles.map { role in
            [role.digit, "h\(role.head)", role.role.rawValue, "column \(role.readsColumn) (k\(role.readsColumnOffset >= 0 ? "+" : "")\(role.readsColumnOffset))",
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
        var blocks: [ReportBlock] = [.paragraph([.verdict(explanation.threeWay.coverage.kind.isExhaustive ? .measured : .sampled),
                                                  .text(" Network vs algorithm vs true addition, per answer digit, over \(explanation.threeWay.coverage.kind.rawValue) \(NumberFormatting.grouped(explanation.threeWay.coverage.questions)) questions.")])]
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

    func proofSection(outputDirectory: URL) -> ReportSection {
        var blocks: [ReportBlock] = []
        for algorithm in VerificationResults.proofAlgorithms {
            guard let proof = results.proofs[algorithm] else { continue }
            let rows: [[RichText]] = proof.digits.map { digit in
                [RichText(digit.digit), [.verdict(badge(for: digit.verdict))], RichText(grouped(digit.counterexamples)),
                 RichText(digit.witness.map { "\($0.question) → \($0.algorithmAnswer) (true \($0.trueAnswer))" } ?? "—")]
            }
            blocks.append(.paragraph([.verdict(badge(for: proof.verdict)),
                                      .text(" \(algorithm) algorithm (\(proof.algorithm)): \(grouped(proof.counterexamples)) of \(grouped(proof.questionCount)) questions have a wrong digit.")]))
            blocks.append(.table(ReportTable(header: ["digit", "verdict", "wrong questions (exact)", "witness"], rows: rows)))
            let folder = VerificationResults.proofDirectory(in: results.directory, algorithm: algorithm)
            let links = proof.smt2Checks.map { ReportLink(text: "\($0.file) (expect \($0.expected))",
                                                          target: RelativePath.from(outputDirectory, to: folder.appendingPathComponent($0.file))) }
            if !links.isEmpty { blocks.append(.links(links)) }
        }
        blocks.append(.paragraph([.text("Verdicts are Z3's where Z3 decided; exact counts come from a case split over column digit pairs that needs no solver, and agree with Z3's own count wherever Z3 listed the set's cubes ("), .code("count_source"), .text(" in each summary.json says which). Each .smt2 file is self-contained; "), .code("z3 FILE"), .text(" re-checks it independently of CarryLens.")]))
        return ReportSection(title: "Proof verdicts", blocks: blocks)
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

    /// A count written as decimal text (Z3's counts may pass 2^63), grouped in thousands.
    func grouped(_ decimal: String?) -> String {
        guard let decimal else { return "unknown" }
        guard !decimal.isEmpty, decimal.allSatisfy({ $0.isASCII && $0.isNumber }) else { return decimal }
        return DecimalText.grouped(digits: decimal)
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

    public struct Network: Codable, Equatable, Sendable {
        public var failures: Int
        public var perDigitFailures: [Int]
        public var failuresByPattern: [String: Int]
        /// Questions no evaluator could decide (see the near-tie section).
        public var undecided: Int
        public var failureRate: WilsonInterval?
    }

    public struct ClaimStatus: Codable, Equatable, Sendable {
        public var id: String
        public var status: ClaimVerdict
        public var coverage: String
        /// The decision rule, thresholds included.
        public var rule: String? = nil
    }

    public struct Proof: Codable, Equatable, Sendable {
        public var verdict: Verdict
        public var counterexamples: String?
        public var perDigitCounterexamples: [String?]
    }
}
