import AdditionTask
import Exhaustive
import Foundation

/// One of the paper's claims, checked on this model.
public struct Claim: Codable, Hashable, Sendable {
    /// Stable identifier, e.g. `double_staircase`.
    public var id: String
    /// The claim in the paper's words.
    public var statement: String
    /// Whether it holds, fails or is undecided on this model (JSON: `holds`, `fails`, `undecided`).
    public var status: ClaimVerdict
    /// What was measured, with the numbers.
    public var evidence: String
    /// The decision rule and its thresholds.
    public var threshold: String
    /// `exhaustive`, `sampled (N questions)`, `constructed sample (…)`, `proved (Z3)`, `structural + checked on N questions`.
    public var coverage: String
    /// The decision rule as data (measured quantities and thresholds); `status` is its verdict. Nil for claims decided by a rule stated only in `threshold`.
    public var rule: DecisionRule? = nil
}

/// The reference-pass check behind "starts late".
public struct StartsLateCheck: Codable, Hashable, Sendable {
    /// Questions run through the fp64 reference pass.
    public var questions: Int
    /// Seed of their choice.
    public var seed: UInt64
    /// Largest |Δ logit| at any answer-predicting position when hook_z and hook_resid_post are zeroed at every position before `=`.
    public var maxAbsoluteLogitChange: Double
}

/// The model a report is about.
public struct ModelSummary: Codable, Hashable, Sendable {
    /// File name without extension.
    public var name: String
    /// n.
    public var digitCount: Int
    /// 10^(2n).
    public var questionCount: Int
    /// Number of heads.
    public var heads: Int
}

/// claims.json.
public struct ClaimsReport: Codable, Hashable, Sendable {
    /// The model.
    public var model: ModelSummary
    /// The reference-pass check used by `starts_late`.
    public var startsLateCheck: StartsLateCheck
    /// One entry per claim.
    public var claims: [Claim]
}

enum ClaimAnalysis {
    static func f(_ x: Double, _ digits: Int = 3) -> String { String(format: "%.\(digits)f", x) }

    static func evaluate(task: AdditionTask, attention: AttentionReport, roles: RolesReport, ablation: AblationReport,
                         extraction: ExtractionReport, threeWay: ThreeWayReport, startsLate: StartsLateCheck, fidelity: FidelityReport? = nil) -> [Claim] {
        let n = task.digitCount
        var claims: [Claim] = []
        let attentionCoverage = attention.coverage.kind.isExhaustive ? "exhaustive (\(attention.coverage.questions) questions)" : "sampled (\(attention.coverage.questions) questions, seed \(attention.coverage.seed.map(String.init) ?? "-"))"

        // 1. Double staircase.
        var staircaseOK = true
        var parts: [String] = []
        for slot in attention.slots {
            let k = slot.place
            let required = Set([k, k - 1, k - 2].filter { $0 >= 0 && $0 < n })
            let read = Set(slot.heads.filter { $0.topColumnMass >= RoleAnalysis.attentionThreshold }.map(\.topColumn))
            if !required.isSubset(of: read) { staircaseOK = false }
            parts.append("\(slot.digit): " + slot.heads.map { "h\($0.head)→col \($0.topColumn) (\(f($0.topColumnMass, 2)))" }.joined(separator: ", "))
        }
        claims.append(Claim(id: "double_staircase", statement: "parallel per-digit streams: for A(k) the heads attend to the digit pairs of columns k, k-1, k-2 (double staircase)",
                            status: staircaseOK ? .holds : .fails, evidence: parts.joined(separator: "; "),
                            threshold: "holds when, for every answer digit, each existing column among k, k-1, k-2 is the top column of some head with mean mass ≥ \(RoleAnalysis.attentionThreshold)",
                            coverage: attentionCoverage))

        // 2. Head roles.
        var rolesOK = true, rolesConfirmed = true
        var roleParts: [String] = []
        for slot in attention.slots where slot.place >= 2 && slot.place <= n - 1 {
            let here = roles.roles.filter { $0.slot == slot.slot }
            let names = Set(here.map(\.role))
            if names != [.baseAdd, .makeCarry, .makeSum9] { rolesOK = false }
            if here.contains(where: { $0.role != .other && !$0.confirmedByAblation }) { rolesConfirmed = false }
            roleParts.append("\(slot.digit): " + here.map { role in "h\(role.head) \(role.role.rawValue)\(role.confirmedByAblation ? "" : " (unconfirmed)") drop \(f(role.expectedCategory.flatMap { role.meanAblationAccuracyDrop[$0] } ?? 0))" }.joined(separator: ", "))
        }
        let rolesStatus: ClaimVerdict = roleParts.isEmpty ? .undecided : (!rolesOK ? .fails : (rolesConfirmed ? .holds : .undecided))
        claims.append(Claim(id: "head_roles", statement: "one head does BA on column k, the others MC1 (column k-1) and MS9/US9 (columns k-1, k-2)",
                            status: rolesStatus, evidence: roleParts.isEmpty ? "no answer digit with columns k, k-1, k-2 all present (n < 3)" : roleParts.joined(separator: "; "),
                            threshold: "for every A(k) with 2 ≤ k ≤ n-1: the heads' roles are exactly {BA, MC1, MS9/US9} (attention) and each is confirmed by a mean-ablation accuracy drop ≥ \(RoleAnalysis.confirmationThreshold); roles right but unconfirmed → undecided",
                            coverage: "attention \(attentionCoverage); ablation on the category sets of ablation.json"))

        // 3. Starts late.
        let lateOK = startsLate.maxAbsoluteLogitChange <= 1e-12
        let operandDamage = ablation.results.filter { $0.target == .residual && $0.mode == .mean && !$0.noOp && ($0.position ?? 0) < task.equalsPosition }
            .map { r in r.categories.map(\.deltaLoss).max() ?? 0 }.max() ?? 0
        claims.append(Claim(id: "starts_late", statement: "positions before '=' can be ablated without increasing the loss (the computation starts late)",
                            status: lateOK ? .holds : .fails,
                            evidence: "zeroing every head's output (hook_z) and hook_resid_post at all positions before '=' changes the answer logits by at most \(startsLate.maxAbsoluteLogitChange) on \(startsLate.questions) questions (fp64 reference pass): in a one-layer causal model those outputs are never read. What earlier positions do contribute is their embeddings, read as attention keys/values: mean-ablating hook_resid_pre at an operand position raises the loss by up to \(f(operandDamage)) nats (that removes the input, not computation)",
                            threshold: "holds when the largest |Δ logit| ≤ 1e-12",
                            coverage: "structural (one layer, causal mask), checked on \(startsLate.questions) questions with the reference pass",
                            rule: DecisionRule(measured: ["max_abs_logit_change": startsLate.maxAbsoluteLogitChange],
                                               holdsWhen: [RuleCondition("max_abs_logit_change", .atMost, 1e-12)],
                                               failsWhen: [RuleCondition("max_abs_logit_change", .above, 1e-12)])))

        // 4. A(k) computed at the position right before it is emitted.
        var placeOK = true
        var placeParts: [String] = []
        let totals = ablation.baseline.indices.map { i in ablation.categories[i].coverage.questions }
        func pooled(_ metrics: [CategoryMetrics], slot: Int) -> Double {
            let weight = Double(max(1, totals.reduce(0, +)))
            return zip(metrics, totals).reduce(0) { $0 + $1.0.digitAccuracy[slot] * Double($1.1) } / weight
        }
        for slot in 0..<task.answerDigitCount {
            let position = task.equalsPosition + slot
            guard let result = ablation.results.first(where: { $0.target == .residual && $0.mode == .zero && $0.position == position }) else { continue }
            let own = pooled(ablation.baseline, slot: slot) - pooled(result.categories, slot: slot)
            let others = (0..<task.answerDigitCount).filter { $0 != slot }.map { pooled(ablation.baseline, slot: $0) - pooled(result.categories, slot: $0) }.max() ?? 0
            if own < 0.3 || others > 0.05 { placeOK = false }
            placeParts.append("zero resid_pre at \(task.positionLabel(position)) (predicts A\(n - slot)): A\(n - slot) accuracy −\(f(own)), largest other-digit drop \(f(others))")
        }
        claims.append(Claim(id: "computed_before_emission", statement: "A(k) is computed at the one position right before it is emitted",
                            status: placeOK ? .holds : .fails, evidence: placeParts.joined(separator: "; "),
                            threshold: "holds when zero-ablating hook_resid_pre at A(k)'s predicting position lowers A(k)'s accuracy by ≥ 0.3 and no other digit's by more than 0.05 (accuracy pooled over the category sets)",
                            coverage: "category sets of ablation.json"))

        // 5. Fails on cascading US9, split in two: (a) cascading questions fail more often, (b) failures are cascades.
        let threeWayCoverage = threeWay.coverage.kind.isExhaustive ? "exhaustive (\(threeWay.coverage.questions) questions)" : "sampled (\(threeWay.coverage.questions) uniform questions, seed \(threeWay.coverage.seed.map(String.init) ?? "-"))"
        claims += CascadeClaims.evaluate(threeWay: threeWay, coverage: threeWayCoverage, fidelity: fidelity)

        // 6. One-level algorithm matches the network except cascades.
        let paper = threeWay.paper.questions
        let paperRight = paper.allAgree + paper.networkWrongAlgorithmRight
        let agreeOutside = Double(paper.allAgree) / Double(max(1, paperRight))
        let paperWrong = paper.networkRightAlgorithmWrong + paper.networkWrongAsAlgorithmPredicts + paper.bothWrongDifferently
        let oneLevelRule = DecisionRule(measured: ["agreement_where_algorithm_right": agreeOutside],
                                        holdsWhen: [RuleCondition("agreement_where_algorithm_right", .atLeast, 0.999)],
                                        failsWhen: [RuleCondition("agreement_where_algorithm_right", .below, 0.99)])
        claims.append(Claim(id: "one_level_algorithm_matches", statement: "the paper's one-level algorithm (BA+MC1+MS9∧MC1) describes the network on every question without a cascading US9",
                            status: agreeOutside >= 0.999 ? .holds : (agreeOutside < 0.99 ? .fails : .undecided),
                            evidence: "where the algorithm is right (\(paperRight) questions; it is right exactly off the cascades, proved by Z3: \(threeWay.paperProof.countText) in all), the network agrees on \(paper.allAgree) (\(f(agreeOutside, 6))); on the \(paperWrong) questions where the algorithm is wrong, the network gives the algorithm's wrong answer on \(paper.networkWrongAsAlgorithmPredicts) and the true answer on \(paper.networkRightAlgorithmWrong)",
                            threshold: "holds when agreement where the algorithm is right ≥ 0.999; fails when < 0.99; else undecided",
                            coverage: "\(threeWayCoverage); algorithm vs truth proved (Z3)", rule: oneLevelRule))

        // 7. Extracted tables in the paper's vocabulary.
        let equalDigits = extraction.digits.filter { $0.equals.contains { $0.hasPrefix("paper") } }
        claims.append(Claim(id: "extracted_tables_equal_paper_formula", statement: "each answer digit's extracted truth table equals the paper's formula A(k) = BA(k) + MC1(k-1) + MS9(k-1)∧MC1(k-2)",
                            status: equalDigits.count == extraction.digits.count ? .holds : .fails,
                            evidence: extraction.digits.map { "\($0.digit) over \($0.inputs.joined(separator: ",")): \($0.formulaMatches.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")) of \($0.rows) rows" }.joined(separator: "; "),
                            threshold: "holds when every digit's table matches the formula on every row",
                            coverage: extraction.coverage.kind.isExhaustive ? "exhaustive (majority over every question)" : "constructed sample (\(extraction.coverage.questions) questions)",
                            rule: DecisionRule(measured: ["digits_equal_to_paper_formula": Double(equalDigits.count), "digits": Double(extraction.digits.count)],
                                               holdsWhen: [RuleCondition("digits_equal_to_paper_formula", .atLeast, Double(extraction.digits.count))],
                                               failsWhen: [RuleCondition("digits_equal_to_paper_formula", .below, Double(extraction.digits.count))])))
        if let fidelity { claims.append(CascadeClaims.fidelityClaim(fidelity)) }
        return claims
    }
}
