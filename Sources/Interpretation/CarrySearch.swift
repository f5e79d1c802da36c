import AdditionTask
import Exhaustive
import Foundation
import Proofs

/// How one learned cell of the chosen look-ahead was decided.
public struct CellChoice: Codable, Hashable, Sendable {
    /// The cell, e.g. `99_` (see ``LookaheadCell``).
    public var cell: String
    /// The chosen leaf in words.
    public var rule: String
    /// Parameters of the chosen leaf (1 for a constant, rows + 1 for a table).
    public var parameters: Int
    /// Fitting questions in the cell.
    public var fitQuestions: Int
    /// Selection questions in the cell.
    public var selectionQuestions: Int
    /// Selection questions where the chosen leaf gives the network's digit.
    public var selectionAgreement: Int
    /// The best agreement of any candidate leaf on the selection questions.
    public var bestSelectionAgreement: Int
    /// In a one-column cell (`9C`, `9_`): the constructed selection questions whose stop column k-2 has the boundary pair sum (10 resp. 8).
    public var boundarySelectionQuestions: Int?
    /// Of those, the questions where the chosen leaf gives the network's digit.
    public var boundarySelectionAgreement: Int?
    /// Of those, the questions where the leaf chosen before the boundary step (without a gate) gives the network's digit.
    public var boundaryUngatedAgreement: Int?
}

/// The chosen carry rule of one answer digit.
public struct CarryDigitChoice: Codable, Hashable, Sendable {
    /// E.g. `A4`.
    public var digit: String
    /// k.
    public var place: Int
    /// Columns the look-ahead reads below k.
    public var depth: Int
    /// Estimated share of uniform questions whose digit A(k) differs from the network's, per depth tried (key: depth).
    public var estimatedDisagreementByDepth: [String: Double]
    /// The learned cells (run ≥ 1).
    public var cells: [CellChoice]
    /// The rule in words.
    public var readable: String
}

/// Sizes, seeds and the selection rule of the search.
public struct CarrySearchSummary: Codable, Hashable, Sendable {
    /// Constructed fitting questions (for each digit k and run r = 1…k: questions with columns k-1…k-r of pair sum 9, the rest uniform).
    public var fitting: Coverage
    /// Constructed selection questions, built the same way with another seed (disjoint from fitting).
    public var selection: Coverage
    /// Constructed fitting questions for the boundary scores (for each digit k ≥ 2 and stop column
    /// pair sum 10 and 8: column k-1 of pair sum 9, column k-2 of that sum, the rest uniform),
    /// drawn after `fitting` from the same seeded stream.
    public var boundaryFitting: Coverage?
    /// Constructed selection questions for the boundary scores, drawn after `selection` from its stream (disjoint from all fitting questions).
    public var boundarySelection: Coverage?
    /// The selection rule, in words.
    public var rule: String
    /// Per answer digit, A(n) first.
    public var digits: [CarryDigitChoice]
    /// The best C/9/_ look-ahead table (constants only): its depth per digit (key `A4`).
    public var bestLookaheadTableDepths: [String: Int]
}

/// Searches, per answer digit, for the carry look-ahead that best reproduces the network.
enum CarrySearch {
    /// z for the "within measured noise" rule.
    static let noiseZ = 1.96

    /// The selection rule, stated in reports.
    static let ruleText = "per learned cell, candidates are: no carry, carry, and majority tables over D(k-1); D(k-1) D(k-2); D(k) D'(k); D(k-1) D(k) D'(k); the stop column's digits, alone or with D(k-1); or (past the horizon) the next column's digits, its pair sum, or its digits with D(k-1); and two score leaves: carry when T(D(k), D'(k)) + T(D(k-r), S(k-r-1)) + T(D(k-r), S(k-r-2)) > 0, the tables being a linear score (one weight per digit pair of column k, per digit of the run's last column k-r, and per that digit a slope on each of the two pair sums below the run), and the same with the first table over D(k), D'(k), D(k-r) (a further weight per combination); each fitted by ridge least squares to the network's carry margin (its logit for the carried digit minus its logit for the uncarried one, clipped to ±10) on at least 2 fitting questions per weight and written in integer thousandths; each is fitted on the fitting questions (majority; unseen keys take the cell's majority) and scored on the disjoint selection questions; the simplest candidate (fewest parameters) whose excess disagreement over the best one (b − c of the paired discordant counts) is at most 1.96·√(b + c) is kept. Then, in the one-column cells 9C and 9_, the questions whose stop column k-2 has the boundary pair sum (10 in 9C, 8 in 9_) may get their own score: carry when T(D(k-2), S(k-3)) + T(D(k-1)) + T(D(k), D'(k)) > 0, or the same plus T(D(k-1), S(k-3)) + T(D(k-2), S(k-4)) (a weight per combination of each table's values), fitted by ridge least squares to the clipped margins of constructed fitting questions with that stop sum, and kept by the same rule against the leaf chosen before on constructed selection questions with that stop sum. Per digit, the depth d = 1…k with the lowest estimated disagreement on uniform questions (cells weighted by their probability) is found, and the smallest depth within 1.96 combined standard errors of it is kept. The best C/9/_ look-ahead table is the same search with constant leaves only, at its lowest estimated disagreement"

    /// One constructed question for digit k: its operand digits, pair sums, the network's digit and carry
    /// (nil if the digit is not BA or BA+1), and the network's carry margin when known.
    struct Sample {
        var columns: OperandColumns
        var pairSums: [Int]
        var carry: Int?
        var digit: Int
        /// The network's logit for the carried digit minus its logit for the uncarried one
        /// (BA(k)+1 mod 10 minus BA(k); for A(n), 1 minus 0), fp32; nil when not computed.
        var margin: Float?
    }

    /// Constructed questions for digit `place`: for r = 1…k, `perRun` questions with columns k-1…k-r of pair sum 9.
    static func construct(task: AdditionTask, place: Int, perRun: Int, generator: inout SeededGenerator) -> [Int] {
        let n = task.digitCount
        var indices: [Int] = []
        for run in 1...place {
            for _ in 0..<perRun {
                var first = (0..<n).map { _ in generator.below(10) }
                var second = (0..<n).map { _ in generator.below(10) }
                for column in (place - run)..<place {
                    first[column] = generator.below(10)
                    second[column] = 9 - first[column]
                }
                indices.append(task.index(firstDigits: first, secondDigits: second))
            }
        }
        return indices
    }

    /// Constructed questions for the boundary of digit `place`'s cells with `run` sum-9 columns:
    /// `count` questions with columns k-1…k-run of pair sum 9, column k-1-run of pair sum `boundary`
    /// (its digit pair uniform among those with that sum) and every other digit uniform.
    static func constructBoundary(task: AdditionTask, place: Int, run: Int, boundary: Int, count: Int, generator: inout SeededGenerator) -> [Int] {
        let n = task.digitCount
        let stop = place - 1 - run
        let low = max(0, boundary - 9), high = min(9, boundary)
        return (0..<count).map { _ in
            var first = (0..<n).map { _ in generator.below(10) }
            var second = (0..<n).map { _ in generator.below(10) }
            for column in (place - run)..<place {
                first[column] = generator.below(10)
                second[column] = 9 - first[column]
            }
            first[stop] = low + generator.below(high - low + 1)
            second[stop] = boundary - first[stop]
            return task.index(firstDigits: first, secondDigits: second)
        }
    }

    /// Boundary question sets: key (place, run, boundary pair sum).
    struct BoundaryKey: Hashable {
        var place: Int
        var run: Int
        var boundary: Int
    }

    /// Every boundary set of an n-digit task, in construction order: the one-column cells (run 1,
    /// cells `9C` and `9_`) of k = 2…n, stop-column pair sums 10 then 8.
    static func boundaryKeys(digitCount n: Int) -> [BoundaryKey] {
        n < 2 ? [] : (2...n).flatMap { place in [10, 8].map { BoundaryKey(place: place, run: 1, boundary: $0) } }
    }

    /// Index of the simplest leaf (hits ordered simplest first) whose excess of disagreements over
    /// the best one (b − c, paired) is at most ``noiseZ``·√(b + c), and the best one's index.
    static func simplestWithinNoise(_ hits: [[Bool]]) -> (chosen: Int, best: Int) {
        let scores = hits.map { $0.filter { $0 }.count }
        let bestIndex = scores.indices.max { (scores[$0], -$0) < (scores[$1], -$1) } ?? 0
        for index in hits.indices {
            var b = 0, c = 0
            for (mine, best) in zip(hits[index], hits[bestIndex]) {
                if !mine && best { b += 1 }
                if mine && !best { c += 1 }
            }
            if Double(b - c) <= noiseZ * Double(b + c).squareRoot() { return (index, bestIndex) }
        }
        return (bestIndex, bestIndex)
    }

    /// The network's carry into column `place` read from its answer digit.
    /// `logits`, when given, are the network's logits of these questions ([question][slot][12], flattened) and give each sample's margin.
    static func samples(task: AdditionTask, place: Int, indices: [Int], answers: [UInt8], offset: Int, logits: [Float]? = nil) -> [Sample] {
        let n = task.digitCount, slots = task.answerDigitCount
        let slot = n - place
        let vocabulary = Token.vocabularySize
        return indices.enumerated().map { i, index in
            let question = task.question(atIndex: index)
            let first = (0..<n).map { question.firstDigit($0) }, second = (0..<n).map { question.secondDigit($0) }
            let sums = zip(first, second).map { $0 + $1 }
            let digit = Int(answers[(offset + i) * slots + slot])
            var carry: Int?
            if place == n { carry = digit <= 1 ? digit : nil }
            else if digit == sums[place] % 10 { carry = 0 }
            else if digit == (sums[place] + 1) % 10 { carry = 1 }
            var margin: Float?
            if let logits {
                let base = sums[place < n ? place : 0] % 10
                let uncarried = place == n ? 0 : base, carried = place == n ? 1 : (base + 1) % 10
                let row = (i * slots + slot) * vocabulary
                margin = logits[row + carried] - logits[row + uncarried]
            }
            return Sample(columns: OperandColumns(first: first, second: second), pairSums: sums, carry: carry, digit: digit, margin: margin)
        }
    }

    /// Candidate table inputs for `cell` of digit `place` with look-ahead `depth`.
    static func featureOptions(place k: Int, digitCount n: Int, cell: LookaheadCell, depth: Int) -> [[ColumnFeature]] {
        var options: [[ColumnFeature]] = []
        func digits(_ column: Int) -> [ColumnFeature] {
            [ColumnFeature(.firstDigit, offset: column - k), ColumnFeature(.secondDigit, offset: column - k)]
        }
        let below = ColumnFeature(.firstDigit, offset: -1)
        if cell.run >= 1 { options.append([below]) }
        if cell.run >= 1 && k >= 2 { options.append([below, ColumnFeature(.firstDigit, offset: -2)]) }
        if k < n { options.append(digits(k)) }
        if cell.run >= 1 && k < n { options.append([below] + digits(k)) }
        switch cell.stop {
        case .carry, .noCarry:
            let stop = k - 1 - cell.run
            options.append(digits(stop))
            if cell.run >= 1 { options.append([below] + digits(stop)) }
        case .beyond:
            let horizon = k - 1 - depth
            options.append(digits(horizon))
            options.append([ColumnFeature(.pairSum, offset: horizon - k)])
            if cell.run >= 1 { options.append([below] + digits(horizon)) }
        case .end:
            break
        }
        return options
    }

    /// A majority table over `inputs` from the samples (ties → no carry); unseen keys get `fallback`.
    static func fitTable(_ samples: [Sample], place: Int, inputs: [ColumnFeature], fallback: Int) -> TruthTable? {
        var tally: [[Int]: (Int, Int)] = [:]
        for sample in samples {
            guard let carry = sample.carry else { continue }
            let key = inputs.map { $0.value(place: place, columns: sample.columns) }
            var entry = tally[key] ?? (0, 0)
            if carry == 1 { entry.1 += 1 } else { entry.0 += 1 }
            tally[key] = entry
        }
        let rows = tally.keys.sorted { $0.lexicographicallyPrecedes($1) }.compactMap { key -> TruthTableRow? in
            guard let (zeros, ones) = tally[key] else { return nil }
            let output = ones > zeros ? 1 : 0
            return output == fallback ? nil : TruthTableRow(match: key, output: output)
        }
        return try? TruthTable(inputs: inputs, rows: rows, defaultOutput: fallback)
    }

    /// Whether the leaf reproduces the network's carry on the sample.
    static func agrees(_ leaf: CarryLeaf, _ sample: Sample, place: Int) -> Bool {
        guard let carry = sample.carry else { return false }
        return leaf.carry(place: place, columns: sample.columns) == carry
    }

    /// The result of searching one digit at one depth.
    struct DepthResult {
        var rule: CarryRule
        var cells: [CellChoice]
        var estimate: Double
        var variance: Double
    }

    /// Chooses the leaves of every learned cell of digit `place` at `depth`.
    static func choose(place: Int, digitCount n: Int, depth: Int, fit: [Sample], select: [Sample], constantsOnly: Bool,
                       boundaryFit: [BoundaryKey: [Sample]] = [:], boundarySelect: [BoundaryKey: [Sample]] = [:]) -> DepthResult {
        var rule = CarryRule(place: place, depth: depth, leaves: [:])
        var fitByCell: [LookaheadCell: [Sample]] = [:], selectByCell: [LookaheadCell: [Sample]] = [:]
        for sample in fit { fitByCell[LookaheadCell.of(place: place, depth: depth, pairSums: sample.pairSums), default: []].append(sample) }
        for sample in select { selectByCell[LookaheadCell.of(place: place, depth: depth, pairSums: sample.pairSums), default: []].append(sample) }
        var choices: [CellChoice] = []
        var estimate = 0.0, variance = 0.0
        for cell in rule.cells where cell.run >= 1 {
            let fitting = fitByCell[cell] ?? [], selecting = selectByCell[cell] ?? []
            let ones = fitting.filter { $0.carry == 1 }.count, zeros = fitting.filter { $0.carry == 0 }.count
            let majority = fitting.isEmpty ? (cell.trueCarry ?? 0) : (ones > zeros ? 1 : 0)
            let truth = cell.trueCarry ?? majority
            var candidates: [CarryLeaf] = [.constant(truth), .constant(1 - truth)]
            if !constantsOnly {
                for inputs in featureOptions(place: place, digitCount: n, cell: cell, depth: depth) {
                    if let table = fitTable(fitting, place: place, inputs: inputs, fallback: majority), !table.rows.isEmpty {
                        candidates.append(.table(table))
                    }
                }
                let labelled = fitting.compactMap { sample in
                    sample.carry.map { (columns: sample.columns, target: ScoreLeafFit.target(carry: $0, margin: sample.margin)) }
                }
                for interaction in [false, true] {
                    if let score = ScoreLeafFit.fit(labelled, place: place, run: cell.run, digitCount: n, interaction: interaction) {
                        candidates.append(.score(score))
                    }
                }
            }
            // Stable order: simplest first (a constant equal to true addition before the other constant).
            let ordered = candidates.enumerated().sorted { ($0.element.parameters, $0.offset) < ($1.element.parameters, $1.offset) }.map(\.element)
            let hits = ordered.map { leaf in selecting.map { agrees(leaf, $0, place: place) } }
            let scores = hits.map { $0.filter { $0 }.count }
            let (chosen, bestIndex) = simplestWithinNoise(hits)
            var leaf = ordered[chosen]
            var agreement = selecting.isEmpty ? 0 : scores[chosen]
            var boundaryCounts: (questions: Int, agreement: Int, ungated: Int)?
            if !constantsOnly, let boundary = BoundaryLeafFit.boundary(of: cell.stop),
               let bf = boundaryFit[BoundaryKey(place: place, run: cell.run, boundary: boundary)],
               let bs = boundarySelect[BoundaryKey(place: place, run: cell.run, boundary: boundary)], !bs.isEmpty {
                let labelled = bf.compactMap { sample in
                    sample.carry.map { (columns: sample.columns, target: ScoreLeafFit.target(carry: $0, margin: sample.margin)) }
                }
                let gated = BoundaryLeafFit.termSets(place: place, run: cell.run, digitCount: n).compactMap { terms in
                    ScoreLeafFit.fit(labelled, place: place, terms: terms).map {
                        CarryLeaf.gated(GatedLeaf(stopOffset: -1 - cell.run, boundary: boundary, inside: $0, outside: leaf))
                    }
                }
                let options = [leaf] + gated
                let boundaryHits = options.map { option in bs.map { agrees(option, $0, place: place) } }
                let pick = simplestWithinNoise(boundaryHits).chosen
                boundaryCounts = (bs.count, boundaryHits[pick].filter { $0 }.count, boundaryHits[0].filter { $0 }.count)
                if pick != 0 {
                    leaf = options[pick]
                    agreement = selecting.filter { agrees(leaf, $0, place: place) }.count
                }
            }
            rule.leaves[cell] = leaf
            let p = selecting.isEmpty ? 0 : 1 - Double(agreement) / Double(selecting.count)
            let w = cell.uniformProbability
            estimate += w * p
            if !selecting.isEmpty { variance += w * w * p * (1 - p) / Double(selecting.count) }
            choices.append(CellChoice(cell: cell.description, rule: leaf.description, parameters: leaf.parameters,
                                      fitQuestions: fitting.count, selectionQuestions: selecting.count,
                                      selectionAgreement: agreement, bestSelectionAgreement: max(scores[bestIndex], agreement),
                                      boundarySelectionQuestions: boundaryCounts?.questions,
                                      boundarySelectionAgreement: boundaryCounts?.agreement,
                                      boundaryUngatedAgreement: boundaryCounts?.ungated))
        }
        return DepthResult(rule: rule, cells: choices, estimate: estimate, variance: variance)
    }

    /// Searches every digit. `answers(indices)` gives the network's decided answers; `logits(indices)`,
    /// when given, the network's logits ([question][slot][12]), whose carry margins the score leaves are fitted to.
    static func search(task: AdditionTask, modelName: String, perRun: Int, perBoundary: Int = 0, seed: UInt64,
                       answers: ([Int]) throws -> [UInt8], logits: (([Int]) throws -> [Float])? = nil) throws -> (algorithm: PerDigitAlgorithm, table: PerDigitAlgorithm, summary: CarrySearchSummary, usedIndices: Set<Int>) {
        let n = task.digitCount
        var fitGenerator = SeededGenerator(seed: seed), selectGenerator = SeededGenerator(seed: seed &+ 1)
        var fitIndices: [[Int]] = [], selectIndices: [[Int]] = []
        for place in 1...n {
            fitIndices.append(construct(task: task, place: place, perRun: perRun, generator: &fitGenerator))
            selectIndices.append(construct(task: task, place: place, perRun: perRun, generator: &selectGenerator))
        }
        let keys = perBoundary > 0 ? boundaryKeys(digitCount: n) : []
        let boundaryFitIndices = keys.map { constructBoundary(task: task, place: $0.place, run: $0.run, boundary: $0.boundary, count: perBoundary, generator: &fitGenerator) }
        var boundarySelectIndices = keys.map { constructBoundary(task: task, place: $0.place, run: $0.run, boundary: $0.boundary, count: perBoundary, generator: &selectGenerator) }
        // The selection sets are made disjoint from the fitting sets.
        let fitSet = Set(fitIndices.joined()).union(boundaryFitIndices.joined())
        selectIndices = selectIndices.map { $0.filter { !fitSet.contains($0) } }
        boundarySelectIndices = boundarySelectIndices.map { $0.filter { !fitSet.contains($0) } }
        let all = Array(fitIndices.joined()) + Array(selectIndices.joined()) + Array(boundaryFitIndices.joined()) + Array(boundarySelectIndices.joined())
        let decided = try answers(all)
        var offset = 0
        var rules: [CarryRule] = [], tableRules: [CarryRule] = []
        var choices: [CarryDigitChoice] = []
        var tableDepths: [String: Int] = [:]
        var fitSamples: [[Sample]] = [], selectSamples: [[Sample]] = []
        for place in 1...n {
            let fitLogits = try logits?(fitIndices[place - 1])
            fitSamples.append(samples(task: task, place: place, indices: fitIndices[place - 1], answers: decided, offset: offset, logits: fitLogits))
            offset += fitIndices[place - 1].count
        }
        for place in 1...n {
            selectSamples.append(samples(task: task, place: place, indices: selectIndices[place - 1], answers: decided, offset: offset))
            offset += selectIndices[place - 1].count
        }
        var boundaryFit: [BoundaryKey: [Sample]] = [:], boundarySelect: [BoundaryKey: [Sample]] = [:]
        for (key, indices) in zip(keys, boundaryFitIndices) {
            let fitLogits = try logits?(indices)
            boundaryFit[key] = samples(task: task, place: key.place, indices: indices, answers: decided, offset: offset, logits: fitLogits)
            offset += indices.count
        }
        for (key, indices) in zip(keys, boundarySelectIndices) {
            boundarySelect[key] = samples(task: task, place: key.place, indices: indices, answers: decided, offset: offset)
            offset += indices.count
        }
        for place in (1...n).reversed() {
            let fit = fitSamples[place - 1], select = selectSamples[place - 1]
            let results = (1...place).map { choose(place: place, digitCount: n, depth: $0, fit: fit, select: select, constantsOnly: false,
                                                   boundaryFit: boundaryFit, boundarySelect: boundarySelect) }
            let best = results.min { $0.estimate < $1.estimate }!
            let chosen = results.first { $0.estimate - best.estimate <= noiseZ * ($0.variance + best.variance).squareRoot() } ?? best
            rules.append(chosen.rule)
            var byDepth: [String: Double] = [:]
            for result in results { byDepth[String(result.rule.depth)] = rounded(result.estimate) }
            choices.append(CarryDigitChoice(digit: "A\(place)", place: place, depth: chosen.rule.depth,
                                            estimatedDisagreementByDepth: byDepth, cells: chosen.cells, readable: chosen.rule.readable))
            let tables = (1...place).map { choose(place: place, digitCount: n, depth: $0, fit: fit, select: select, constantsOnly: true) }
            let bestTable = tables.min { $0.estimate < $1.estimate }!
            tableRules.append(bestTable.rule)
            tableDepths["A\(place)"] = bestTable.rule.depth
        }
        let algorithm = PerDigitAlgorithm.carryAlgorithm(name: "lookahead-\(modelName)", digitCount: n, rules: rules)
        let table = PerDigitAlgorithm.carryAlgorithm(name: "lookahead-table-\(modelName)", digitCount: n, rules: tableRules)
        let fitCount = fitIndices.joined().count, selectCount = selectIndices.joined().count
        let boundaryFitCount = boundaryFitIndices.joined().count, boundarySelectCount = boundarySelectIndices.joined().count
        let summary = CarrySearchSummary(
            fitting: Coverage(kind: .constructed, questions: fitCount, seed: seed),
            selection: Coverage(kind: .constructed, questions: selectCount, seed: seed &+ 1),
            boundaryFitting: keys.isEmpty ? nil : Coverage(kind: .constructed, questions: boundaryFitCount, seed: seed),
            boundarySelection: keys.isEmpty ? nil : Coverage(kind: .constructed, questions: boundarySelectCount, seed: seed &+ 1),
            rule: ruleText, digits: choices, bestLookaheadTableDepths: tableDepths)
        return (algorithm, table, summary, fitSet.union(selectIndices.joined()).union(boundarySelectIndices.joined()))
    }
}
