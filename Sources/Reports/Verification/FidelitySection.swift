import Exhaustive
import Foundation
import Interpretation

extension VerificationReport {
    /// summary.json's fidelity entry: whole-question counts per algorithm role.
    func fidelitySummary() -> [String: FidelityCounts]? {
        guard let fidelity = explanation.fidelity else { return nil }
        return Dictionary(fidelity.algorithms.map { ($0.role.rawValue, $0.questions) }, uniquingKeysWith: { first, _ in first })
    }

    /// "The network's own algorithm": the look-ahead chosen by fidelity, its fidelity and the comparisons.
    func fidelitySection() -> ReportSection? {
        guard let fidelity = explanation.fidelity else { return nil }
        let exhaustive = fidelity.coverage.kind.isExhaustive
        let boundaryFitting = fidelity.search.boundaryFitting.map { " (and \(NumberFormatting.grouped($0.questions)) at the boundary pair sums of the one-column cells)" } ?? ""
        let boundarySelection = fidelity.search.boundarySelection.map { " (and \(NumberFormatting.grouped($0.questions)))" } ?? ""
        var blocks: [ReportBlock] = [.paragraph([.verdict(exhaustive ? .measured : .sampled),
            .text(" The carry look-ahead chosen per digit by how well it reproduces the network (network_algorithm.json), measured on \(exhaustive ? "every question" : "\(NumberFormatting.grouped(fidelity.coverage.questions)) held-out uniform questions (seed \(fidelity.coverage.seed.map(String.init) ?? "-"), none used for fitting or selection)"). Fitted on \(NumberFormatting.grouped(fidelity.search.fitting.questions)) constructed questions\(boundaryFitting), selected on \(NumberFormatting.grouped(fidelity.search.selection.questions)) others\(boundarySelection). Proof against true addition: \(fidelity.proof.verdict.rawValue) (\(fidelity.proof.countText)).")])]
        blocks.append(.list(fidelity.search.digits.map { RichText("\($0.digit): \($0.readable)") }))
        func share(_ interval: WilsonInterval?) -> String {
            interval.map { String(format: "%.4f–%.4f", $0.low, $0.high) } ?? "exact"
        }
        let rows: [[String]] = fidelity.algorithms.map { entry in
            let q = entry.questions
            return [entry.role.rawValue, NumberFormatting.grouped(q.agree), percent(q.agreement), share(q.agreementInterval),
                    "\(NumberFormatting.grouped(q.predicted)) of \(NumberFormatting.grouped(q.networkFailures))", share(q.reproducedInterval),
                    NumberFormatting.grouped(q.missed), NumberFormatting.grouped(q.invented)]
        }
        blocks.append(.table(ReportTable(header: ["algorithm", "agrees with the network", "share", "95% interval", "network failures reproduced", "95% interval", "missed", "invented"],
                                         plainRows: rows, caption: "Whole questions")))
        blocks.append(.list(fidelity.targets.map { RichText("\($0.name) (\($0.rule)): \($0.met ? "met" : "not met")") }))
        if !fidelity.disagreementExamples.isEmpty {
            let cells = fidelity.disagreementsByCell.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(8).map { "\($0.key): \($0.value)" }
            blocks.append(.paragraph(RichText("Where the chosen algorithm and the network still disagree (digit and the cell of its full look-ahead: 9 = sum-9 columns read, then C, _ or | for column 0): " + cells.joined(separator: ", ") + ". Examples: " + fidelity.disagreementExamples.prefix(5).map { "\($0.question) network \($0.network), algorithm \($0.algorithm) (true \($0.truth))" }.joined(separator: "; ") + ".")))
        }
        let classes = fidelity.failureClasses.sorted { $0.key > $1.key }.map { entry in
            [entry.key, NumberFormatting.grouped(entry.value.falseCarry), NumberFormatting.grouped(entry.value.missedCascade), NumberFormatting.grouped(entry.value.other)]
        }
        blocks.append(.table(ReportTable(header: ["digit", "false carry", "missed cascade", "other"], plainRows: classes, caption: "Network wrong digits by kind")))
        return ReportSection(title: "The network's own algorithm", blocks: blocks)
    }
}
