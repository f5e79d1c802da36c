import AdditionTask
import CarryLensTestSupport
import Foundation
import Proofs
import Transformer
import XCTest
@testable import Interpretation

/// The n = 5 fixture (the paper's setting) on small seeded samples (sizes in
/// ``ExplainRunCache/options(digits:)``): attention roles, ablation, claims, and the
/// three-way table on a 3,000-question uniform sample.
final class SampledFiveDigitTests: XCTestCase {
    func explainRun() throws -> ExplainRun { try ExplainRunCache.shared.run(digits: 5) }

    /// Heads read the columns the report says, checked against the reference pass's attention on a few questions.
    func testAttentionRolesAgainstReferencePass() throws {
        let run = try explainRun()
        let model = try Fixtures.model(digits: 5)
        let task = model.task
        let attention = run.explanation.attention
        XCTAssertEqual(attention.coverage.kind, .sampled)
        XCTAssertEqual(attention.coverage.questions, 3_000)
        var sums = [[Double]](repeating: [Double](repeating: 0, count: 5), count: 6 * 3)
        let questions = Interpretation.uniformSample(count: 12, from: task.questionCount, seed: 99)
        for index in questions {
            var captured: [[[Double]]] = []
            var hooks = ForwardHooks<Double>()
            hooks.attentionPattern = { captured = $0 }
            _ = ReferenceTransformer<Double>(model).run(task.question(atIndex: index), hooks: hooks)
            for slot in 0..<6 { for head in 0..<3 { for key in 0..<task.inputLength {
                if let (_, column) = task.operandColumn(at: key) { sums[slot * 3 + head][column] += captured[head][task.equalsPosition + slot][key] }
            } } }
        }
        // Heads with a sharp reported column (mass ≥ 0.9) put most of their reference-pass attention there too.
        for slot in attention.slots {
            for head in slot.heads where head.topColumnMass >= 0.9 {
                XCTAssertGreaterThan(sums[slot.slot * 3 + head.head][head.topColumn] / Double(questions.count), 0.7, "\(slot.digit) head \(head.head)")
            }
        }
        // Roles are consistent with attention offsets.
        for role in run.explanation.roles.roles {
            XCTAssertEqual(role.readsColumnOffset, role.readsColumn - role.place)
            if role.role == .baseAdd { XCTAssertEqual(role.readsColumnOffset, 0) }
            if role.role == .makeCarry { XCTAssertEqual(role.readsColumnOffset, -1) }
        }
    }

    /// Baseline ablation metrics recomputed from the fast evaluator with a plain loop;
    /// one head ablation checked against the reference pass with hooks.
    func testAblationRecounted() throws {
        let run = try explainRun()
        let model = try Fixtures.model(digits: 5)
        let task = model.task
        let report = run.explanation.ablation
        XCTAssertEqual(report.categories.map(\.category), ["base_add", "simple_carry", "sum9_cascade_1", "sum9_cascade_2", "sum9_cascade_3", "sum9_cascade_4"])
        let evaluator = FastEvaluator(model)
        for (category, metrics) in zip(report.categories, report.baseline) {
            XCTAssertGreaterThan(category.indices.count, 0, category.category)
            for index in category.indices { XCTAssertEqual(QuestionCategory(task.question(atIndex: index)).name, category.category) }
            var allRight = 0
            for evaluation in evaluator.evaluate(indices: category.indices) where evaluation.predicted.map(Int.init) == task.question(atIndex: evaluation.index).answerDigits { allRight += 1 }
            XCTAssertEqual(metrics.questionAccuracy, Double(allRight) / Double(category.indices.count), accuracy: 1e-5)
        }
        guard let mc1 = run.explanation.roles.roles.first(where: { $0.digit == "A3" && $0.role == .makeCarry }) else { return XCTFail("no MC1 head at A3") }
        let zero = [Float](repeating: 0, count: model.config.dModel)
        let ablated = FastEvaluator(model, ablation: Ablation(headContributionReplacements: [HeadSlot(slot: mc1.slot, head: mc1.head): zero]))
        let position = task.equalsPosition + mc1.slot
        for index in report.categories[1].indices.prefix(2) {
            var hooks = ForwardHooks<Double>()
            hooks.headOutput = { z in z[position][mc1.head] = z[position][mc1.head].map { _ in 0 } }
            let reference = referenceLogits(model, index: index, hooks: hooks)
            let fast = ablated.logits(indices: [index])
            for slot in 0..<6 { for t in 0..<12 { XCTAssertEqual(Double(fast[slot * 12 + t]), reference[slot][t], accuracy: 2e-3) } }
        }
    }

    /// Three-way on the stated uniform sample, recounted by a plain loop; predictions spot-checked
    /// with the reference pass; Wilson intervals contain the point estimates.
    func testThreeWayOnSample() throws {
        let run = try explainRun()
        let model = try Fixtures.model(digits: 5)
        let task = model.task
        let report = run.explanation.threeWay
        XCTAssertEqual(report.coverage.kind, .sampled)
        XCTAssertEqual(run.indices, Interpretation.uniformSample(count: 3_000, from: task.questionCount, seed: 129))
        for (table, algorithm) in [(report.extracted, run.explanation.algorithm), (report.paper, PerDigitAlgorithm.paper)] {
            let counts = recountQuestions(task: task, indices: run.indices, predictions: run.predictions, algorithm: algorithm)
            XCTAssertEqual(table.questions.allAgree, counts.agree)
            XCTAssertEqual(table.questions.networkWrongAsAlgorithmPredicts, counts.sameWrong)
            XCTAssertEqual(table.questions.networkWrongAlgorithmRight, counts.netWrongAlgRight)
            XCTAssertEqual(table.questions.networkRightAlgorithmWrong, counts.netRightAlgWrong)
            XCTAssertEqual(table.questions.bothWrongDifferently, counts.bothDiffer)
            let interval = try XCTUnwrap(table.questionIntervals?["all_agree"])
            let p = Double(counts.agree) / 3_000
            XCTAssertLessThanOrEqual(interval.low, p)
            XCTAssertGreaterThanOrEqual(interval.high, p)
        }
        for offset in [0, 1_000, 2_999] {
            let index = run.indices[offset]
            let reference = ReferenceTransformer<Double>(model).run(task.question(atIndex: index)).predictedDigits
            XCTAssertEqual(run.predictions[(offset * 6)..<(offset * 6 + 6)].map(Int.init), reference)
        }
        XCTAssertNotEqual(report.extractedProof.verdict, .unknown, report.extractedProof.error ?? "")
        XCTAssertEqual(report.paperProof.counterexamples, "135000000")
    }

    /// The claims table exists with statuses and coverage; starts-late is structural and exact.
    func testClaimsTable() throws {
        let run = try explainRun()
        let claims = run.explanation.claims
        XCTAssertEqual(Set(claims.claims.map(\.id)), ["double_staircase", "head_roles", "starts_late", "computed_before_emission", "cascades_fail_more_often", "failures_are_cascades", "one_level_algorithm_matches", "extracted_tables_equal_paper_formula", "lookahead_algorithm_predicts_network"])
        XCTAssertEqual(claims.startsLateCheck.maxAbsoluteLogitChange, 0)
        for claim in claims.claims {
            XCTAssertTrue(ClaimVerdict.allCases.contains(claim.status))
            XCTAssertFalse(claim.coverage.contains("exhaustive"), "\(claim.id) must not call a sampled result exhaustive")
        }
    }
}
