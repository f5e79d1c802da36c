import AdditionTask
import Exhaustive
import Foundation
import Proofs
import Transformer

extension FidelityAnalysis {
    /// Searches the look-ahead family, then measures the chosen algorithm and the comparisons
    /// on every question (exhaustive) or on a uniform sample disjoint from the search's questions.
    /// `exhaustiveAnswers`: the decided answers to every question (flattened, index order), when known.
    static func run(model: AdditionModel, options: ExplainOptions, decisions: NetworkDecisions, proofs: ProofLedger, exhaustiveAnswers: [UInt8]?, pairSumTables: PerDigitAlgorithm,
                    progress: (String) -> Void) throws -> FidelityReport {
        let task = model.task
        let slots = task.answerDigitCount
        let exhaustive = exhaustiveAnswers != nil
        let known = exhaustiveAnswers ?? []
        func answers(_ indices: [Int]) throws -> [UInt8] {
            guard exhaustive else { return try decisions.answers(indices) }
            var result: [UInt8] = []
            result.reserveCapacity(indices.count * slots)
            for index in indices { result.append(contentsOf: known[(index * slots)..<((index + 1) * slots)]) }
            return result
        }
        progress("fidelity: searching carry look-aheads (\(options.carrySearchPerRun) questions per digit and run, for fitting and again for selection)")
        let fast = FastEvaluator(model)
        let search = try CarrySearch.search(task: task, modelName: model.name, perRun: options.carrySearchPerRun,
                                            perBoundary: options.carrySearchPerBoundary,
                                            seed: options.seed &+ 6, answers: answers,
                                            logits: { ParallelEvaluation.fastLogits(fast, indices: $0) })
        let indices: [Int]
        let heldAnswers: [UInt8]
        let coverage: Coverage
        if exhaustive {
            indices = Array(0..<task.questionCount)
            heldAnswers = known
            coverage = Coverage(kind: .exhaustive, questions: task.questionCount, population: task.questionCount)
        } else {
            let seed = options.seed &+ 8
            indices = Interpretation.uniformSample(count: min(options.fidelitySampleSize, task.questionCount), from: task.questionCount, seed: seed)
                .filter { !search.usedIndices.contains($0) }
            progress("fidelity: \(indices.count) held-out uniform questions")
            heldAnswers = try decisions.answers(indices)
            coverage = Coverage(kind: .sampled, questions: indices.count, population: task.questionCount, seed: seed)
        }
        let sampled = !exhaustive
        let chosen = measure(task: task, algorithm: search.algorithm, role: .chosenLookahead, indices: indices, answers: heldAnswers, sampled: sampled)
        let plain = measure(task: task, algorithm: .plainAddition(digitCount: task.digitCount), role: .plainAddition, indices: indices, answers: heldAnswers, sampled: sampled)
        let table = measure(task: task, algorithm: search.table, role: .bestClassTable, indices: indices, answers: heldAnswers, sampled: sampled)
        let paper = measure(task: task, algorithm: .paper, role: .paper, indices: indices, answers: heldAnswers, sampled: sampled)
        let tables = measure(task: task, algorithm: pairSumTables, role: .pairSumTables, indices: indices, answers: heldAnswers, sampled: sampled)
        let (byCell, examples) = disagreements(task: task, algorithm: search.algorithm, indices: indices, answers: heldAnswers)
        progress("fidelity: Z3 on the chosen look-ahead")
        let proof = ThreeWayAnalysis.prove(search.algorithm, digitCount: task.digitCount, proofs: proofs)
        return FidelityReport(
            coverage: coverage,
            networkDecision: "fast evaluator (fp32); digits whose margin is within their rounding bound re-decided in fp64 (as carrylens enumerate)",
            search: search.summary, algorithm: search.algorithm,
            algorithms: [chosen, plain, table, paper, tables],
            targets: targets(chosen: chosen, plain: plain, table: table, exhaustive: exhaustive),
            disagreementsByCell: byCell, disagreementExamples: examples,
            failureClasses: failureClasses(task: task, indices: indices, answers: heldAnswers),
            proof: proof)
    }
}
