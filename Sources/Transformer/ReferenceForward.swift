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
        func project(_ xs: [[Scalar]], _ weight: [Scalar], _ bias: [Scalar], head: Int) -> [[Scalar]] {
            let out = affine(positions: length, inner: d, width: dh, bias: bias[(head * dh)..<((head + 1) * dh)], weight: weight,
                             row: { (head * d + $0) * dh }, input: { xs[$0][$1] })
            return (0..<length).map { Array(out[($0 * dh)..<(($0 + 1) * dh)]) }
        }
        let scale = Scalar(dh).squareRoot()
        var pattern: [[[Scalar]]] = []
        var values: [[[Scalar]]] = []  // [head][position][dh]
        for head in 0..<h {
            let q = project(normalized1, wQ, bQ, head: head)
            let k = project(normalized1, wK, bK, head: head)
            values.append(project(normalized1, wV, bV, head: head))
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
        let attention = affine(positions: length, inner: h * dh, width: d, bias: bO[...], weight: wO,
                               row: { $0 * d }, input: { z[$0][$1 / dh][$1 % dh] })
        for position in 0..<length {
            for i in 0..<d { residual[position][i] += attention[position * d + i] }
        }

        // MLP.
        let normalized2 = residual.map { layerNorm($0, weight: ln2Weight, bias: ln2Bias) }
        var hidden = affine(positions: length, inner: d, width: m, bias: bIn[...], weight: wIn,
                            row: { $0 * m }, input: { normalized2[$0][$1] })
        for position in 0..<length {
            var preActivation = Array(hidden[(position * m)..<((position + 1) * m)])
            hooks.mlpPreActivation?(position, &preActivation)
            for j in 0..<m { hidden[position * m + j] = preActivation[j] }
        }
        // ReLU: only the positive pre-activations contribute.
        let out = affine(positions: length, inner: m, width: d, bias: bOut[...], weight: wOut,
                         row: { $0 * d }, input: { hidden[$0 * m + $1] > 0 ? hidden[$0 * m + $1] : nil })
        for position in 0..<length {
            for i in 0..<d { residual[position][i] += out[position * d + i] }
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

    /// For every position p, `bias + Σ_i input(p, i) · weight[row(i) ..< row(i) + width]` with
    /// i ascending from 0 (a nil input leaves its term out), as positions × width values. The
    /// loop over the weight's rows is outermost and the positions inside, so each weight row
    /// is read once per question rather than once per position; every output element still
    /// sums its terms in ascending order starting from the bias, exactly as one position at
    /// a time would.
    @inlinable
    func affine(positions: Int, inner: Int, width: Int, bias: ArraySlice<Scalar>, weight: [Scalar],
                row: (Int) -> Int, input: (Int, Int) -> Scalar?) -> [Scalar] {
        var out = [Scalar](repeating: 0, count: positions * width)
        for position in 0..<positions {
            for j in 0..<width { out[position * width + j] = bias[bias.startIndex + j] }
        }
        for i in 0..<inner {
            let start = row(i)
            for position in 0..<positions {
                if let x = input(position, i) { accumulate(x, weight, start: start, into: &out, at: position * width, count: width) }
            }
        }
        return out
    }

    /// `target[j] += x · source[start + j]` for j in 0..<count, element by element (the
    /// same operations as the plain loop; pointers only so the loop is vectorised).
    @inlinable
    func accumulate(_ x: Scalar, _ source: [Scalar], start: Int, into target: inout [Scalar], at offset: Int, count: Int) {
        source.withUnsafeBufferPointer { from in
            target.withUnsafeMutableBufferPointer { to in
                precondition(start + count <= from.count && offset + count <= to.count)
                let from = from.baseAddress! + start, to = to.baseAddress! + offset
                for j in 0..<count { to[j] += x * from[j] }
            }
        }
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
