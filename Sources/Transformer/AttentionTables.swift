import AdditionTask

/// The one-layer model's (position, token) tables, built once in fp64 in fixed-order loops.
///
/// Everything before the attention softmax depends only on (position, token): LN1, the
/// queries and keys, so the scores q·k/√d_head, and each head's value mapped through
/// W_O. ``EvaluationKernel`` reads these tables (rounded to fp32 for the fast path,
/// unrounded for the fp64 path); the sparse path's bounds read them in fp64.
struct AttentionTables: Sendable {
    /// scores[((head · slots + slot) · 12 + queryToken) · length · 12 + key · 12 + keyToken]
    let scores: [Double]
    /// headOutputs[((head · length + key) · 12 + keyToken) · d ..< +d] = V·W_O of that key.
    let headOutputs: [Double]
    /// base[(slot · 12 + queryToken) · d ..< +d] = the query's own residual + b_O.
    let base: [Double]

    /// Builds the tables of `model`, with the residual at replaced positions (`embed + pos`
    /// replaced for every token) taken from `residualReplacements`; head replacements act
    /// later, in the kernel.
    ///
    /// With `unreplaced` (this model's tables without any residual replacement), only the
    /// entries a replaced position enters are computed again (its keys' outputs, the
    /// scores whose key or query is there, its own residual): each entry is computed by
    /// the same steps in the same order as in a full build, so the result has the same bits.
    init(model: AdditionModel, residualReplacements: [Int: [Float]], updating unreplaced: AttentionTables? = nil) {
        let config = model.config, w = model.weights, task = model.task
        let d = config.dModel, dh = config.dHead, heads = config.nHeads, v = config.dVocab
        let length = task.inputLength, slots = task.answerDigitCount
        // The positions whose entries are computed here: all, or the replaced ones.
        let changed: Set<Int> = unreplaced == nil ? Set(0..<length) : Set(residualReplacements.keys)
        // Residual entering the block at (position, token), in fp64.
        func residual(_ position: Int, _ token: Int) -> [Double] {
            if let replacement = residualReplacements[position] { return replacement.map(Double.init) }
            return (0..<d).map { Double(w.embed[token * d + $0]) + Double(w.positionEmbed[position * d + $0]) }
        }
        func project(_ x: [Double], _ weight: [Float], _ bias: [Float], head: Int) -> [Double] {
            var out = (0..<dh).map { Double(bias[head * dh + $0]) }
            out.withUnsafeMutableBufferPointer { out in
                weight.withUnsafeBufferPointer { weight in
                    for i in 0..<d {
                        let xi = x[i], row = weight.baseAddress! + (head * d + i) * dh
                        for j in 0..<dh { out[j] += xi * Double(row[j]) }
                    }
                }
            }
            return out
        }
        // LN1 output (the kernel's LayerNorm, with the model's own ε), queries and keys per
        // (position, token), computed when first needed.
        let ln1Weight = w.ln1Weight.map(Double.init), ln1Bias = w.ln1Bias.map(Double.init)
        var normalized = [[Double]?](repeating: nil, count: length * v)
        func ln1(_ p: Int, _ t: Int) -> [Double] {
            if let x = normalized[p * v + t] { return x }
            var x = [Double](repeating: 0, count: d)
            EvaluationKernel<Double>.layerNorm(rows: 1, width: d, residual(p, t), into: &x, weight: ln1Weight, bias: ln1Bias,
                                               eps: config.eps)
            normalized[p * v + t] = x
            return x
        }
        var queries = [[Double]?](repeating: nil, count: heads * length * v), keys = queries
        func query(_ head: Int, _ p: Int, _ t: Int) -> [Double] {
            if let q = queries[(head * length + p) * v + t] { return q }
            let q = project(ln1(p, t), w.wQ, w.bQ, head: head)
            queries[(head * length + p) * v + t] = q
            return q
        }
        func key(_ head: Int, _ p: Int, _ t: Int) -> [Double] {
            if let k = keys[(head * length + p) * v + t] { return k }
            let k = project(ln1(p, t), w.wK, w.bK, head: head)
            keys[(head * length + p) * v + t] = k
            return k
        }
        var outputs = unreplaced?.headOutputs ?? [Double](repeating: 0, count: heads * length * v * d)
        for head in 0..<heads {
            for p in 0..<length where changed.contains(p) {
                for t in 0..<v {
                    let value = project(ln1(p, t), w.wV, w.bV, head: head)
                    let offset = ((head * length + p) * v + t) * d
                    // outputs[i] = Σ_j value[j] · W_O[j, i], each sum from 0 in ascending j,
                    // with W_O read along its rows.
                    outputs.withUnsafeMutableBufferPointer { table in
                        w.wO.withUnsafeBufferPointer { wO in
                            let out = table.baseAddress! + offset
                            for i in 0..<d { out[i] = 0 }
                            for j in 0..<dh {
                                let vj = value[j], row = wO.baseAddress! + (head * dh + j) * d
                                for i in 0..<d { out[i] += vj * Double(row[i]) }
                            }
                        }
                    }
                }
            }
        }
        let scale = Double(dh).squareRoot()
        var scores = unreplaced?.scores ?? [Double](repeating: 0, count: heads * slots * v * length * v)
        for head in 0..<heads {
            for slot in 0..<slots {
                let queryPosition = task.equalsPosition + slot
                for queryToken in 0..<v {
                    for position in 0...queryPosition where changed.contains(queryPosition) || changed.contains(position) {
                        let q = query(head, queryPosition, queryToken)
                        for keyToken in 0..<v {
                            let k = key(head, position, keyToken)
                            var dot = 0.0
                            for j in 0..<dh { dot += q[j] * k[j] }
                            scores[(((head * slots + slot) * v + queryToken) * length + position) * v + keyToken] = dot / scale
                        }
                    }
                }
            }
        }
        var base = unreplaced?.base ?? [Double](repeating: 0, count: slots * v * d)
        for slot in 0..<slots where changed.contains(task.equalsPosition + slot) {
            for token in 0..<v {
                let r = residual(task.equalsPosition + slot, token)
                for i in 0..<d { base[(slot * v + token) * d + i] = r[i] + Double(w.bO[i]) }
            }
        }
        self.scores = scores
        self.headOutputs = outputs
        self.base = base
    }
}
