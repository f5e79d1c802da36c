import AdditionTask
import Exhaustive
import Foundation
import Transformer

/// Loss and accuracy of the network (possibly ablated) on one question category.
public struct CategoryMetrics: Codable, Hashable, Sendable {
    /// Category name (`base_add`, `simple_carry`, `sum9_cascade_1`, …).
    public var category: String
    /// Mean cross-entropy (natural log) over the answer digits and questions.
    public var loss: Double
    /// Loss minus the unablated loss on the same questions (0 for the baseline).
    public var deltaLoss: Double
    /// Fraction of questions whose predicted digit is right, per answer digit A(n)..A0.
    public var digitAccuracy: [Double]
    /// Fraction of questions with every answer digit right.
    public var questionAccuracy: Double
}

/// What an ablation replaces.
public enum AblationTarget: String, Codable, Hashable, Sendable {
    /// One head's output z·W_O at one answer slot.
    case head
    /// hook_resid_pre (embedding + position) at one input position.
    case residual
}

/// What an ablated activation is replaced by.
public enum AblationMode: String, Codable, Hashable, Sendable, CaseIterable {
    /// Its mean over a uniform sample of questions.
    case mean
    /// Zero.
    case zero
}

/// One ablation and its effect per category.
public struct AblationResult: Codable, Hashable, Sendable {
    /// What is ablated.
    public var target: AblationTarget
    /// What it is replaced by.
    public var mode: AblationMode
    /// Answer slot (head ablations).
    public var slot: Int?
    /// Head (head ablations).
    public var head: Int?
    /// Input position (residual ablations).
    public var position: Int?
    /// E.g. `head 1 at A3 (slot 1)` or `resid_pre at D'2 (position 5)`.
    public var label: String
    /// True when the ablation cannot change anything (mean ablation of a position whose token is constant).
    public var noOp: Bool
    /// Why it is a no-op, or other remarks.
    public var note: String?
    /// Effect per category (empty for no-ops: nothing was run).
    public var categories: [CategoryMetrics]
}

/// The category sets ablations are measured on.
public struct CategorySetRecord: Codable, Hashable, Sendable {
    /// Category name.
    public var category: String
    /// What it contains, in the paper's vocabulary.
    public var summary: String
    /// How its questions were chosen and how many.
    public var coverage: Coverage
    /// The canonical indices of its questions (so every number can be recomputed).
    public var indices: [Int]
}

/// ablation.json: mean and zero ablation of every head at every answer slot and of
/// the residual stream at every input position.
public struct AblationReport: Codable, Hashable, Sendable {
    /// The question sets.
    public var categories: [CategorySetRecord]
    /// The unablated network on those sets.
    public var baseline: [CategoryMetrics]
    /// How the mean head contributions were computed.
    public var meanHeadContributionCoverage: Coverage
    /// How residual means were formed.
    public var residualMeanDefinition: String
    /// Every ablation.
    public var results: [AblationResult]
}

enum AblationAnalysis {
    /// The fp64 logits of every answer row of every category question, [question][slot][12]
    /// flattened (questions in category order), with the network unablated.
    struct BaselineLogits {
        let rows: [ExactTableEvaluator.AnswerRow]
        let logits: [Double]
    }

    /// Every answer row of the categories' questions, in category order.
    static func unablatedLogits(_ exact: ExactTableEvaluator, samples: [CategorySample]) -> BaselineLogits {
        let slots = exact.task.answerDigitCount
        let rows = samples.flatMap(\.indices).flatMap { index in (0..<slots).map { ExactTableEvaluator.AnswerRow(index: index, slot: $0) } }
        return BaselineLogits(rows: rows, logits: ParallelEvaluation.exactLogits(exact, rows: rows))
    }

    /// Loss and accuracy per category of the network under `ablation`, from fp64 logits
    /// computed in a fixed order (the same numbers on every machine). Only the answer
    /// rows the ablation can change are computed again: a head replacement at slot s
    /// changes row s alone (each answer row is its own computation in a one-layer
    /// model); a residual replacement can change every row.
    static func metrics(_ plain: ExactTableEvaluator, ablation: Ablation, samples: [CategorySample], baseline: BaselineLogits,
                        baselineMetrics: [CategoryMetrics]?) -> [CategoryMetrics] {
        let vocabulary = Token.vocabularySize
        var logits = baseline.logits
        if ablation != .none {
            let changedSlots = ablation.residualReplacements.isEmpty ? Set(ablation.headContributionReplacements.keys.map(\.slot)) : nil
            let positions = baseline.rows.indices.filter { changedSlots?.contains(baseline.rows[$0].slot) ?? true }
            let exact = plain.ablated(ablation)
            let recomputed = ParallelEvaluation.exactLogits(exact, rows: positions.map { baseline.rows[$0] })
            for (offset, position) in positions.enumerated() {
                for t in 0..<vocabulary { logits[position * vocabulary + t] = recomputed[offset * vocabulary + t] }
            }
        }
        return metrics(task: plain.task, logits: logits, vocabulary: vocabulary, samples: samples, baseline: baselineMetrics)
    }

    /// Loss and accuracy per category from logits [question][slot][vocabulary] in category order.
    static func metrics(task: AdditionTask, logits: [Double], vocabulary: Int, samples: [CategorySample], baseline: [CategoryMetrics]?) -> [CategoryMetrics] {
        let slots = task.answerDigitCount
        var offset = 0
        var result: [CategoryMetrics] = []
        for (number, sample) in samples.enumerated() {
            var loss = 0.0
            var correct = [Int](repeating: 0, count: slots)
            var allCorrect = 0
            for (i, index) in sample.indices.enumerated() {
                let truth = task.question(atIndex: index).answerDigits
                var every = true
                for slot in 0..<slots {
                    let row = ((offset + i) * slots + slot) * vocabulary
                    var best = 0
                    var maximum = -Double.infinity
                    for t in 0..<vocabulary where logits[row + t] > maximum { maximum = logits[row + t]; best = t }
                    var total = 0.0
                    for t in 0..<vocabulary { total += exp(logits[row + t] - maximum) }
                    loss += -(logits[row + truth[slot]] - maximum - log(total))
                    if best == truth[slot] { correct[slot] += 1 } else { every = false }
                }
                if every { allCorrect += 1 }
            }
            offset += sample.indices.count
            let count = Double(max(1, sample.indices.count))
            let meanLoss = loss / (count * Double(slots))
            let reference = baseline?[number].loss ?? meanLoss
            result.append(CategoryMetrics(category: sample.category.name, loss: rounded(meanLoss), deltaLoss: rounded(meanLoss - reference),
                                          digitAccuracy: correct.map { rounded(Double($0) / count) },
                                          questionAccuracy: rounded(Double(allCorrect) / count)))
        }
        return result
    }

    /// Mean of each head's contribution at each answer slot over `indices`.
    static func meanHeadContributions(_ evaluator: FastEvaluator, indices: [Int]) -> [HeadSlot: [Float]] {
        let slots = evaluator.task.answerDigitCount, heads = evaluator.config.nHeads, d = evaluator.config.dModel
        var sum = [Double](repeating: 0, count: slots * heads * d)
        for index in indices {
            let contributions = evaluator.headContributions(index: index)
            for slot in 0..<slots {
                for head in 0..<heads {
                    let base = (slot * heads + head) * d
                    for i in 0..<d { sum[base + i] += Double(contributions[slot][head][i]) }
                }
            }
        }
        var result: [HeadSlot: [Float]] = [:]
        let count = Double(max(1, indices.count))
        for slot in 0..<slots {
            for head in 0..<heads {
                let base = (slot * heads + head) * d
                result[HeadSlot(slot: slot, head: head)] = (0..<d).map { Float(sum[base + $0] / count) }
            }
        }
        return result
    }

    /// The mean over the ten digit tokens of embed + pos at `position`.
    static func meanDigitResidual(model: AdditionModel, position: Int) -> [Float] {
        let d = model.config.dModel, w = model.weights
        return (0..<d).map { i in
            var total: Float = 0
            for token in 0..<10 { total += w.embed[token * d + i] }
            return total / 10 + w.positionEmbed[position * d + i]
        }
    }

    /// Runs every head and residual ablation.
    static func run(model: AdditionModel, samples: [CategorySample], meanIndices: [Int], meanCoverage: Coverage,
                    progress: (String) -> Void) -> AblationReport {
        let task = model.task
        let plain = FastEvaluator(model)
        let exact = plain.exact
        let baselineLogits = unablatedLogits(exact, samples: samples)
        let baseline = metrics(task: task, logits: baselineLogits.logits, vocabulary: model.config.dVocab, samples: samples, baseline: nil)
        let means = meanHeadContributions(plain, indices: meanIndices)
        let d = model.config.dModel
        var results: [AblationResult] = []
        for slot in 0..<task.answerDigitCount {
            progress("ablation: heads at A\(task.digitCount - slot)")
            for head in 0..<model.config.nHeads {
                let key = HeadSlot(slot: slot, head: head)
                for mode in AblationMode.allCases {
                    let vector = mode == .mean ? (means[key] ?? [Float](repeating: 0, count: d)) : [Float](repeating: 0, count: d)
                    let ablation = Ablation(headContributionReplacements: [key: vector])
                    results.append(AblationResult(target: .head, mode: mode, slot: slot, head: head, position: nil,
                        label: "head \(head) at A\(task.digitCount - slot) (slot \(slot))", noOp: false, note: nil,
                        categories: metrics(exact, ablation: ablation, samples: samples, baseline: baselineLogits, baselineMetrics: baseline)))
                }
            }
        }
        progress("ablation: residual positions")
        for position in 0..<task.inputLength {
            let label = "resid_pre at \(task.positionLabel(position)) (position \(position))"
            let constant = position == task.plusPosition || position == task.equalsPosition
            for mode in AblationMode.allCases {
                if mode == .mean && constant {
                    results.append(AblationResult(target: .residual, mode: mode, slot: nil, head: nil, position: position, label: label,
                        noOp: true, note: "the token here is always '\(task.positionLabel(position))', so its mean is itself: mean ablation changes nothing (not run)",
                        categories: []))
                    continue
                }
                let vector = mode == .mean ? meanDigitResidual(model: model, position: position) : [Float](repeating: 0, count: d)
                let ablation = Ablation(residualReplacements: [position: vector])
                results.append(AblationResult(target: .residual, mode: mode, slot: nil, head: nil, position: position, label: label,
                    noOp: false, note: nil, categories: metrics(exact, ablation: ablation, samples: samples, baseline: baselineLogits, baselineMetrics: baseline)))
            }
        }
        return AblationReport(
            categories: samples.map { CategorySetRecord(category: $0.category.name, summary: $0.category.summary, coverage: $0.coverage, indices: $0.indices) },
            baseline: baseline, meanHeadContributionCoverage: meanCoverage,
            residualMeanDefinition: "mean over the ten digit tokens of embed + pos at the position (the position embedding is kept); zero ablation replaces embed + pos by the zero vector",
            results: results)
    }
}
