import AdditionTask
import CarryLensTestSupport
import Foundation
import Transformer
import XCTest
@testable import Exhaustive

/// `compare`'s core: outcomes from two models' decisions, and those decisions made as
/// `enumerate` makes them. Expectations come from hand-made failure lists or from the
/// fp64 reference pass question by question, never from the comparison itself.
final class ModelComparisonTests: XCTestCase {
    private let modelA = ModelIdentity(file: "a.safetensors", sha256: String(repeating: "a", count: 64))
    private let modelB = ModelIdentity(file: "b.safetensors", sha256: String(repeating: "b", count: 64))

    /// A failure of `question` with the given answer digits A(n)..A0.
    private func failure(_ task: AdditionTask, _ a: Int, _ b: Int, answer: [UInt8]) throws -> FailureRecord {
        let question = task.question(atIndex: a * task.operandCount + b)
        return try XCTUnwrap(FailureRecord.check(question: question, predicted: answer))
    }

    func testOutcomesFromHandMadeFailureLists() throws {
        let task = try AdditionTask(digitCount: 1)
        // 3+4 = 07: A wrong (08), B right. 5+5 = 10: both wrong, same answer (11).
        // 9+9 = 18: both wrong, A 19, B 28. 2+2 = 04: B wrong (05). 0+0: both right.
        let first = ComparedDecisions(model: modelA, evaluator: "X", failures: [
            try failure(task, 3, 4, answer: [0, 8]), try failure(task, 5, 5, answer: [1, 1]), try failure(task, 9, 9, answer: [1, 9]),
        ].sorted { $0.index < $1.index }, undecided: [])
        let second = ComparedDecisions(model: modelB, evaluator: "X", failures: [
            try failure(task, 2, 2, answer: [0, 5]), try failure(task, 5, 5, answer: [1, 1]), try failure(task, 9, 9, answer: [2, 8]),
        ].sorted { $0.index < $1.index }, undecided: [99])
        let comparison = ModelComparison(task: task, scope: .range(0..<100, task: task), first: first, second: second)

        XCTAssertEqual(comparison.outcomes.bothCorrect, 96)
        XCTAssertEqual(comparison.outcomes.onlyFirstWrong, 1)
        XCTAssertEqual(comparison.outcomes.onlySecondWrong, 1)
        XCTAssertEqual(comparison.outcomes.bothWrongSameAnswer, 1)
        XCTAssertEqual(comparison.outcomes.bothWrongDifferentAnswers, 1)
        XCTAssertEqual(comparison.outcomes.answersDiffer, 3)
        XCTAssertEqual(comparison.first.failures, 3)
        XCTAssertEqual(comparison.second.undecided, [99])
        XCTAssertEqual(comparison.differingUndecided, 1, "9+9 (index 99) differs and is undecided in B")
        XCTAssertNil(comparison.rates, "a range has no intervals")
        // A1: only 9+9 has a wrong A1 (B says 2, true 1). A0: 3+4 and 9+9 wrong in A only
        // (8 vs 7, 9 vs 8), 2+2 in B only (5 vs 4), 5+5 in both (1 vs 0, the same).
        XCTAssertEqual(comparison.perDigit.map(\.digit), ["A1", "A0"])
        XCTAssertEqual(comparison.perDigit[0].onlyFirstWrong, 0)
        XCTAssertEqual(comparison.perDigit[0].onlySecondWrong, 1)
        XCTAssertEqual(comparison.perDigit[0].bothWrong, 0)
        XCTAssertEqual(comparison.perDigit[0].predictionsDiffer, 1)
        XCTAssertEqual(comparison.perDigit[1].onlyFirstWrong, 2, "3+4 and 9+9")
        XCTAssertEqual(comparison.perDigit[1].onlySecondWrong, 1, "2+2")
        XCTAssertEqual(comparison.perDigit[1].bothWrong, 1, "5+5")
        XCTAssertEqual(comparison.perDigit[1].predictionsDiffer, 3, "3+4, 2+2, 9+9")
        // Patterns: 3+4 and 2+2 are '_', 5+5 and 9+9 are 'C'.
        XCTAssertEqual(comparison.byPattern["_"]?.onlyFirstWrong, 1)
        XCTAssertEqual(comparison.byPattern["_"]?.onlySecondWrong, 1)
        XCTAssertEqual(comparison.byPattern["C"]?.bothWrongSameAnswer, 1)
        XCTAssertEqual(comparison.byPattern["C"]?.bothWrongDifferentAnswers, 1)
        XCTAssertEqual(comparison.differing.map(\.question), ["2+2", "3+4", "9+9"])
        XCTAssertEqual(comparison.differing.map(\.outcome), [.onlySecondWrong, .onlyFirstWrong, .bothWrongDifferentAnswers])
        XCTAssertEqual(comparison.differing[2].firstAnswer, "19")
        XCTAssertEqual(comparison.differing[2].secondAnswer, "28")
        XCTAssertEqual(comparison.differing[0].firstAnswer, "04", "a right answer is listed as the true answer")

        let limited = ModelComparison(task: task, scope: .range(0..<100, task: task), first: first, second: second, listLimit: 1)
        XCTAssertEqual(limited.differing.map(\.question), ["2+2"])
        XCTAssertEqual(limited.outcomes, comparison.outcomes)
    }

    func testSampleScopeHasWilsonIntervals() throws {
        let task = try AdditionTask(digitCount: 2)
        let scope = ComparisonScope.sample(size: 50, seed: 4, task: task)
        let indices = scope.indices()
        XCTAssertEqual(indices.count, 50)
        let wrong = try XCTUnwrap(FailureRecord.check(question: task.question(atIndex: indices[7]), predicted: [9, 9, 9]))
        let first = ComparedDecisions(model: modelA, evaluator: "X", failures: [wrong], undecided: [])
        let second = ComparedDecisions(model: modelB, evaluator: "X", failures: [], undecided: [])
        let comparison = ModelComparison(task: task, scope: scope, first: first, second: second)
        XCTAssertEqual(comparison.outcomes.bothCorrect, 49)
        XCTAssertEqual(comparison.rates?.answersDiffer, WilsonInterval(successes: 1, trials: 50))
        XCTAssertEqual(comparison.rates?.secondFailure, WilsonInterval(successes: 0, trials: 50))
    }

    /// Two random tiny models (n = 1), every question: the decisions are the fp64
    /// reference pass's, and the comparison's counts are those a direct loop over the
    /// reference answers gives.
    func testTwoTinyModelsOverEveryQuestionAgreeWithTheReferencePass() throws {
        let models = try [3, 11].map { seed in try AdditionModel(contentsOf: TinyModel.temporaryFile(try TinyModel.writer(seed: UInt64(seed)).data())) }
        let task = models[0].task
        let scope = ComparisonScope.range(0..<task.questionCount, task: task)
        XCTAssertTrue(scope.isWholeSpace)
        let decisions = try zip(models, [modelA, modelB]).map { model, identity in
            let fast = FastEvaluator(model)
            let enumerator = try Enumerator(evaluator: fast, exactEvaluator: fast.exact, options: EnumerationOptions(chunkSize: 13, threadCount: 2))
            return try ComparedDecisions.decide(scope, with: enumerator, model: identity)
        }
        let comparison = ModelComparison(task: task, scope: scope, first: decisions[0], second: decisions[1], listLimit: 1000)
        try assertMatchesReference(comparison, models: models, indices: Array(0..<task.questionCount))
        XCTAssertGreaterThan(comparison.outcomes.answersDiffer, 0, "two random models should disagree somewhere")
    }

    /// The n = 3 fixture against its PyTorch checkpoint conversion: the same weights, so
    /// the same decision on every sampled question.
    func testTheFixtureAndItsCheckpointConversionAreIdentical() throws {
        let safetensors = try Fixtures.model(digits: 3)
        let checkpoint = try AdditionModel(contentsOf: Fixtures.pthURL("add3_l1_h3_s129000.pth"))
        XCTAssertEqual(checkpoint.format, .pytorch)
        let task = safetensors.task
        let scope = ComparisonScope.sample(size: 5_000, seed: 17, task: task)
        let decisions = try zip([safetensors, checkpoint], [modelA, modelB]).map { model, identity in
            let fast = FastEvaluator(model)
            let enumerator = try Enumerator(evaluator: fast, exactEvaluator: fast.exact, options: EnumerationOptions(threadCount: 2))
            return try ComparedDecisions.decide(scope, with: enumerator, model: identity)
        }
        let comparison = ModelComparison(task: task, scope: scope, first: decisions[0], second: decisions[1])
        XCTAssertEqual(decisions[0].failures, decisions[1].failures)
        XCTAssertEqual(comparison.outcomes.answersDiffer, 0)
        XCTAssertEqual(comparison.outcomes.bothCorrect + comparison.outcomes.bothWrongSameAnswer, 5_000)
        XCTAssertEqual(comparison.differing, [])
        XCTAssertTrue(comparison.perDigit.allSatisfy { $0.onlyFirstWrong == 0 && $0.onlySecondWrong == 0 && $0.predictionsDiffer == 0 })
    }

    /// The n = 3 fixture against a perturbed copy (head 2's output weights W_O halved
    /// and head 1's zeroed): on a sample, every count equals a direct loop over the fp64
    /// reference pass's answers of both models.
    func testTheFixtureAgainstAPerturbedCopyAgreesWithTheReferencePass() throws {
        let original = try Fixtures.model(digits: 3)
        let perturbed = try perturbedCopy(of: original)
        let task = original.task
        let scope = ComparisonScope.sample(size: 150, seed: 5, task: task)
        let decisions = try zip([original, perturbed], [modelA, modelB]).map { model, identity in
            let fast = FastEvaluator(model)
            let enumerator = try Enumerator(evaluator: fast, exactEvaluator: fast.exact, options: EnumerationOptions(chunkSize: 64, threadCount: 2))
            return try ComparedDecisions.decide(scope, with: enumerator, model: identity)
        }
        let comparison = ModelComparison(task: task, scope: scope, first: decisions[0], second: decisions[1], listLimit: 1000)
        try assertMatchesReference(comparison, models: [original, perturbed], indices: scope.indices())
        XCTAssertGreaterThan(comparison.outcomes.onlySecondWrong, 0, "the perturbed model should get some questions wrong")
        print("fixture vs perturbed copy, \(scope.count) sampled questions: \(comparison.outcomes)")
        XCTAssertNotNil(comparison.rates)
    }

    // MARK: Helpers

    /// The model with W_O of head 1 zeroed and of head 2 halved, written to and read from a file.
    private func perturbedCopy(of model: AdditionModel) throws -> AdditionModel {
        let c = model.config
        var w = model.weights
        let headSize = c.dHead * c.dModel
        for index in (1 * headSize)..<(2 * headSize) { w.wO[index] = 0 }
        for index in (2 * headSize)..<(3 * headSize) { w.wO[index] *= 0.5 }
        var writer = SafeTensorsWriter()
        let values: [String: [Float]] = [
            "embed.W_E": w.embed, "pos_embed.W_pos": w.positionEmbed, "blocks.0.ln1.w": w.ln1Weight, "blocks.0.ln1.b": w.ln1Bias,
            "blocks.0.attn.W_Q": w.wQ, "blocks.0.attn.W_K": w.wK, "blocks.0.attn.W_V": w.wV,
            "blocks.0.attn.b_Q": w.bQ, "blocks.0.attn.b_K": w.bK, "blocks.0.attn.b_V": w.bV,
            "blocks.0.attn.W_O": w.wO, "blocks.0.attn.b_O": w.bO, "blocks.0.ln2.w": w.ln2Weight, "blocks.0.ln2.b": w.ln2Bias,
            "blocks.0.mlp.W_in": w.wIn, "blocks.0.mlp.b_in": w.bIn, "blocks.0.mlp.W_out": w.wOut, "blocks.0.mlp.b_out": w.bOut,
            "ln_final.w": w.lnFinalWeight, "ln_final.b": w.lnFinalBias, "unembed.W_U": w.wU, "unembed.b_U": w.bU,
        ]
        for (name, shape) in TransformerWeights.parameterShapes(for: c) {
            writer.add(name, shape: shape, floats: try XCTUnwrap(values[name], name))
        }
        writer.setMetadata(["config": try TinyModel.configJSON(c)])
        return try AdditionModel(contentsOf: TinyModel.temporaryFile(try writer.data(), name: "perturbed.safetensors"))
    }

    /// Checks every count of `comparison` against the fp64 reference pass's answers of
    /// both models on `indices`, counted here question by question.
    private func assertMatchesReference(_ comparison: ModelComparison, models: [AdditionModel], indices: [Int],
                                        file: StaticString = #filePath, line: UInt = #line) throws {
        let task = models[0].task
        let n = task.digitCount
        let references = models.map { ReferenceEvaluator<Double>($0) }
        var counts = [ComparisonOutcome: Int]()
        var onlyFirst = [Int](repeating: 0, count: n + 1), onlySecond = onlyFirst, both = onlyFirst, differ = onlyFirst
        var differing: [String] = []
        var byPattern: [String: [ComparisonOutcome: Int]] = [:]
        for index in indices {
            let truth = task.question(atIndex: index).answerDigits
            let x = references[0].evaluate(index..<(index + 1))[0].predicted.map(Int.init)
            let y = references[1].evaluate(index..<(index + 1))[0].predicted.map(Int.init)
            let outcome: ComparisonOutcome
            switch (x == truth, y == truth) {
            case (true, true): outcome = .bothCorrect
            case (false, true): outcome = .onlyFirstWrong
            case (true, false): outcome = .onlySecondWrong
            case (false, false): outcome = x == y ? .bothWrongSameAnswer : .bothWrongDifferentAnswers
            }
            counts[outcome, default: 0] += 1
            if outcome != .bothCorrect { byPattern[task.question(atIndex: index).pattern.description, default: [:]][outcome, default: 0] += 1 }
            if x != y { differing.append(task.question(atIndex: index).description) }
            for slot in 0...n {
                if x[slot] != truth[slot] && y[slot] == truth[slot] { onlyFirst[slot] += 1 }
                if x[slot] == truth[slot] && y[slot] != truth[slot] { onlySecond[slot] += 1 }
                if x[slot] != truth[slot] && y[slot] != truth[slot] { both[slot] += 1 }
                if x[slot] != y[slot] { differ[slot] += 1 }
            }
        }
        for outcome in ComparisonOutcome.allCases {
            XCTAssertEqual(comparison.outcomes[outcome], counts[outcome] ?? 0, "\(outcome)", file: file, line: line)
        }
        XCTAssertEqual(Set(comparison.byPattern.keys), Set(byPattern.keys), file: file, line: line)
        for (pattern, expected) in byPattern {
            let found = comparison.byPattern[pattern]
            XCTAssertEqual(found?.onlyFirstWrong, expected[.onlyFirstWrong] ?? 0, pattern, file: file, line: line)
            XCTAssertEqual(found?.onlySecondWrong, expected[.onlySecondWrong] ?? 0, pattern, file: file, line: line)
            XCTAssertEqual(found?.bothWrongSameAnswer, expected[.bothWrongSameAnswer] ?? 0, pattern, file: file, line: line)
            XCTAssertEqual(found?.bothWrongDifferentAnswers, expected[.bothWrongDifferentAnswers] ?? 0, pattern, file: file, line: line)
        }
        XCTAssertEqual(comparison.perDigit.map(\.onlyFirstWrong), onlyFirst, file: file, line: line)
        XCTAssertEqual(comparison.perDigit.map(\.onlySecondWrong), onlySecond, file: file, line: line)
        XCTAssertEqual(comparison.perDigit.map(\.bothWrong), both, file: file, line: line)
        XCTAssertEqual(comparison.perDigit.map(\.predictionsDiffer), differ, file: file, line: line)
        XCTAssertEqual(comparison.differing.map(\.question), Array(differing.prefix(comparison.differing.count)), file: file, line: line)
        XCTAssertEqual(comparison.differing.count, min(differing.count, 1000), file: file, line: line)
    }
}
