import AdditionTask
import CarryLensTestSupport
import XCTest
@testable import Transformer

/// The sparse path's neuron classification against the slow fp64 reference pass, and
/// its rows against the dense path's.
final class SparseEvaluationTests: XCTestCase {
    /// The reference pass's MLP pre-activations (`blocks.0.mlp.hook_pre`, fp64, full
    /// sequence) of every question of each block at the block's answer position.
    private func preActivations(model: AdditionModel, blocks: [(slot: Int, indices: [Int])]) -> [[[Double]]] {
        let reference = ReferenceTransformer<Double>(model)
        return blocks.map { block in
            let position = model.task.equalsPosition + block.slot
            return block.indices.concurrentMap { index in
                var hooks = ForwardHooks<Double>()
                var preActivation: [Double] = []
                hooks.mlpPreActivation = { at, values in if at == position { preActivation = values } }
                _ = reference.run(model.task.question(atIndex: index), hooks: hooks)
                return preActivation
            }
        }
    }

    /// Counts, over every question of each block, neurons the classification calls dead
    /// whose reference pre-activation is positive, and neurons it calls always active
    /// whose pre-activation is ≤ 0.
    private func violations(fast: FastEvaluator, blocks: [(slot: Int, indices: [Int])], preActivations: [[[Double]]])
        -> (violations: Int, dead: Int, active: Int, checked: Int) {
        var violations = 0, dead = 0, active = 0, checked = 0
        for (block, values) in zip(blocks, preActivations) {
            guard let classification = fast.neuronClassification(slot: block.slot, indices: block.indices) else {
                XCTFail("no sparse path")
                continue
            }
            dead += classification.deadCount
            active += classification.activeCount
            for preActivation in values {
                XCTAssertEqual(preActivation.count, classification.dead.count)
                for (i, z) in preActivation.enumerated() {
                    if classification.dead[i] && z > 0 { violations += 1 }
                    if classification.active[i] && !(z > 0) { violations += 1 }
                }
                checked += 1
            }
        }
        return (violations, dead, active, checked)
    }

    /// Blocks as the sparse path forms them inside `chunk`, `perSlot` of them per answer
    /// position (those at evenly spaced places in the block list), at most `limit` questions each.
    private func sampledBlocks(_ fast: FastEvaluator, chunk: Range<Int>, perSlot: Int, limit: Int) -> [(slot: Int, indices: [Int])] {
        let indices = Array(chunk)
        var result: [(slot: Int, indices: [Int])] = []
        for slot in 0..<fast.slots {
            // Any block with more than one question (the classification's soundness does
            // not depend on the size; the smallest blocks run dense in practice).
            let blocks = fast.blocks(slot: slot, indices: indices).blocks.filter { $0.count >= 2 }
            guard !blocks.isEmpty else { continue }
            for k in 0..<perSlot {
                let block = blocks[(k * blocks.count) / perSlot]
                result.append((slot, block.prefix(limit).map { indices[$0] }))
            }
        }
        return result
    }

    /// No neuron declared dead is active, and no neuron declared always active is
    /// inactive, on any question of sampled blocks (every answer position, both fixtures);
    /// the same check finds violations when the classification is made unsound on
    /// purpose (negative slack), so it can catch one.
    func testClassificationIsSoundOnEveryQuestionOfSampledBlocks() throws {
        for (digits, chunk, limit) in [(3, 0..<500_000, 50), (5, 31415 * 100_000..<(31415 * 100_000 + 100_000), 20)] {
            let model = try Fixtures.model(digits: digits)
            let fast = FastEvaluator(model, path: .sparse)
            let blocks = sampledBlocks(fast, chunk: chunk, perSlot: 2, limit: limit)
            XCTAssertEqual(Set(blocks.map(\.slot)).count, digits + 1, "every answer position sampled")
            // The classification bounds each query token (the token at the answer position)
            // separately and takes the extremes over them: blocks with several must be checked.
            let queryTokens = blocks.map { block in
                Set(block.indices.map { model.task.question(atIndex: $0).teacherForcedTokens[model.task.equalsPosition + block.slot] }).count
            }
            XCTAssertGreaterThanOrEqual(queryTokens.max() ?? 0, 3, "n = \(digits): a sampled block with several query tokens")
            let values = preActivations(model: model, blocks: blocks)
            let sound = violations(fast: fast, blocks: blocks, preActivations: values)
            XCTAssertEqual(sound.violations, 0, "n = \(digits): unsound classification")
            XCTAssertGreaterThan(sound.checked, 0)
            let neurons = Double(blocks.count * model.config.dMLP)
            print("n = \(digits): \(blocks.count) blocks, \(sound.checked) questions checked; dead \(Double(sound.dead) / neurons), always active \(Double(sound.active) / neurons)")
            XCTAssertGreaterThan(Double(sound.dead) / neurons, 0.3, "n = \(digits): the classification proves a real share of neurons dead")

            // Deliberately unsound: pre-activation bounds moved inwards by 0.5.
            let unsound = FastEvaluator(model, path: .sparse, sparseOptions: SparseBlockOptions(slack: -0.5))
            let caught = violations(fast: unsound, blocks: blocks, preActivations: values)
            XCTAssertGreaterThan(caught.violations, 0, "n = \(digits): the check misses an unsound classification")
        }
    }

    /// The sparse path's rows against the dense path's on the same questions: every
    /// digit both certify (margin above its rounding bound) is the same digit, and
    /// logits differ by less than the bounds allow.
    func testSparseRowsAgreeWithDenseRowsWhereBothCertify() throws {
        let model = try Fixtures.model(digits: 5)
        let indices = Array((27182 * 100_000)..<(27182 * 100_000 + 12_000))
        // Certificates off: every row evaluated (a certified row's margin is a lower bound).
        let sparseEvaluator = FastEvaluator(model, path: .sparse, sparseOptions: SparseBlockOptions(certificates: false))
        // The two paths side by side (each evaluation runs on one thread).
        let both = [FastEvaluator(model), sparseEvaluator].concurrentMap { $0.evaluate(indices: indices) }
        let dense = both[0], sparse = both[1]
        XCTAssertEqual(sparse.map(\.index), indices)
        var compared = 0
        for (s, d) in zip(sparse, dense) {
            XCTAssertEqual(s.roundingBounds.count, 6)
            for slot in 0..<6 {
                XCTAssertLessThanOrEqual(abs(s.margins[slot] - d.margins[slot]), s.roundingBounds[slot] + d.roundingBounds[slot],
                                         "question \(s.index), slot \(slot)")
                if QuestionEvaluation.certifies(s.margins[slot], s.roundingBounds[slot])
                    && QuestionEvaluation.certifies(d.margins[slot], d.roundingBounds[slot]) {
                    XCTAssertEqual(s.predicted[slot], d.predicted[slot], "question \(s.index), slot \(slot)")
                    compared += 1
                }
            }
        }
        let report = sparseEvaluator.evaluationPathReport()
        XCTAssertEqual(report.rows, indices.count * 6)
        XCTAssertEqual(report.sparseRows + report.denseRows, report.rows)
        XCTAssertGreaterThan(report.sparseRows, 0)
        XCTAssertGreaterThan(compared, indices.count * 5)
        print("sparse path report: \(report)")
    }

    /// Blocks tile the questions exactly: every question in exactly one block per answer
    /// position, and questions of one block agree on the fixed columns.
    func testBlocksTileTheRange() throws {
        let model = try Fixtures.model(digits: 5)
        let fast = FastEvaluator(model, path: .sparse)
        let indices = Array(123_456_789..<(123_456_789 + 25_000))
        for slot in 0..<6 {
            let (blocks, depth, aColumn) = fast.blocks(slot: slot, indices: indices)
            XCTAssertEqual(blocks.flatMap { $0 }.sorted(), Array(indices.indices))
            let columns = SparseBlockModel.fixedColumns(slot: slot, digitCount: 5, depth: depth)
            for block in blocks {
                let digits = { (index: Int) -> [Int] in
                    let fixed: [Int] = columns.flatMap { c in
                        [index / 100_000, index % 100_000].map { ($0 / Int(pow(10.0, Double(c)))) % 10 }
                    }
                    let extra: Int = aColumn.map { (index / 100_000 / Int(pow(10.0, Double($0)))) % 10 } ?? -1
                    return fixed + [extra]
                }
                let first = digits(indices[block[0]])
                for offset in block { XCTAssertEqual(digits(indices[offset]), first) }
            }
        }
        // n = 4, a chunk of a = 2740…2749 and every b: A4 and A3 fix three columns (blocks of
        // 100); A2, A1 and A0 would get blocks of 10 (a's varying last digit is fixed), so
        // they fix two.
        let four = FastEvaluator(try Fixtures.model(digits: 4), path: .sparse)
        let chunk = Array((2740 * 10_000)..<(2750 * 10_000))
        let shapes = (0..<5).map { slot in four.blocks(slot: slot, indices: chunk) }
        XCTAssertEqual(shapes.map(\.depth), [3, 3, 2, 2, 2])
        // No n = 4 digit fixes a's next digit as well: for A4 and A3 it would leave blocks of
        // 10, and A2, A1, A0 fix fewer than three columns.
        XCTAssertEqual(shapes.map(\.aColumn), [nil, nil, nil, nil, nil])
        for shape in shapes { XCTAssertEqual(shape.blocks.flatMap { $0 }.count, chunk.count) }
        XCTAssertEqual(Set(shapes.flatMap { $0.blocks.map(\.count) }), [100, 1000])
        // n = 5, a chunk of a = 31410…31414: A3 (columns 3, 2, 1) fixes a0 as well.
        let five = FastEvaluator(try Fixtures.model(digits: 5), path: .sparse)
        let fiveChunk = Array((31410 * 100_000)..<(31415 * 100_000))
        let fiveShapes = (0..<6).map { slot in five.blocks(slot: slot, indices: fiveChunk) }
        XCTAssertEqual(fiveShapes.map(\.depth), [3, 3, 3, 3, 3, 3])
        XCTAssertEqual(fiveShapes.map(\.aColumn), [nil, nil, 0, nil, nil, nil])
        XCTAssertEqual(fiveShapes.map { Set($0.blocks.map(\.count)) }, [[500], [500], [100], [100], [100], [100]])
        // A(5) reads columns 4, 3, 2 (there is no column 5); A0 reads column 0, then the
        // highest columns; A4 of n = 3 may not fix every column.
        XCTAssertEqual(SparseBlockModel.fixedColumns(slot: 0, digitCount: 5, depth: 3), [4, 3, 2])
        XCTAssertEqual(SparseBlockModel.fixedColumns(slot: 2, digitCount: 5, depth: 3), [3, 2, 1])
        XCTAssertEqual(SparseBlockModel.fixedColumns(slot: 5, digitCount: 5, depth: 3), [0, 4, 3])
        XCTAssertEqual(SparseBlockModel.fixedColumns(slot: 4, digitCount: 5, depth: 3), [1, 0, 4])
        XCTAssertEqual(SparseBlockModel.fixedColumns(slot: 1, digitCount: 3, depth: 3), [2, 1], "never every column")
        XCTAssertEqual(SparseBlockModel.columnOrder(slot: 1, digitCount: 5), [4, 3, 2, 1, 0])
        XCTAssertEqual(SparseBlockModel.columnOrder(slot: 4, digitCount: 5), [1, 0, 4, 3, 2])
    }

    /// The sparse path's default chunk: 5·10⁵ questions at n = 5, half the questions at
    /// n = 3, but never more than a thread's share of a small shard; 4096 on the dense path.
    func testDefaultChunkSizeKeepsEveryThreadBusy() throws {
        let five = try Fixtures.model(digits: 5).task, three = try Fixtures.model(digits: 3).task
        XCTAssertEqual(FastEvaluator.defaultChunkSize(path: .sparse, task: five, questions: 10_000_000_000, threads: 2), 500_000)
        XCTAssertEqual(FastEvaluator.defaultChunkSize(path: .sparse, task: five, questions: 200_000, threads: 2), 100_000)
        XCTAssertEqual(FastEvaluator.defaultChunkSize(path: .sparse, task: five, questions: 200_001, threads: 2), 100_001)
        XCTAssertEqual(FastEvaluator.defaultChunkSize(path: .sparse, task: three, questions: 1_000_000, threads: 2), 500_000)
        XCTAssertEqual(FastEvaluator.defaultChunkSize(path: .sparse, task: three, questions: 1_000_000, threads: 1), 500_000)
        XCTAssertEqual(FastEvaluator.defaultChunkSize(path: .sparse, task: three, questions: 3, threads: 8), 1)
        XCTAssertEqual(FastEvaluator.defaultChunkSize(path: .dense, task: five, questions: 200_000, threads: 2), 4096)
    }

    /// `timing.json`'s `kernels` names each product only when rows of its kind ran: the
    /// classification's and the certificates' products on a sparse run with certificates,
    /// not the certificates' without them, and neither on a dense run.
    func testKernelsNameWhatRan() throws {
        let model = try Fixtures.model(digits: 5)
        let indices = Array((31415 * 100_000)..<(31415 * 100_000 + 5_000))
        func kernels(_ evaluator: FastEvaluator) -> (report: EvaluationPathReport, classification: Bool, certified: Bool) {
            _ = evaluator.evaluate(indices: indices)
            let report = evaluator.evaluationPathReport()
            return (report, report.kernels.contains { $0.hasPrefix("classification: dgemm") },
                    report.kernels.contains { $0.hasPrefix("certified rows: dgemm") })
        }
        let sparse = kernels(FastEvaluator(model, path: .sparse))
        XCTAssertGreaterThan(sparse.report.blocks, 0)
        XCTAssertGreaterThan(sparse.report.certificateRows, 0)
        XCTAssertTrue(sparse.classification && sparse.certified, "\(sparse.report.kernels)")
        let uncertified = kernels(FastEvaluator(model, path: .sparse, sparseOptions: SparseBlockOptions(certificates: false)))
        XCTAssertEqual(uncertified.report.certificateRows, 0)
        XCTAssertTrue(uncertified.classification && !uncertified.certified, "\(uncertified.report.kernels)")
        let dense = kernels(FastEvaluator(model))
        XCTAssertEqual(dense.report.blocks, 0)
        XCTAssertEqual(dense.report.kernels, ["dense rows: sgemm over all neurons"])
    }

    /// The classification's tables are stored in fp32: a model whose projections u_i · T do
    /// not fit fp32 (W_in scaled so that its largest entry is half fp32's largest value:
    /// the projections sum hundreds of such terms) gets no sparse path, and reports the
    /// dense one; W_in scaled by 10³⁰ (they fit) keeps it.
    func testModelWhoseTablesOverflowFp32RunsDense() throws {
        let model = try Fixtures.model(digits: 3)
        func scaled(_ factor: Float) -> AdditionModel {
            var weights = model.weights
            weights.wIn = weights.wIn.map { $0 * factor }
            return AdditionModel(url: model.url, config: model.config, task: model.task, weights: weights, notes: model.notes,
                                 metadata: model.metadata, format: model.format)
        }
        let largest = model.weights.wIn.map(\.magnitude).max() ?? 1
        let overflowing = FastEvaluator(scaled(Float.greatestFiniteMagnitude / 2 / largest), path: .sparse)
        XCTAssertNil(overflowing.sparseModel)
        XCTAssertNil(overflowing.certificateModel)
        XCTAssertEqual(overflowing.evaluationPathReport().path, FastEvaluationPath.dense.rawValue)
        let fitting = FastEvaluator(scaled(1e30), path: .sparse)
        XCTAssertNotNil(fitting.sparseModel)
        XCTAssertEqual(fitting.evaluationPathReport().path, FastEvaluationPath.sparse.rawValue)
    }
}
