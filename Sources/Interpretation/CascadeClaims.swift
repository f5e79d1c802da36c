import Exhaustive
import Foundation

/// The two claims that replace "the network fails on cascading US9", and the fidelity claim.
enum CascadeClaims {
    static func f(_ x: Double, _ digits: Int = 4) -> String { String(format: "%.\(digits)f", x) }

    /// (a) cascading questions fail more often than others; (b) failures are cascades.
    static func evaluate(threeWay: ThreeWayReport, coverage: String, fidelity: FidelityReport?) -> [Claim] {
        let exact = threeWay.coverage.kind.isExhaustive
        var cascadeQuestions = 0, cascadeErrors = 0, otherQuestions = 0, otherErrors = 0
        for (name, count) in threeWay.questionsByCategory {
            let errors = threeWay.networkErrorsByCategory[name] ?? 0
            if let length = Int(name.replacingOccurrences(of: "sum9_cascade_", with: "")), length >= 2 {
                cascadeQuestions += count; cascadeErrors += errors
            } else {
                otherQuestions += count; otherErrors += errors
            }
        }
        func bounds(_ successes: Int, _ trials: Int) -> (Double, Double, Double) {
            let rate = Double(successes) / Double(max(1, trials))
            if exact { return (rate, rate, rate) }
            let interval = WilsonInterval(successes: successes, trials: trials)
            return (rate, interval.low, interval.high)
        }
        let (cascadeRate, cascadeLow, cascadeHigh) = bounds(cascadeErrors, cascadeQuestions)
        let (otherRate, otherLow, otherHigh) = bounds(otherErrors, otherQuestions)
        var measured: [String: Double] = ["cascade_error_rate": cascadeRate, "other_error_rate": otherRate]
        if cascadeQuestions > 0 && otherQuestions > 0 {
            measured["cascade_low_minus_other_high"] = cascadeLow - otherHigh
            measured["cascade_high_minus_other_low"] = cascadeHigh - otherLow
        }
        let intervalWord = exact ? "exact rates (every question)" : "95% Wilson intervals"
        let rateRule = DecisionRule(measured: measured,
                                    holdsWhen: [RuleCondition("cascade_low_minus_other_high", .above, 0)],
                                    failsWhen: [RuleCondition("cascade_high_minus_other_low", .below, 0)])
        let a = Claim(id: "cascades_fail_more_often",
                      statement: "questions whose carry cascades through two or more sum-9 columns fail more often than other questions",
                      status: rateRule.verdict,
                      evidence: "network wrong on \(cascadeErrors) of \(cascadeQuestions) questions with a cascade through ≥ 2 sum-9 columns (rate \(f(cascadeRate)), \(f(cascadeLow))–\(f(cascadeHigh))) vs \(otherErrors) of \(otherQuestions) other questions (rate \(f(otherRate, 6)), \(f(otherLow, 6))–\(f(otherHigh, 6))); \(intervalWord)",
                      threshold: "holds when the cascade rate's lower bound is above the other rate's upper bound; fails when the cascade rate's upper bound is below the other rate's lower bound; else undecided (\(intervalWord); undecided when no cascade question was seen)",
                      coverage: coverage, rule: rateRule)

        let failures = cascadeErrors + otherErrors
        let (share, shareLow, shareHigh) = bounds(cascadeErrors, failures)
        var shareMeasured: [String: Double] = ["failures": Double(failures), "cascade_failures": Double(cascadeErrors)]
        if failures > 0 {
            shareMeasured["cascade_share"] = share
            shareMeasured["cascade_share_low"] = shareLow
            shareMeasured["cascade_share_high"] = shareHigh
        }
        let shareRule = DecisionRule(measured: shareMeasured,
                                     holdsWhen: [RuleCondition("cascade_share_low", .atLeast, 0.5)],
                                     failsWhen: [RuleCondition("cascade_share_high", .below, 0.5)])
        var classes = ""
        if let fidelity {
            let parts = fidelity.failureClasses.sorted { $0.key > $1.key }.filter { $0.value.falseCarry + $0.value.missedCascade + $0.value.other > 0 }
                .map { "\($0.key): false carry \($0.value.falseCarry), missed cascade \($0.value.missedCascade), other \($0.value.other)" }
            classes = "; wrong digits by kind (\(fidelity.coverage.kind.rawValue), \(fidelity.coverage.questions) questions): " + (parts.isEmpty ? "none" : parts.joined(separator: "; "))
        }
        let b = Claim(id: "failures_are_cascades",
                      statement: "the network's failures are cascades: most wrong questions have a carry cascading through two or more sum-9 columns",
                      status: shareRule.verdict,
                      evidence: "\(cascadeErrors) of \(failures) wrong questions have a cascade through ≥ 2 sum-9 columns (share \(f(share)), \(f(shareLow))–\(f(shareHigh)))\(classes)",
                      threshold: "holds when the share's lower bound ≥ 0.5; fails when its upper bound < 0.5; else undecided (\(intervalWord); undecided when the network makes no failure)",
                      coverage: coverage, rule: shareRule)
        return [a, b]
    }

    /// The chosen look-ahead algorithm predicts the network (its targets).
    static func fidelityClaim(_ fidelity: FidelityReport) -> Claim {
        let exact = fidelity.coverage.kind.isExhaustive
        var measured: [String: Double] = [:]
        for target in fidelity.targets { measured[target.name.replacingOccurrences(of: " ", with: "_").replacingOccurrences(of: "/", with: "")] = target.met ? 1 : 0 }
        let names = measured.keys.sorted()
        let rule = DecisionRule(measured: measured, holdsWhen: names.map { RuleCondition($0, .atLeast, 1) }, failsWhen: names.map { RuleCondition($0, .below, 1) })
        let comparisons = fidelity.algorithms.map { "\($0.role.rawValue): agree \($0.questions.agree) of \($0.questions.total), reproduces \($0.questions.predicted) of \($0.questions.networkFailures) failures, invents \($0.questions.invented)" }
        return Claim(id: "lookahead_algorithm_predicts_network",
                     statement: "the carry look-ahead chosen by fidelity reproduces the network's answers (the network's own algorithm)",
                     status: rule.verdict,
                     evidence: comparisons.joined(separator: "; ") + "; targets: " + fidelity.targets.map { "\($0.name) (\($0.rule)): \($0.met ? "met" : "not met")" }.joined(separator: ", "),
                     threshold: "holds when every target is met (\(exact ? "every question: agreement ≥ 0.999, reproduced ≥ 0.9" : "held-out sample: agreement ≥ 0.9975, reproduced ≥ 0.6"), and more agreement than plain addition and than the best C/9/_ look-ahead table); fails when any is not",
                     coverage: exact ? "exhaustive (\(fidelity.coverage.questions) questions)" : "sampled (\(fidelity.coverage.questions) held-out uniform questions, seed \(fidelity.coverage.seed.map(String.init) ?? "-"))",
                     rule: rule)
    }
}
