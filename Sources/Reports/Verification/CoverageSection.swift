import AdditionTask
import Exhaustive
import Foundation
import Interpretation

extension VerificationReport {
    /// The evidence class of a stage's question set: measured only when it was every question.
    func badge(for coverage: Coverage) -> EvidenceBadge {
        coverage.kind.isExhaustive ? .measured : .sampled
    }

    /// What a stage's question set was, as recorded by the stage itself: its kind, size,
    /// population and seed.
    func describe(_ coverage: Coverage) -> String {
        let seed = coverage.seed.map { ", seed \($0)" } ?? ""
        let questions = NumberFormatting.grouped(coverage.questions)
        switch coverage.kind {
        case .exhaustive:
            return coverage.population == coverage.questions || coverage.population == nil
                ? "every question: \(questions)" : "exhaustive over \(questions) questions"
        case .sampled:
            return "\(questions) uniform questions" + (coverage.population.map { " of \(NumberFormatting.grouped($0))" } ?? "") + seed
        case .constructed:
            return "\(questions) constructed questions (seeded, built to contain the cases studied; not uniform)" + seed
        case .structural:
            return "read from the weights and the model's structure"
        case .partial:
            return "every question of \(NumberFormatting.grouped(coverage.measuredQuestions ?? 0)) in measured index ranges, and a uniform sample of the rest" + seed
        }
    }

    /// "What was checked and how": every stage with the questions it actually ran on,
    /// read from the stage's own result file (never from the command's defaults).
    func methodSection() -> ReportSection {
        var rows: [[RichText]] = []
        func row(_ badge: EvidenceBadge, _ stage: String, _ file: String, _ text: String) {
            rows.append([[.verdict(badge)], RichText(stage), [.code(file)], RichText(text)])
        }
        switch results.coverage {
        case .exhaustive(let result):
            let s = result.summary
            row(.measured, "network answers", "enumeration/summary.json",
                "every question in [\(NumberFormatting.grouped(s.firstIndex)), \(NumberFormatting.grouped(s.firstIndex + s.count))): \(NumberFormatting.grouped(s.count)) questions; fp32 fast evaluator, near ties re-decided in fp64")
        case .sampled(let s, _):
            row(.sampled, "network answers", "sample/summary.json",
                "\(NumberFormatting.grouped(s.sampleSize)) uniform questions of \(NumberFormatting.grouped(s.population)), seed \(s.seed); fp32 fast evaluator, near ties re-decided in fp64")
        case .partial(let partial):
            let measured = partial.measured.coverage, rest = partial.rest
            row(.measured, "network answers, measured ranges", "measured/*/summary.json",
                "every question of \(rangeList(measured.measured)): \(NumberFormatting.grouped(measured.measuredCount)) questions (\(share(measured.fraction)) of the space), read from enumeration results; fp32 fast evaluator, near ties re-decided in fp64")
            row(.sampled, "network answers, the rest", "sample/summary.json",
                "\(NumberFormatting.grouped(rest.sampleSize)) uniform questions of the \(NumberFormatting.grouped(rest.population)) unmeasured ones, seed \(rest.seed); same evaluator")
        }
        let e = explanation
        row(badge(for: e.attention.coverage), "attention and head roles", "explanation/attention.json", describe(e.attention.coverage))
        row(badge(for: e.dependencies.coverage), "which columns each digit depends on", "explanation/dependencies.json", describe(e.dependencies.coverage))
        row(badge(for: e.extraction.coverage), "extracted pair-sum tables", "explanation/extraction.json", describe(e.extraction.coverage))
        rows.append(contentsOf: ablationRows())
        if let fidelity = e.fidelity {
            row(badge(for: fidelity.search.fitting), "carry look-ahead search: fitting", "explanation/fidelity.json", describe(fidelity.search.fitting))
            row(badge(for: fidelity.search.selection), "carry look-ahead search: selection", "explanation/fidelity.json", describe(fidelity.search.selection))
            row(badge(for: fidelity.coverage), "fidelity of the chosen look-ahead", "explanation/fidelity.json",
                describe(fidelity.coverage) + (fidelity.coverage.kind.isExhaustive ? "" : ", none used for fitting or selection"))
        }
        row(badge(for: e.threeWay.coverage), "three-way tables", "explanation/three_way.json", describe(e.threeWay.coverage))
        let startsLate = e.claims.startsLateCheck
        row(.sampled, "\"starts late\" check (fp64 reference pass)", "explanation/claims.json",
            "\(NumberFormatting.grouped(startsLate.questions)) questions, seed \(startsLate.seed)")
        for algorithm in VerificationResults.proofAlgorithms {
            guard let proof = results.proofs[algorithm] else { continue }
            rows.append([[.verdict(badge(for: proof.verdict))], RichText("Proof: \(algorithm) algorithm vs true addition"), [.code("proofs/\(algorithm)/summary.json")],
                         RichText("symbolic over all \(grouped(proof.questionCount)) questions; exact counts by disjoint cubes")])
        }
        if let fidelity = e.fidelity {
            rows.append([[.verdict(badge(for: fidelity.proof.verdict))], "Proof: chosen look-ahead vs true addition", [.code("explanation/fidelity.json")],
                         RichText("symbolic over all \(NumberFormatting.grouped(power10(2 * n))) questions: \(fidelity.proof.countText)")])
        }
        return ReportSection(title: "What was checked and how", blocks: [
            .table(ReportTable(header: ["evidence", "stage", "recorded in", "questions it ran on"], rows: rows,
                               caption: "Sizes and seeds as recorded by each stage. Uniform: drawn without repeats from the stated population. Constructed: drawn with a seed from questions built to have the property studied (runs of sum-9 columns, every table row), so their shares are not population rates.")),
        ])
    }

    /// The ablation stage: its category sets (grouped when they share kind, size and seed)
    /// and the sample the mean-ablation head contributions were averaged over.
    func ablationRows() -> [[RichText]] {
        let ablation = explanation.ablation
        var groups: [(coverage: Coverage, names: [String])] = []
        for set in ablation.categories {
            var key = set.coverage
            key.population = nil
            key.firstIndex = nil
            if let index = groups.firstIndex(where: { $0.coverage == key }) { groups[index].names.append(set.category) }
            else { groups.append((key, [set.category])) }
        }
        var rows: [[RichText]] = groups.map { group in
            let c = group.coverage
            let how = c.kind == .sampled ? "uniform within its category" : c.kind.rawValue
            return [[.verdict(badge(for: c))], "ablation: category sets", [.code("explanation/ablation.json")],
                    RichText("\(group.names.joined(separator: ", ")): \(NumberFormatting.grouped(c.questions)) questions each, \(how)" + (c.seed.map { ", seed \($0)" } ?? ""))]
        }
        let mean = ablation.meanHeadContributionCoverage
        rows.append([[.verdict(badge(for: mean))], "ablation: mean head contributions", [.code("explanation/ablation.json")], RichText(describe(mean))])
        return rows
    }
}
