import AdditionTask
import Diagnostics
import Exhaustive
import Foundation
import Proofs
import Transformer

/// Sizes and seeds of everything `explain` samples.
public struct ExplainOptions: Sendable {
    /// Evaluate every question when the task has at most this many (10^6 = n ≤ 3).
    public var exhaustiveLimit: Int = 1_000_000
    /// Uniform sample for attention and the three-way table when not exhaustive.
    public var sampleSize: Int = 20_000
    /// Seed of every sample.
    public var seed: UInt64 = 129
    /// Questions per category for ablation (whole category when smaller and enumerable).
    public var categorySampleSize: Int = 300
    /// Uniform questions the mean head contributions are averaged over.
    public var meanSampleSize: Int = 1_000
    /// Contexts per column for the sampled dependency analysis.
    public var dependencyContexts: Int = 30
    /// Questions per truth-table row for the constructed extraction sample.
    public var rowRealizations: Int = 2
    /// Further questions for each row whose first questions disagree.
    public var extraRowRealizations: Int = 24
    /// Questions run through the fp64 reference pass for the starts-late check.
    public var referenceQuestions: Int = 4
    /// Fidelity: uniform held-out questions (when not exhaustive), disjoint from the search's questions.
    public var fidelitySampleSize: Int = 50_000
    /// Carry search: constructed questions per answer digit k and run length r = 1…k, for fitting and again for selection.
    public var carrySearchPerRun: Int = 6_000
    /// Carry search: constructed questions per answer digit k ≥ 2 and pair sum (10, 8) of column k-2, with
    /// column k-1 of pair sum 9, for the boundary scores of the cells `9C` and `9_`, for fitting and again for selection (0: none).
    public var carrySearchPerBoundary: Int = 6_000
    /// Whether to run the carry search and fidelity measures (fidelity.json, network_algorithm.json).
    public var fidelity: Bool = true
    /// Limits of each proof run of the interpretation (an algorithm against true addition): the
    /// exact case split counts every difference set (visiting at most 100,000,000 cubes: the
    /// union of the chosen n = 5 look-ahead's wrong-digit sets needs 30–60 million); Z3 proves or
    /// refutes each digit and lists a counted set's cubes only when at most 60 describe it
    /// (3,000 for a set the case split could not count, 300 for the union), all deterministic,
    /// so committed results do not depend on the machine's speed, with 300 s of wall clock as
    /// a safety net. A count neither could finish is reported unknown, never guessed.
    public var proofOptions: ProofOptions = {
        var options = ProofOptions(maximumCubes: 3_000, budgetSeconds: 300)
        options.maximumUnionCubes = 300
        // The exact case split counts every difference set first; Z3 then lists a set's
        // cubes (and so cross-checks its count) only when 60 cubes describe it.
        options.maximumCubesWhenCounted = 60
        options.maximumExactCountCubes = 100_000_000
        return options
    }()

    /// Default options.
    public init() {}
}

/// Everything `carrylens explain` finds about one model. Codable; written as one JSON file per facet.
public struct Explanation: Codable, Hashable, Sendable {
    /// attention.json.
    public var attention: AttentionReport
    /// ablation.json.
    public var ablation: AblationReport
    /// roles.json.
    public var roles: RolesReport
    /// dependencies.json.
    public var dependencies: DependencyReport
    /// algorithm.json: the extracted per-digit algorithm (carrylens.per-digit-algorithm.v1).
    public var algorithm: PerDigitAlgorithm
    /// extraction.json: how each digit's table was built and which named formulas it equals.
    public var extraction: ExtractionReport
    /// three_way.json.
    public var threeWay: ThreeWayReport
    /// claims.json (includes the model summary).
    public var claims: ClaimsReport
    /// fidelity.json: the look-ahead algorithm chosen by fidelity to the network and how well each algorithm predicts it
    /// (nil when not computed); its algorithm is also written as network_algorithm.json.
    public var fidelity: FidelityReport? = nil

    /// File names, in writing order.
    public static let fileNames = ["attention.json", "ablation.json", "roles.json", "dependencies.json", "algorithm.json", "extraction.json", "three_way.json", "claims.json"]

    /// Writes the eight JSON files into `directory` (created if needed). Deterministic: sorted keys, no timings.
    public func write(to directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        func save<T: Encodable>(_ value: T, _ name: String) throws {
            try CanonicalJSON.encode(value).write(to: directory.appendingPathComponent(name))
        }
        try save(attention, "attention.json")
        try save(ablation, "ablation.json")
        try save(roles, "roles.json")
        try save(dependencies, "dependencies.json")
        var algorithmData = try algorithm.jsonData()
        algorithmData.append(0x0A)
        try algorithmData.write(to: directory.appendingPathComponent("algorithm.json"))
        try save(extraction, "extraction.json")
        try save(threeWay, "three_way.json")
        try save(claims, "claims.json")
        if let fidelity {
            try save(fidelity, "fidelity.json")
            var data = try fidelity.algorithm.jsonData()
            data.append(0x0A)
            try data.write(to: directory.appendingPathComponent("network_algorithm.json"))
        }
    }

    /// Reads the files written by ``write(to:)``.
    public static func load(from directory: URL) throws -> Explanation {
        func read<T: Decodable>(_ type: T.Type, _ name: String) throws -> T {
            let url = directory.appendingPathComponent(name)
            do { return try CanonicalJSON.decode(type, from: Data(contentsOf: url)) } catch {
                throw FileOperationError("read", path: url.path, error: error)
            }
        }
        return Explanation(
            attention: try read(AttentionReport.self, "attention.json"),
            ablation: try read(AblationReport.self, "ablation.json"),
            roles: try read(RolesReport.self, "roles.json"),
            dependencies: try read(DependencyReport.self, "dependencies.json"),
            algorithm: try PerDigitAlgorithm.load(json: Data(contentsOf: directory.appendingPathComponent("algorithm.json"))),
            extraction: try read(ExtractionReport.self, "extraction.json"),
            threeWay: try read(ThreeWayReport.self, "three_way.json"),
            claims: try read(ClaimsReport.self, "claims.json"),
            fidelity: FileManager.default.fileExists(atPath: directory.appendingPathComponent("fidelity.json").path)
                ? try read(FidelityReport.self, "fidelity.json") : nil)
    }

    /// A short human summary (a few lines per facet).
    public var summary: String {
        var lines: [String] = []
        let model = claims.model
        lines.append("\(model.name): n = \(model.digitCount), \(model.heads) heads")
        for slot in attention.slots {
            let heads = roles.roles.filter { $0.slot == slot.slot }
                .map { "h\($0.head) \($0.role.rawValue) col \($0.readsColumn) (\(String(format: "%.2f", $0.attentionMass))\($0.role == .other || $0.confirmedByAblation ? "" : ", unconfirmed"))" }
            lines.append("  \(slot.digit): " + heads.joined(separator: "; "))
        }
        for digit in extraction.digits {
            lines.append("  \(digit.digit) table over \(digit.inputs.joined(separator: ", ")): \(digit.rows) rows" + (digit.equals.isEmpty ? "" : " = \(digit.equals.joined(separator: ", "))"))
        }
        let t = threeWay
        func line(_ table: ThreeWayTable) -> String {
            let q = table.questions
            return "  three-way vs \(table.algorithm) (\(t.coverage.kind.rawValue), \(q.total) questions): all agree \(q.allAgree), network wrong as algorithm predicts \(q.networkWrongAsAlgorithmPredicts), network wrong/algorithm right \(q.networkWrongAlgorithmRight), network right/algorithm wrong \(q.networkRightAlgorithmWrong), both wrong differently \(q.bothWrongDifferently)"
        }
        lines.append(line(t.extracted))
        lines.append(line(t.paper))
        lines.append("  Z3: extracted \(t.extractedProof.verdict.rawValue) (\(t.extractedProof.countText)), paper \(t.paperProof.verdict.rawValue) (\(t.paperProof.countText))")
        if let fidelity {
            for entry in fidelity.algorithms {
                let q = entry.questions
                lines.append("  fidelity of \(entry.role) (\(fidelity.coverage.kind.rawValue), \(q.total) questions): agree \(q.agree), network failures \(q.networkFailures), predicted \(q.predicted), missed \(q.missed), invented \(q.invented)")
            }
            lines.append("  Z3: chosen look-ahead \(fidelity.proof.verdict.rawValue) (\(fidelity.proof.countText))")
        }
        for claim in claims.claims { lines.append("  [\(claim.status)] \(claim.id) — \(claim.coverage)") }
        return lines.joined(separator: "\n")
    }
}

/// An explanation together with the raw network predictions it was computed from,
/// so callers (and tests) can recount any table independently.
public struct ExplainRun: Sendable {
    /// The explanation.
    public var explanation: Explanation
    /// The questions the three-way table and (when exhaustive) dependencies and extraction use.
    public var indices: [Int]
    /// The fast evaluator's predicted digits for `indices`, flattened [question][A(n)..A0].
    public var predictions: [UInt8]
}

/// The `Interpretation` module: attention maps, head and position ablations,
/// per-digit dependencies, the extracted per-digit algorithm, and the three-way
/// comparison network vs extracted algorithm vs true addition, with a table of
/// the paper's claims.
public enum Interpretation {
    /// Runs every analysis on `model`.
    public static func explain(model: AdditionModel, options: ExplainOptions = ExplainOptions(), progress: (String) -> Void = { _ in }) throws -> Explanation {
        try run(model: model, options: options, progress: progress).explanation
    }

    /// Like ``explain(model:options:progress:)``, also returning the raw predictions.
    ///
    /// The network's answers come from `decisions` (questions decided before, e.g. by an
    /// enumeration or a sample run, are not evaluated again) and the algorithms' proofs from
    /// `proofs` (an algorithm proved before is not proved again); by default, new ones.
    public static func run(model: AdditionModel, options: ExplainOptions = ExplainOptions(), decisions: NetworkDecisions? = nil,
                           proofs: ProofLedger? = nil, progress: (String) -> Void = { _ in }) throws -> ExplainRun {
        let task = model.task
        let evaluator = FastEvaluator(model)
        let decisions = try decisions ?? NetworkDecisions(enumerator: Enumerator(evaluator: evaluator, exactEvaluator: evaluator.exact,
                                                                                  options: EnumerationOptions(chunkSize: 4096, threadCount: ParallelEvaluation.threadCount)))
        let proofs = proofs ?? ProofLedger(options: options.proofOptions)
        let exhaustive = task.questionCount <= options.exhaustiveLimit
        let indices: [Int]
        let coverage: Coverage
        if exhaustive {
            indices = Array(0..<task.questionCount)
            coverage = Coverage(kind: .exhaustive, questions: task.questionCount, population: task.questionCount)
        } else {
            indices = uniformSample(count: min(options.sampleSize, task.questionCount), from: task.questionCount, seed: options.seed)
            coverage = Coverage(kind: .sampled, questions: indices.count, population: task.questionCount, seed: options.seed)
        }
        progress("evaluating \(indices.count) questions (\(coverage.kind.rawValue))")
        // Decided as `carrylens enumerate` decides (near-tie digits re-decided in fp64), once per question.
        let predictions = try decisions.answers(indices)

        progress("attention")
        let attention = AttentionAnalysis.analyse(evaluator, indices: indices, coverage: coverage)

        progress("categories")
        let categoriesOfAll: [QuestionCategory]? = exhaustive ? indices.map { QuestionCategory(task.question(atIndex: $0)) } : nil
        let samples = CategorySampler.samples(task: task, size: options.categorySampleSize, seed: options.seed &+ 1, allCategories: categoriesOfAll)
        let meanIndices = uniformSample(count: min(options.meanSampleSize, task.questionCount), from: task.questionCount, seed: options.seed &+ 2)
        let ablation = AblationAnalysis.run(model: model, samples: samples, meanIndices: meanIndices,
                                            meanCoverage: Coverage(kind: .sampled, questions: meanIndices.count, population: task.questionCount, seed: options.seed &+ 2),
                                            progress: progress)
        let roles = RoleAnalysis.derive(task: task, attention: attention, ablation: ablation)

        progress("dependencies")
        let dependencies = exhaustive
            ? DependencyAnalysis.exhaustive(task: task, predictions: predictions)
            : try DependencyAnalysis.sampled(decisions, contextCount: options.dependencyContexts, seed: options.seed &+ 3)

        progress("extracting the per-digit algorithm")
        let columns = dependencies.digits.map(AlgorithmExtraction.inputColumns)
        let counts: [[[Int]: [Int]]]
        let extractionCoverage: Coverage
        if exhaustive {
            counts = AlgorithmExtraction.exhaustiveCounts(task: task, predictions: predictions, columns: columns)
            extractionCoverage = coverage
        } else {
            let constructed = try AlgorithmExtraction.constructedCounts(decisions, columns: columns, realizations: options.rowRealizations, extraRealizations: options.extraRowRealizations, seed: options.seed &+ 4)
            counts = constructed.counts
            extractionCoverage = Coverage(kind: .constructed, questions: constructed.questions, seed: options.seed &+ 4)
        }
        let (algorithm, extraction) = try AlgorithmExtraction.build(task: task, modelName: model.name, columns: columns, counts: counts, coverage: extractionCoverage)

        progress("three-way comparison and Z3")
        let paper = PerDigitAlgorithm.paper
        var errorsByCategory: [String: Int] = [:], questionsByCategory: [String: Int] = [:]
        let slots = task.answerDigitCount
        for (offset, index) in indices.enumerated() {
            let question = task.question(atIndex: index)
            let name = (categoriesOfAll?[index] ?? QuestionCategory(question)).name
            questionsByCategory[name, default: 0] += 1
            let truth = question.answerDigits
            if (0..<slots).contains(where: { Int(predictions[offset * slots + $0]) != truth[$0] }) { errorsByCategory[name, default: 0] += 1 }
        }
        let threeWay = ThreeWayReport(
            coverage: coverage,
            networkCorrect: questionsByCategory.values.reduce(0, +) - errorsByCategory.values.reduce(0, +),
            extracted: ThreeWayAnalysis.table(task: task, algorithm: algorithm, indices: indices, predictions: predictions, sampled: !exhaustive),
            paper: ThreeWayAnalysis.table(task: task, algorithm: paper, indices: indices, predictions: predictions, sampled: !exhaustive),
            extractedProof: ThreeWayAnalysis.prove(algorithm, digitCount: task.digitCount, proofs: proofs),
            paperProof: ThreeWayAnalysis.prove(paper, digitCount: task.digitCount, proofs: proofs),
            networkErrorsByCategory: errorsByCategory, questionsByCategory: questionsByCategory)

        let fidelity = options.fidelity
            ? try FidelityAnalysis.run(model: model, options: options, decisions: decisions, proofs: proofs, exhaustiveAnswers: exhaustive ? predictions : nil, pairSumTables: algorithm, progress: progress)
            : nil

        progress("starts-late check with the reference pass")
        let startsLate = startsLateCheck(model: model, count: options.referenceQuestions, seed: options.seed &+ 5)
        let summary = ModelSummary(name: model.name, digitCount: task.digitCount, questionCount: task.questionCount, heads: model.config.nHeads)
        let claims = ClaimsReport(model: summary, startsLateCheck: startsLate,
                                  claims: ClaimAnalysis.evaluate(task: task, attention: attention, roles: roles, ablation: ablation,
                                                                 extraction: extraction, threeWay: threeWay, startsLate: startsLate, fidelity: fidelity))
        let explanation = Explanation(attention: attention, ablation: ablation, roles: roles, dependencies: dependencies,
                                      algorithm: algorithm, extraction: extraction, threeWay: threeWay, claims: claims, fidelity: fidelity)
        return ExplainRun(explanation: explanation, indices: indices, predictions: predictions)
    }

    /// `count` distinct indices in 0..<population, sorted, drawn with a seeded generator.
    public static func uniformSample(count: Int, from population: Int, seed: UInt64) -> [Int] {
        QuestionSample(size: count, population: population, seed: seed).indices
    }

    /// Zeroes hook_z and hook_resid_post at every position before `=` in the fp64 reference pass
    /// and measures the largest change of any answer logit.
    static func startsLateCheck(model: AdditionModel, count: Int, seed: UInt64) -> StartsLateCheck {
        let task = model.task
        let reference = ReferenceTransformer<Double>(model)
        var largest = 0.0
        let equals = task.equalsPosition
        for index in uniformSample(count: count, from: task.questionCount, seed: seed) {
            let question = task.question(atIndex: index)
            let plain = reference.run(question).answerLogits
            var hooks = ForwardHooks<Double>()
            hooks.headOutput = { z in
                for position in 0..<equals { z[position] = z[position].map { $0.map { _ in 0 } } }
            }
            hooks.residualPost = { residual in
                for position in 0..<equals { residual[position] = residual[position].map { _ in 0 } }
            }
            let ablated = reference.run(question, hooks: hooks).answerLogits
            for (rowA, rowB) in zip(plain, ablated) {
                for (x, y) in zip(rowA, rowB) { largest = max(largest, abs(x - y)) }
            }
        }
        return StartsLateCheck(questions: count, seed: seed, maxAbsoluteLogitChange: largest)
    }
}
