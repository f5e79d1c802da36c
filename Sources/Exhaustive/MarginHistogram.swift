/// Counts of each question's smallest answer-digit margin (logit of the predicted
/// token minus the best other) in fixed bins: [0, 0.001), [0.001, 0.01), …, [32, ∞).
/// The margin counted is that of the evaluation that decided the question
/// (the exact one for near ties).
public struct MarginHistogram: Codable, Equatable, Sendable {
    /// Lower edges of the bins; bin i is [edges[i], edges[i+1]) and the last is open.
    public static let binLowerEdges: [Double] = [0, 0.001, 0.01, 0.1, 0.5, 1, 2, 4, 8, 16, 32]

    /// Lower edges, repeated in every file so the counts read on their own.
    public var lowerEdges: [Double]
    /// Questions per bin.
    public var counts: [Int]

    public init() { self.init(lowerEdges: Self.binLowerEdges) }

    /// Empty bins with these lower edges (increasing, the first 0).
    public init(lowerEdges: [Double]) {
        self.lowerEdges = lowerEdges
        counts = Array(repeating: 0, count: lowerEdges.count)
    }

    /// Questions counted.
    public var total: Int { counts.reduce(0, +) }

    /// Counts one margin (negative or NaN margins go to the first bin).
    public mutating func add(_ margin: Float) {
        let value = Double(margin)
        var bin = 0
        for (i, edge) in lowerEdges.enumerated() where value >= edge { bin = i }
        counts[bin] += 1
    }

    /// Adds another histogram's counts (same bins).
    public mutating func add(_ other: MarginHistogram) {
        for i in counts.indices where i < other.counts.count { counts[i] += other.counts[i] }
    }
}
