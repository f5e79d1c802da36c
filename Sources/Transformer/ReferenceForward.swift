import AdditionTask
import Foundation

/// The floating-point types the reference forward pass runs in (fp32 and fp64).
public protocol ReferenceScalar: BinaryFloatingPoint, Sendable {
    static func exponential(_ x: Self) -> Self
}

extension Float: ReferenceScalar {
    public static func exponential(_ x: Float) -> Float { Foundation.exp(x) }
}

extension Double: ReferenceScalar {
    public static func exponential(_ x: Double) -> Double { Foundation.exp(x) }
}

/// Hook points of the reference pass, named after TransformerLens hooks. Each may
/// read or replace the activation in place.
public struct ForwardHooks<Scalar: ReferenceScalar> {
    /// `blocks.0.hook_resid_pre`: [position][d_model], before the block.
    public var residualPre: ((inout [[Scalar]]) -> Void)?
    /// `blocks.0.attn.hook_pattern`: [head][query][key] attention weights (0 for masked keys).
    public var attentionPattern: ((inout [[[Scalar]]]) -> Void)?
    /// `blocks.0.attn.hook_z`: [position][head][d_head], each head's mix of values before W_O.
    public var headOutput: ((inout [[[Scalar]]]) -> Void)?
    /// `blocks.0.mlp.hook_pre`: one position's MLP pre-activation [d_mlp] (before the
    /// ReLU), called once per position with that position.
    public var mlpPreActivation: ((Int, inout [Scalar]) -> Void)?
    /// `blocks.0.hook_resid_post`: [position][d_model], after the MLP.
    public var residualPost: ((inout [[Scalar]]) -> Void)?

    public init() {}
}

/// The output of one reference forward pass.
public struct ForwardResult<Scalar: ReferenceScalar> {
    /// Logits at every input position: [position][vocabulary].
    public let logits: [[Scalar]]
    /// The task, to locate the answer-predicting positions.
    public let task: AdditionTask

    @inlinable
    public init(logits: [[Scalar]], task: AdditionTask) {
        self.logits = logits
        self.task = task
    }

    /// Logits at the n + 1 answer-predicting positions, rows A(n)..A0
    /// (row 0 is the prediction at `=`).
    @inlinable
    public var answerLogits: [[Scalar]] {
        Array(logits[task.equalsPosition...(task.equalsPosition + task.digitCount)])
    }

    /// The predicted digit (argmax over the 12 tokens) for A(n)..A0. Ties go to the lower token id.
    @inlinable
    public var predictedDigits: [Int] { answerLogits.map(argmax) }
}

/// Index of the largest element; the first one on ties.
@inlinable
public func argmax<Scalar: Comparable>(_ values: [Scalar]) -> Int {
    var best = 0
    for index in values.indices where values[index] > values[best] { best = index }
    return best
}

/// The reference forward pass, written for clarity rather than speed: the full
/// sequence, every position, exactly as TransformerLens computes it:
/// `resid_mid = x + attn(ln1(x))`, `resid_post = resid_mid + mlp(ln2(resid_mid))`,
/// `logits = ln_final(resid_post) @ W_U + b_U`, causal attention scaled by sqrt(d_head).
public struct ReferenceTransformer<Scalar: ReferenceScalar>: Sendable {
    public let config: ModelConfig
    public let task: AdditionTask
    @usableFromInline let embed, positionEmbed, ln1Weight, ln1Bias, wQ, wK, wV, bQ, bK, bV, wO, bO: [Scalar]
    @usableFromInline let ln2Weight, ln2Bias, wIn, bIn, wOut, bOut, lnFinalWeight, lnFinalBias, wU, bU: [Scalar]
    @usableFromInline let eps: Scalar

    public init(_ model: AdditionModel) {
        let w = model.weights
        func convert(_ values: [Float]) -> [Scalar] { values.map { Scalar($0) } }
        config = model.config
        task = model.task
        embed = convert(w.embed); positionEmbed = convert(w.positionEmbed)
        ln1Weight = convert(w.ln1Weight); ln1Bias = convert(w.ln1Bias)
        wQ = convert(w.wQ); wK = convert(w.wK); wV = convert(w.wV)
        bQ = convert(w.bQ); bK = convert(w.bK); bV = convert(w.bV)
        wO = convert(w.wO); bO = convert(w.bO)
        ln2Weight = convert(w.ln2Weight); ln2Bias = convert(w.ln2Bias)
        wIn = convert(w.wIn); bIn = convert(w.bIn); wOut = convert(w.wOut); bOut = convert(w.bOut)
        lnFinalWeight = convert(w.lnFinalWeight); lnFinalBias = convert(w.lnFinalBias)
        wU = convert(w.wU); bU = convert(w.bU)
        eps = Scalar(model.config.eps)
    }

    /// Teacher-forced forward pass on one question.
    @inlinable
    public func run(_ question: Question, hooks: ForwardHooks<Scalar> = ForwardHooks()) -> ForwardResult<Scalar> {
        run(tokens: question.teacherForcedTokens, hooks: hooks)
    }

    /// Forward pass on an arbitrary token sequence (length ≤ n_ctx).
    @inlinable
    public func run(tokens: [Int], hooks: ForwardHooks<Scalar> = ForwardHooks()) -> ForwardResult<Scalar> {
        let d = config.dModel, h = config.nHeads, dh = config.dHead, m = config.dMLP, v = config.dVocab
        let length = tokens.count
        precondition(length <= config.nCtx, "sequence longer than n_ctx")

        // Embeddings.
        var residual: [[Scalar]] = (0..<length).map { position in
            (0..<d).map { embed[tokens[position] * d + $0] + positionEmbed[position * d + $0] }
        }
        hooks.residualPre?(&residual)

        // Attention: q, k, v per head and position from ln1(x).
        let normalized1 = residual.map { layerNorm($0, weight: ln1Weight, bias: ln1Bias) }
        func project(_ x: [Scalar], _ weight: [Scalar], _ bias: [Scalar], head: Int) -> [Scalar] {
            var out = Array(bias[(head * dh)..<((head + 1) * dh)])
            for i in 0..<d {
                let xi = x[i]
                let row = (head * d + i) * dh
                for j in 0..<dh { out[j] += xi * weight[row + j] }
            }
            return out
        }
        let scale = Scalar(dh).squareRoot()
        var pattern: [[[Scalar]]] = []
        var values: [[[Scalar]]] = []  // [head][position][dh]
        for head in 0..<h {
            let q = normalized1.map { project($0, wQ, bQ, head: head) }
            let k = normalized1.map { project($0, wK, bK, head: head) }
            values.append(normalized1.map { project($0, wV, bV, head: head) })
            var headPattern: [[Scalar]] = []
            for query in 0..<length {
                var scores = (0...query).map { key -> Scalar in
                    var dot: Scalar = 0
                    for j in 0..<dh { dot += q[query][j] * k[key][j] }
                    return dot / scale
                }
                let maximum = scores.max() ?? 0
                scores = scores.map { Scalar.exponential($0 - maximum) }
                let total = scores.reduce(0, +)
                headPattern.append(scores.map { $0 / total } + Array(repeating: 0, count: length - query - 1))
            }
            pattern.append(headPattern)
        }
        hooks.attentionPattern?(&pattern)
        var z: [[[Scalar]]] = (0..<length).map { query in
            (0..<h).map { head in
                var mixed = [Scalar](repeating: 0, count: dh)
                for key in 0...query {
                    let weight = pattern[head][query][key]
                    for j in 0..<dh { mixed[j] += weight * values[head][key][j] }
                }
                return mixed
            }
        }
        hooks.headOutput?(&z)
        for position in 0..<length {
            var attention = bO
            for head in 0..<h {
                for j in 0..<dh {
                    let zj = z[position][head][j]
                    let row = (head * dh + j) * d
                    for i in 0..<d { attention[i] += zj * wO[row + i] }
                }
            }
            for i in 0..<d { residual[position][i] += attention[i] }
        }

        // MLP.
        for position in 0..<length {
            let x = layerNorm(residual[position], weight: ln2Weight, bias: ln2Bias)
            var hidden = bIn
            for i in 0..<d {
                let xi = x[i]
                let row = i * m
                for j in 0..<m { hidden[j] += xi * wIn[row + j] }
            }
            hooks.mlpPreActivation?(position, &hidden)
            var out = bOut
            for j in 0..<m where hidden[j] > 0 {
                let hj = hidden[j]
                let row = j * d
                for i in 0..<d { out[i] += hj * wOut[row + i] }
            }
            for i in 0..<d { residual[position][i] += out[i] }
        }
        hooks.residualPost?(&residual)

        // Unembed.
        let logits: [[Scalar]] = residual.map { row in
            let x = layerNorm(row, weight: lnFinalWeight, bias: lnFinalBias)
            var out = bU
            for i in 0..<d {
                for t in 0..<v { out[t] += x[i] * wU[i * v + t] }
            }
            return out
        }
        return ForwardResult(logits: logits, task: task)
    }

    /// TransformerLens LayerNorm: centre, divide by sqrt(mean(x²) + eps), scale and shift.
    @inlinable
    func layerNorm(_ x: [Scalar], weight: [Scalar], bias: [Scalar]) -> [Scalar] {
        let count = Scalar(x.count)
        let mean = x.reduce(0, +) / count
        let centred = x.map { $0 - mean }
        let variance = centred.reduce(0) { $0 + $1 * $1 } / count
        let scale = 1 / (variance + eps).squareRoot()
        return centred.indices.map { centred[$0] * scale * weight[$0] + bias[$0] }
    }
}
