import Foundation

extension QuestionSample {
    /// A uniform random sample of `size` questions, without repeats, from the union of the
    /// index ranges `frame` (in order, not overlapping), reproducible from `seed`, in
    /// increasing order: the sample of ``init(size:population:seed:)`` over the frame's
    /// question count, each position mapped to the index at that position of the frame.
    /// With `frame == [0..<population]` it is that sample exactly.
    public init(size: Int, frame: [Range<Int>], seed: UInt64) {
        let positions = QuestionSample(size: size, population: frame.reduce(0) { $0 + $1.count }, seed: seed).indices
        var indices: [Int] = []
        indices.reserveCapacity(positions.count)
        var rangeIndex = 0
        var before = 0  // questions of the frame in the ranges before frame[rangeIndex]
        for position in positions {  // increasing, so the ranges are walked once
            while position - before >= frame[rangeIndex].count {
                before += frame[rangeIndex].count
                rangeIndex += 1
            }
            indices.append(frame[rangeIndex].lowerBound + position - before)
        }
        self.init(seed: seed, indices: indices)
    }

    /// A sample of the given indices (sorted, without repeats) drawn with `seed`.
    init(seed: UInt64, indices: [Int]) {
        self.seed = seed
        self.indices = indices
    }
}
