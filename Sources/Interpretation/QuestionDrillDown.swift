import AdditionTask
import Foundation
import Transformer

/// How much one component of the network adds to two logits at one position
/// (direct logit attribution, fp64).
public struct LogitContribution: Sendable, Equatable, Codable {
    /// Contribution to the predicted token's logit.
    public var winner: Double
    /// Contribution to the runner-up token's logit.
    public var runnerUp: Double
    /// `winner - runnerUp`: this component's share of the margin.
    public var difference: Double { winner - runnerUp }

    public init(winner: Double, runnerUp: Double) {
        self.winner = winner
        self.runnerUp = runnerUp
    }
}

/// One attention head at one position: where it looks and what it writes.
public struct HeadDrillDown: Sendable, Equatable {
    public var head: Int
    /// The key positions with the largest attention weights, largest first.
    public var topAttention: [(position: Int, weight: Double)]
    public var contribution: LogitContribution

    public static func == (lhs: HeadDrillDown, rhs: HeadDrillDown) -> Bool {
        lhs.head == rhs.head && lhs.contribution == rhs.contribution
            && lhs.topAttention.map(\.position) == rhs.topAttention.map(\.position)
            && lhs.topAttention.map(\.weight) == rhs.topAttention.map(\.weight)
    }
}

/// One answer digit of one question, taken apart.
public struct DigitDrillDown: Sendable, Equatable {
    public var digit: AnswerDigit
    /// The position whose output predicts this digit.
    public var position: Int
    public var expected: Int
    /// The argmax token and the best other token (ties to the lower id).
    public var predicted: Int
    public var runnerUp: Int
    /// Predicted minus runner-up logit (fp64 pass).
    public var margin: Double
    /// Whether a carry flows into this digit's column, and through how many sum-9 columns it cascaded.
    public var carryIn: Bool
    public var cascadeLength: Int
    public var heads: [HeadDrillDown]
    public var mlp: LogitContribution
    /// Token and position embeddings.
    public var embeddings: LogitContribution
    /// The attention output bias b_O, and the final LayerNorm bias through W_U plus b_U.
    public var biases: LogitContribution
    /// The fp64 logits of the two tokens; every contribution above adds up to these.
    public var logits: LogitContribution
}

/// A question taken apart digit by digit with the fp64 reference pass: the carry
/// pattern, each answer digit's margin, each head's strongest attention, and the
/// direct contribution of each head, the MLP, the embeddings and the biases to
/// the winning and runner-up logits.
///
/// Direct logit attribution: the final LayerNorm's centring is linear and its
/// scale is fixed at the value the full residual stream gives at that position, so
/// a component writing vector c contributes
/// `Σ_i (c_i − mean(c)) · scale · ln_final.w_i · W_U[i, t]` to logit t, and the
/// contributions plus `ln_final.b · W_U[:, t] + b_U[t]` add up to the logit exactly
/// (up to fp64 rounding).
public struct QuestionDrillDown: Sendable {
    public var question: Question
    public var pattern: CarryPattern
    public var digits: [DigitDrillDown]

    /// Runs the fp64 reference pass on `question` and takes each answer digit apart,
    /// keeping the `topPositions` strongest attention weights per head.
    public init(model: AdditionModel, question: Question, topPositions: Int = 3) {
        let config = model.config
        let d = config.dModel, h = config.nHeads, dh = config.dHead, v = config.dVocab
        let weights = model.weights
        var residualPre: [[Double]] = []
        var residualPost: [[Double]] = []
        var pattern: [[[Double]]] = []
        var z: [[[Double]]] = []
        var hooks = ForwardHooks<Double>()
        hooks.residualPre = { residualPre = $0 }
        hooks.attentionPattern = { pattern = $0 }
        hooks.headOutput = { z = $0 }
        hooks.residualPost = { residualPost = $0 }
        let result = ReferenceTransformer<Double>(model).run(question, hooks: hooks)
        let chain = question.carries
        let task = model.task

        func headVector(_ position: Int, _ head: Int) -> [Double] {
            var out = [Double](repeating: 0, count: d)
            for j in 0..<dh {
                let zj = z[position][head][j]
                let row = (head * dh + j) * d
                for i in 0..<d { out[i] += zj * Double(weights.wO[row + i]) }
            }
            return out
        }

        self.question = question
        self.pattern = question.pattern
        self.digits = zip(task.answerDigits, question.answerDigits).map { digit, expected in
            let position = task.predictingPosition(of: digit)
            let row = result.logits[position]
            let predicted = argmax(row)
            var runnerUp = predicted == 0 ? 1 : 0
            for token in row.indices where token != predicted && row[token] > row[runnerUp] { runnerUp = token }
            // The final LayerNorm's scale at this position, from the full residual stream.
            let post = residualPost[position]
            let mean = post.reduce(0, +) / Double(d)
            let variance = post.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(d)
            let scale = 1 / (variance + config.eps).squareRoot()
            func contribution(_ vector: [Double]) -> LogitContribution {
                let centre = vector.reduce(0, +) / Double(d)
                var toWinner = 0.0, toRunnerUp = 0.0
                for i in 0..<d {
                    let x = (vector[i] - centre) * scale * Double(weights.lnFinalWeight[i])
                    toWinner += x * Double(weights.wU[i * v + predicted])
                    toRunnerUp += x * Double(weights.wU[i * v + runnerUp])
                }
                return LogitContribution(winner: toWinner, runnerUp: toRunnerUp)
            }
            let heads = (0..<h).map { headVector(position, $0) }
            let attentionBias = weights.bO.map(Double.init)
            var mlpOut = post
            for i in 0..<d {
                mlpOut[i] -= residualPre[position][i] + attentionBias[i]
                for head in 0..<h { mlpOut[i] -= heads[head][i] }
            }
            let biasVector = contribution(attentionBias)
            var finalBias = LogitContribution(winner: Double(weights.bU[predicted]), runnerUp: Double(weights.bU[runnerUp]))
            for i in 0..<d {
                finalBias.winner += Double(weights.lnFinalBias[i]) * Double(weights.wU[i * v + predicted])
                finalBias.runnerUp += Double(weights.lnFinalBias[i]) * Double(weights.wU[i * v + runnerUp])
            }
            let headDetails = (0..<h).map { head -> HeadDrillDown in
                let weightsByKey = pattern[head][position].enumerated().filter { $0.offset <= position }
                let top = weightsByKey.sorted { ($0.element, -$0.offset) > ($1.element, -$1.offset) }.prefix(topPositions)
                return HeadDrillDown(head: head, topAttention: top.map { ($0.offset, $0.element) }, contribution: contribution(heads[head]))
            }
            return DigitDrillDown(
                digit: digit, position: position, expected: expected, predicted: predicted, runnerUp: runnerUp,
                margin: row[predicted] - row[runnerUp], carryIn: chain.carryInto[digit.place],
                cascadeLength: chain.cascadeLength(into: digit.place), heads: headDetails,
                mlp: contribution(mlpOut), embeddings: contribution(residualPre[position]),
                biases: LogitContribution(winner: biasVector.winner + finalBias.winner, runnerUp: biasVector.runnerUp + finalBias.runnerUp),
                logits: LogitContribution(winner: row[predicted], runnerUp: row[runnerUp]))
        }
    }
}
