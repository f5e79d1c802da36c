import AdditionTask
import CarryLensTestSupport
import XCTest
@testable import Transformer

/// The fast evaluator against the slow, obviously correct reference pass.
final class FastEvaluatorTests: XCTestCase {
    /// Same logits as the fp64 reference within the derived rounding bound, and the
    /// same decisions wherever the bound says the margin can be trusted.
    func testAgreesWithReferenceOnFixtureVectorsAndRandomQuestions() throws {
        for digits in [3, 4, 5] {
            let model = try Fixtures.model(digits: digits)
            let vectors = try TestVectors(digits: digits)
            var generator = SeededGenerator(seed: UInt64(digits))
            let random = (0..<100).map { _ in Int(generator.next() % UInt64(model.task.questionCount)) }
            let fast = FastEvaluator(model)
            // Every vector: the fast path's logits are PyTorch's (cheap, so all of them).
            let vectorIndices = zip(vectors.a, vectors.b).map { $0 * model.task.operandCount + $1 }
            let vectorLogits = fast.logits(indices: vectorIndices)
            var worstAgainstPyTorch: Float = 0
            for (offset, rows) in vectors.logits.enumerated() {
                for (slot, row) in rows.enumerated() {
                    for token in 0..<12 {
                        worstAgainstPyTorch = max(worstAgainstPyTorch, abs(vectorLogits[(offset * (digits + 1) + slot) * 12 + token] - row[token]))
                    }
                }
            }
            XCTAssertLessThanOrEqual(worstAgainstPyTorch, 1e-4, "n = \(digits): max |Δlogit| fast path vs PyTorch")
            // Against the slow fp64 reference pass: every special case and every fourth
            // random vector (all of them with CARRYLENS_LONG_TESTS=1), and random questions.
            let indices = vectors.positions(everyRandom: 4).map { vectorIndices[$0] } + random
            let reference = ReferenceTransformer<Double>(model)
            let fastLogits = fast.logits(indices: indices)
            let evaluations = fast.evaluate(indices: indices)
            var worstRatio = 0.0
            let references = indices.concurrentMap { reference.run(model.task.question(atIndex: $0)) }
            for (offset, index) in indices.enumerated() {
                let exact = references[offset]
                let exactEvaluation = exact.evaluation(index: index)
                let evaluation = evaluations[offset]
                XCTAssertEqual(evaluation.index, index)
                XCTAssertEqual(evaluation.roundingBounds.count, digits + 1)
                XCTAssertTrue(evaluation.roundingBounds.allSatisfy { $0 > 0 })
                if !evaluation.isNearTie {
                    XCTAssertEqual(evaluation.predicted, exactEvaluation.predicted, "n = \(digits), question \(index)")
                }
                for (slot, row) in exact.answerLogits.enumerated() {
                    for token in 0..<12 {
                        let difference = abs(Double(fastLogits[(offset * (digits + 1) + slot) * 12 + token]) - row[token])
                        XCTAssertLessThanOrEqual(difference, 1e-4, "n = \(digits), question \(index)")
                        // Two logits' errors make up a margin error: each must stay within half the bound.
                        worstRatio = max(worstRatio, difference / (Double(evaluation.roundingBounds[slot]) / 2))
                    }
                }
            }
            XCTAssertLessThan(worstRatio, 1, "a logit error exceeded the derived rounding bound")
            print("n = \(digits): largest logit error is \(worstRatio) of the derived bound; max |Δlogit| vs PyTorch \(worstAgainstPyTorch) on \(vectorIndices.count) vectors")
        }
    }

    /// The same questions give the same bits every time; a question alone and at any
    /// place in a long list (or in a short last batch) gets the same logits up to
    /// rounding (see docs/architecture.md).
    func testSameQuestionsGiveTheSameBitsAndBatchesAgree() throws {
        let model = try Fixtures.model(digits: 3)
        let fast = FastEvaluator(model)
        XCTAssertEqual(FastEvaluator.blasThreadCount, 1, "the evaluator runs OpenBLAS single threaded")
        var generator = SeededGenerator(seed: 300)
        let indices = (0..<300).map { _ in generator.below(model.task.questionCount) }
        let together = fast.logits(indices: indices)
        XCTAssertEqual(FastEvaluator(model).logits(indices: indices).map(\.bitPattern), together.map(\.bitPattern))
        let stride = 4 * 12
        var identical = 0
        for offset in indices.indices {
            let alone = fast.logits(indices: [indices[offset]])
            let inList = together[(offset * stride)..<((offset + 1) * stride)]
            for (value, valueInList) in zip(alone, inList) { XCTAssertEqual(value, valueInList, accuracy: 1e-4) }
            if alone.map(\.bitPattern) == inList.map(\.bitPattern) { identical += 1 }
        }
        print("fp32 logits bit-identical alone and in a list for \(identical) of \(indices.count) questions")
        // fp64: the same, far below the fp64 rounding bound.
        let exact = fast.exact
        let rows = indices.prefix(64).flatMap { index in (0..<4).map { ExactTableEvaluator.AnswerRow(index: index, slot: $0) } }
        let exactTogether = exact.rowLogits(rows)
        for offset in 0..<64 {
            let alone = exact.logits(index: indices[offset])
            for slot in 0..<4 {
                for (value, valueTogether) in zip(alone.rows[slot], exactTogether[offset * 4 + slot].logits) {
                    XCTAssertEqual(value, valueTogether, accuracy: 1e-12)
                }
            }
        }
    }

    /// A head replacement with entries far larger than the head's own outputs enters the
    /// residual bound (A_i), and the ablated evaluator's fp32 logits stay within half
    /// their margin bound of the fp64 table path's with the same replacement.
    func testRoundingBoundCoversHeadReplacements() throws {
        let model = try Fixtures.model(digits: 3)
        let plain = FastEvaluator(model)
        let contribution = plain.headContributions(index: 459_451)[1][0]
        let scale = 40 / (contribution.map { abs($0) }.max() ?? 1)
        let large = contribution.map { $0 * scale }
        let ablated = FastEvaluator(model, ablation: Ablation(headContributionReplacements: [HeadSlot(slot: 1, head: 0): large]))
        XCTAssertGreaterThan(ablated.bounds.residualNorm, plain.bounds.residualNorm)
        let indices = [12345, 459_451, 999_999, 500_500]
        let fast = ablated.evaluate(indices: indices)
        let logits = ablated.logits(indices: indices)
        let exact = ablated.exact
        for (q, index) in indices.enumerated() {
            let rows = exact.logits(index: index).rows
            for slot in 0..<4 {
                for token in 0..<12 {
                    let difference = abs(Double(logits[(q * 4 + slot) * 12 + token]) - rows[slot][token])
                    XCTAssertLessThanOrEqual(difference, Double(fast[q].roundingBounds[slot]) / 2, "question \(index), slot \(slot)")
                }
            }
        }
    }

    func testAblatedHeadReplacementChangesOnlyThatSlot() throws {
        let model = try Fixtures.model(digits: 3)
        let plain = FastEvaluator(model)
        let zero = [Float](repeating: 0, count: model.config.dModel)
        let ablated = FastEvaluator(model, ablation: Ablation(headContributionReplacements: [HeadSlot(slot: 1, head: 0): zero]))
        let indices = [12345, 445555, 999999]
        let before = plain.logits(indices: indices)
        let after = ablated.logits(indices: indices)
        for q in indices.indices {
            for slot in 0..<4 {
                let range = ((q * 4 + slot) * 12)..<((q * 4 + slot) * 12 + 12)
                if slot == 1 {
                    XCTAssertNotEqual(Array(before[range]), Array(after[range]))
                } else {
                    XCTAssertEqual(Array(before[range]), Array(after[range]))
                }
            }
        }
        // Zero-ablating head 0 at slot 1 equals the reference pass with hook_z of head 0 zeroed at that position.
        var hooks = ForwardHooks<Double>()
        let position = model.task.equalsPosition + 1
        hooks.headOutput = { z in z[position][0] = [Double](repeating: 0, count: z[position][0].count) }
        let reference = ReferenceTransformer<Double>(model).run(model.task.question(atIndex: indices[0]), hooks: hooks)
        for token in 0..<12 {
            XCTAssertEqual(Double(after[12 + token]), reference.answerLogits[1][token], accuracy: 1e-3)
        }
    }

    /// An evaluator derived with `ablated(_:)` (tables shared when only heads are
    /// replaced, rebuilt when a residual is) gives the same bits as one built for that
    /// ablation from the model, in fp32 and fp64, with the same rounding bounds.
    func testAblatedEvaluatorEqualsOneBuiltFromTheModel() throws {
        let model = try Fixtures.model(digits: 3)
        let plain = FastEvaluator(model)
        let d = model.config.dModel
        let vector = (0..<d).map { Float($0 % 7) / 10 - 0.3 }
        let ablations = [Ablation(headContributionReplacements: [HeadSlot(slot: 1, head: 2): vector]),
                         Ablation(residualReplacements: [2: vector]),
                         Ablation(residualReplacements: [5: vector], headContributionReplacements: [HeadSlot(slot: 3, head: 0): vector])]
        let indices = [0, 459_451, 123_456, 999_999, 500_500]
        let exactPlain = plain.exact
        for ablation in ablations {
            let built = FastEvaluator(model, ablation: ablation)
            let derived = plain.ablated(ablation)
            XCTAssertEqual(derived.ablation, ablation)
            XCTAssertEqual(derived.logits(indices: indices), built.logits(indices: indices))
            XCTAssertEqual(derived.evaluate(indices: indices).map(\.roundingBounds), built.evaluate(indices: indices).map(\.roundingBounds))
            XCTAssertNotEqual(derived.logits(indices: indices), plain.logits(indices: indices), "the ablation changes something")
            let exactBuilt = built.exact, exactDerived = exactPlain.ablated(ablation)
            for index in indices {
                let fromModel = exactBuilt.logits(index: index), fromPlain = exactDerived.logits(index: index)
                XCTAssertEqual(fromPlain.rows, fromModel.rows)
                XCTAssertEqual(fromPlain.roundingBounds, fromModel.roundingBounds)
            }
        }
    }
}


/// The fp64 table path that re-decides near ties, against the fp64 reference pass.
final class ExactTableEvaluatorTests: XCTestCase {
    /// Re-deciding chosen digits gives exactly the whole-question fp64 decision on those
    /// digits and leaves the others as they were.
    func testRedecidingChosenDigitsMatchesWholeQuestions() throws {
        let model = try Fixtures.model(digits: 5)
        let fast = FastEvaluator(model)
        let exact = fast.exact
        var generator = SeededGenerator(seed: 21)
        let indices = (0..<300).map { _ in generator.below(model.task.questionCount) }
        let fastEvaluations = fast.evaluate(indices: indices)
        let slots = indices.indices.map { offset in (0..<6).filter { ($0 + offset) % 3 == 0 } }
        let redecided = exact.redecide(fastEvaluations, slots: slots)
        let whole = exact.evaluate(indices: indices)
        XCTAssertEqual(redecided.map(\.index), indices)
        for offset in indices.indices {
            for slot in 0..<6 {
                let source = slots[offset].contains(slot) ? whole[offset] : fastEvaluations[offset]
                XCTAssertEqual(redecided[offset].predicted[slot], source.predicted[slot])
                XCTAssertEqual(redecided[offset].margins[slot], source.margins[slot], accuracy: 1e-4)
                XCTAssertEqual(redecided[offset].roundingBounds[slot], source.roundingBounds[slot], accuracy: 1e-12)
            }
        }
    }

    func testMatchesTheReferencePassInDoublePrecision() throws {
        for digits in [3, 5] {
            let model = try Fixtures.model(digits: digits)
            let exact = FastEvaluator(model).exact
            let reference = ReferenceTransformer<Double>(model)
            var generator = SeededGenerator(seed: 11)
            for _ in 0..<40 {
                let index = generator.below(model.task.questionCount)
                let expected = reference.run(model.task.question(atIndex: index)).answerLogits
                let (rows, bounds) = exact.logits(index: index)
                XCTAssertEqual(bounds.count, digits + 1)
                for bound in bounds {
                    XCTAssertGreaterThan(bound, 0)
                    XCTAssertLessThan(bound, 1e-6, "an fp64 bound should be tiny")
                }
                for (row, expectedRow) in zip(rows, expected) {
                    for token in 0..<12 { XCTAssertEqual(row[token], expectedRow[token], accuracy: 1e-9) }
                }
                XCTAssertEqual(exact.evaluate(index..<(index + 1)).first?.predicted,
                               reference.run(model.task.question(atIndex: index)).evaluation(index: index).predicted)
            }
        }
    }
}
