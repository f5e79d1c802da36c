import AdditionTask

/// Shard I (0-based) of N over `total` questions: indices [⌊I·T/N⌋, ⌊(I+1)·T/N⌋).
///
/// Computed with full-width (128-bit) products, so it is exact for T = 10^18 (n = 9).
/// Consecutive shards are contiguous and together cover [0, T) exactly once.
public struct Shard: Hashable, Sendable, CustomStringConvertible {
    /// I, 0-based.
    public let index: Int
    /// N ≥ 1.
    public let count: Int

    /// Creates shard `index` of `count`, or throws unless 0 ≤ index < count.
    public init(index: Int, of count: Int) throws {
        guard count >= 1, index >= 0, index < count else {
            throw ExhaustiveError.malformedShard("\(index)/\(count)")
        }
        self.index = index
        self.count = count
    }

    /// Parses `I/N`, e.g. `3/16`.
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2,
              let index = Int(parts[0].trimmingCharacters(in: .whitespaces)),
              let count = Int(parts[1].trimmingCharacters(in: .whitespaces)),
              count >= 1, index >= 0, index < count else {
            throw ExhaustiveError.malformedShard(text)
        }
        self.index = index
        self.count = count
    }

    /// The whole range as one shard.
    public static let whole = Shard(validIndex: 0, count: 1)

    private init(validIndex: Int, count: Int) {
        self.index = validIndex
        self.count = count
    }

    public var description: String { "\(index)/\(count)" }

    /// ⌊i·total/count⌋ for 0 ≤ i ≤ count, exact for any non-negative `total` ≤ Int.max.
    public static func boundary(_ i: Int, of count: Int, total: Int) -> Int {
        precondition(i >= 0 && i <= count && count >= 1 && total >= 0, "shard boundary out of range")
        let product = UInt(total).multipliedFullWidth(by: UInt(i))
        let (quotient, _) = UInt(count).dividingFullWidth(product)
        return Int(quotient)
    }

    /// The canonical indices this shard covers among `total` questions.
    public func range(total: Int) -> Range<Int> {
        Self.boundary(index, of: count, total: total)..<Self.boundary(index + 1, of: count, total: total)
    }

    /// The canonical indices this shard covers for `task` (T = 10^(2n)).
    public func range(for task: AdditionTask) -> Range<Int> { range(total: task.questionCount) }
}
