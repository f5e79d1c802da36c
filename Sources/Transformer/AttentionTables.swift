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

    /// Builds the tables of `model`; a residual replacement of `ablation` replaces
    /// `embed + pos` at its position for every token (head replacements act later, in
    /// the kernel).
    init(model: AdditionModel, ablation: Ablation) {
        let config = model.config, w = model.weights, task = model.task
        let d = config.dModel, dh = config.dHead, heads = config.nHeads, v = config.dVocab
        let length = task.inputLength, slots = task.answerDigitCount

        // Residual entering the block at (position, token), in fp64.
        func residual(_ position: Int, _ token: Int) -> [Double] {
            if let replacement = ablation.residualReplacements[position] { return replacement.map(Double.init) }
            return (0..<d).map { Double(w.embed[token * d + $0]) + Double(w.positionEmbed[position * d + $0]) }
        }
        func project(_ x: UnsafePointer<Double>, _ weight: [Float], _ bias: [Float], head: Int) -> [Double] {
            var out = (0..<dh).map { Double(bias[head * dh + $0]) }
            for i in 0..<d {
                let row = (head * d + i) * dh
                for j in 0..<dh { out[j] += x[i] * Double(weight[row + j]) }
            }
            return out
        }
        // LN1 of every (position, token) row, [position · 12 + token][d], with the model's own eps.
        let residuals = (0..<length).flatMap { p in (0..<v).flatMap { t in residual(p, t) } }
        var normalized = [Double](repeating: 0, count: residuals.count)
        let ln1Weight = w.ln1Weight.map(Double.init), ln1Bias = w.ln1Bias.map(Double.init)
        normalized.withUnsafeMutableBufferPointer { output in
            EvaluationKernel<Double>.layerNorm(rows: length * v, width: d, residuals, into: output.baseAddress!,
                                               weight: ln1Weight, bias: ln1Bias, eps: config.eps)
        }
        var queries = [[[Double]]](), keys = [[[Double]]](), outputs = [Double](repeating: 0, count: heads * length * v * d)
        normalized.withUnsafeBufferPointer { normalized in
            for head in 0..<heads {
                var headQueries = [[Double]](), headKeys = [[Double]]()
                for p in 0..<length {
                    for t in 0..<v {
                        let x = normalized.baseAddress! + (p * v + t) * d
                        headQueries.append(project(x, w.wQ, w.bQ, head: head))
                        headKeys.append(project(x, w.wK, w.bK, head: head))
                        let value = project(x, w.wV, w.bV, head: head)
                        let offset = ((head * length + p) * v + t) * d
                        for i in 0..<d {
                            var sum = 0.0
                            for j in 0..<dh { sum += value[j] * Double(w.wO[(head * dh + j) * d + i]) }
                            outputs[offset + i] = sum
                        }
                    }
                }
                queries.append(headQueries)
                keys.append(headKeys)
            }
        }
        let scale = Double(dh).squareRoot()
        var scores = [Double](repeating: 0, count: heads * slots * v * length * v)
        for head in 0..<heads {
            for slot in 0..<slots {
                let queryPosition = task.equalsPosition + slot
                for queryToken in 0..<v {
                    let q = queries[head][queryPosition * v + queryToken]
                    for key in 0...queryPosition {
                        for keyToken in 0..<v {
                            let k = keys[head][key * v + keyToken]
                            var dot = 0.0
                            for j in 0..<dh { dot += q[j] * k[j] }
                            scores[(((head * slots + slot) * v + queryToken) * length + key) * v + keyToken] = dot / scale
                        }
                    }
                }
            }
        }
        var base = [Double](repeating: 0, count: slots * v * d)
        for slot in 0..<slots {
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
