import Foundation

/// A sound upper bound on the magnitude of every value an fp32 forward pass of the
/// model computes, for any input, from the weights alone; used by `carrylens info` to
/// warn when the pass can overflow fp32 (docs/model-formats.md, "Overflow").
///
/// The bound follows the forward pass stage by stage, with vectors of per-component
/// bounds (all in fp64; an fp64 overflow to +∞ only makes the warning certain):
///
/// - embeddings: |x_i| ≤ max_t |W_E[t,i]| + max_p |W_pos[p,i]|;
/// - a LayerNorm's scale 1/√(var + eps) is at most 1/√eps (eps as fp32), and its
///   centred and scaled vector has Σ z_i² = d·var/(var + eps) ≤ d, so
///   |z_i| ≤ √d whatever its input, and its output is at most √d·|w_i| + |b_i|; its
///   input's mean and variance sums are at most d·max|x| and d·(2·max|x|)²;
/// - a product x·W + b is at most Σ_i bound_i·|W_ij| + |b_j| (which also bounds every
///   partial sum of the products);
/// - attention scores are at most Σ_j bound(q_j)·bound(k_j), the softmax subtracts
///   the row's largest score (so differences up to twice that), its weights lie in
///   [0, 1] and sum to 1, so a mix of values is at most the values' bound;
/// - the residual stream adds the attention output and then the MLP output (ReLU
///   keeps the hidden bound);
/// - logits at most Σ_i bound_i·|W_U[i,t]| + |b_U[t]|, a margin at most twice that.
///
/// fp32 rounding makes a computed value exceed the exact one by a relative error of at
/// most k·u/(1 − k·u) for a k-term sum (u = 2⁻²⁴; about 1.2·10⁻⁴ for k = 2,040), and
/// by less than 1% over the whole pass, so a pass can overflow only if some stage's
/// bound exceeds half of `Float.greatestFiniteMagnitude` (``limit``). The bound is
/// loose (it assumes every weight's sign conspires), so a warning means overflow is
/// possible, not that it happens; no warning means no fp32 pass of this model can
/// overflow.
public struct Float32OverflowBound: Sendable, Equatable {
    /// One stage of the forward pass and the bound on the magnitude of its values.
    public struct Stage: Sendable, Equatable {
        /// What the stage computes, e.g. `attention scores q·k`.
        public let name: String
        /// Upper bound on the magnitude of any value (or partial sum) of the stage.
        public let bound: Double
    }

    /// Half the largest finite fp32 value: a stage bounded below this cannot overflow.
    public static let limit = Double(Float.greatestFiniteMagnitude) / 2

    /// Every stage, in forward-pass order.
    public let stages: [Stage]

    /// The stages whose bound reaches ``limit``: where fp32 may overflow.
    public var overflowingStages: [Stage] { stages.filter { !($0.bound < Self.limit) } }

    /// Whether some fp32 forward pass of the model may overflow.
    public var mayOverflow: Bool { !overflowingStages.isEmpty }

    /// The bound for `weights`.
    public init(_ weights: TransformerWeights) {
        let c = weights.config
        let d = c.dModel, h = c.nHeads, dh = c.dHead, m = c.dMLP, v = c.dVocab, n = c.nCtx
        var stages: [Stage] = []
        func record(_ name: String, _ values: [Double]) { stages.append(Stage(name: name, bound: values.max() ?? 0)) }
        func absolute(_ values: [Float]) -> [Double] { values.map { Double($0.magnitude) } }
        /// Per output column: Σ_i input_i·|W[i, column]| + |b[column]|, W row-major [rows, columns] at `offset`.
        func product(_ input: [Double], _ weight: [Float], offset: Int = 0, columns: Int, bias: ArraySlice<Float>) -> [Double] {
            var out = bias.map { Double($0.magnitude) }
            for (i, x) in input.enumerated() where x != 0 {
                let row = offset + i * columns
                for j in 0..<columns { out[j] += x * Double(weight[row + j].magnitude) }
            }
            return out
        }
        func layerNorm(_ name: String, input: [Double], weight: [Float], bias: [Float]) -> [Double] {
            let largest = input.max() ?? 0
            stages.append(Stage(name: "\(name): sum of the inputs", bound: Double(d) * largest))
            stages.append(Stage(name: "\(name): sum of squared deviations", bound: Double(d) * (2 * largest) * (2 * largest)))
            // 1/√(var + eps) is largest at var = 0; eps as fp32 (an eps that rounds to 0 makes it infinite).
            stages.append(Stage(name: "\(name): scale 1/√(variance + eps)", bound: 1 / Double(Float(c.eps)).squareRoot()))
            let root = Double(d).squareRoot()
            let out = zip(absolute(weight), absolute(bias)).map { root * $0 + $1 }
            record("\(name) output", out)
            return out
        }

        // Embeddings.
        let embed = absolute(weights.embed), position = absolute(weights.positionEmbed)
        let residual0 = (0..<d).map { i in
            (0..<v).map { embed[$0 * d + i] }.max()! + (0..<n).map { position[$0 * d + i] }.max()!
        }
        record("embeddings", residual0)

        // Attention.
        let normalized1 = layerNorm("ln1", input: residual0, weight: weights.ln1Weight, bias: weights.ln1Bias)
        var attention = absolute(weights.bO)
        var scores: [Double] = [], values: [Double] = []
        for head in 0..<h {
            let biasRange = (head * dh)..<((head + 1) * dh)
            let q = product(normalized1, weights.wQ, offset: head * d * dh, columns: dh, bias: weights.bQ[biasRange])
            let k = product(normalized1, weights.wK, offset: head * d * dh, columns: dh, bias: weights.bK[biasRange])
            let value = product(normalized1, weights.wV, offset: head * d * dh, columns: dh, bias: weights.bV[biasRange])
            scores.append(zip(q, k).map(*).reduce(0, +))
            values += q + k + value
            // The head's output through W_O [H, Dh, D].
            for j in 0..<dh where value[j] != 0 {
                let row = (head * dh + j) * d
                for i in 0..<d { attention[i] += value[j] * Double(weights.wO[row + i].magnitude) }
            }
        }
        record("queries, keys and values", values)
        record("attention scores q·k", scores)
        record("attention score differences (softmax)", scores.map { 2 * $0 })
        record("attention output", attention)
        let residualMid = zip(residual0, attention).map(+)
        record("residual stream after attention", residualMid)

        // MLP.
        let normalized2 = layerNorm("ln2", input: residualMid, weight: weights.ln2Weight, bias: weights.ln2Bias)
        let hidden = product(normalized2, weights.wIn, columns: m, bias: weights.bIn[...])
        record("MLP hidden layer", hidden)
        let mlp = product(hidden, weights.wOut, columns: d, bias: weights.bOut[...])
        record("MLP output", mlp)
        let residualPost = zip(residualMid, mlp).map(+)
        record("residual stream after the MLP", residualPost)

        // Unembedding.
        let normalizedFinal = layerNorm("ln_final", input: residualPost, weight: weights.lnFinalWeight, bias: weights.lnFinalBias)
        let logits = product(normalizedFinal, weights.wU, columns: v, bias: weights.bU[...])
        record("logits", logits)
        record("logit margins", logits.map { 2 * $0 })
        self.stages = stages
    }

    /// The `info` warning, or nil when no fp32 pass can overflow.
    public var warning: String? {
        guard let worst = overflowingStages.max(by: { $0.bound < $1.bound }), let first = overflowingStages.first else { return nil }
        return "warning: the weights can overflow fp32 in the forward pass: the bound on |\(first.name)| is "
            + String(format: "%.3g", first.bound) + " (largest bound: |\(worst.name)| ≤ " + String(format: "%.3g", worst.bound)
            + "), above half of fp32's largest value (" + String(format: "%.3g", Self.limit)
            + "); fp32 logits may be infinite or NaN: enumerate re-decides such digits in fp64, run reports them undecided (try --precision fp64)"
    }
}
