import AdditionTask
import Exhaustive
import Foundation

/// The paper's question categories, by the carries true addition makes.
public enum QuestionCategory: Hashable, Sendable, Comparable {
    /// No carry anywhere (every column's pair sum plus carry is below 10).
    case baseAddOnly
    /// Some carry, but no carry passes through a sum-9 column.
    case simpleCarry
    /// The longest carry cascade passes through `length` sum-9 columns (1 = one US9 link).
    case cascade(length: Int)

    /// The category of `question`.
    public init(_ question: Question) {
        let chain = question.carries
        guard chain.carryInto.contains(true) else { self = .baseAddOnly; return }
        let longest = (1...question.task.digitCount).map { chain.cascadeLength(into: $0) }.max() ?? 0
        self = longest == 0 ? .simpleCarry : .cascade(length: longest)
    }

    /// Every category that exists for n digits (cascades up to length n - 1).
    public static func all(digitCount n: Int) -> [QuestionCategory] {
        [.baseAddOnly, .simpleCarry] + (n >= 2 ? (1...(n - 1)).map { .cascade(length: $0) } : [])
    }

    /// Stable name used in JSON: `base_add`, `simple_carry`, `sum9_cascade_1`, ….
    public var name: String {
        switch self {
        case .baseAddOnly: return "base_add"
        case .simpleCarry: return "simple_carry"
        case .cascade(let length): return "sum9_cascade_\(length)"
        }
    }

    /// One-line description in the paper's vocabulary.
    public var summary: String {
        switch self {
        case .baseAddOnly: return "no carries anywhere (BA only)"
        case .simpleCarry: return "a carry that passes no sum-9 column (MC1/UC1)"
        case .cascade(1): return "a carry passing exactly one sum-9 column (one US9 link)"
        case .cascade(let length): return "a carry cascading through \(length) sum-9 columns (cascading US9)"
        }
    }

    var rank: Int {
        switch self {
        case .baseAddOnly: return 0
        case .simpleCarry: return 1
        case .cascade(let length): return 1 + length
        }
    }

    public static func < (lhs: QuestionCategory, rhs: QuestionCategory) -> Bool { lhs.rank < rhs.rank }
}

/// The questions of one category used for ablation: every question of the category,
/// or a seeded sample of it.
public struct CategorySample: Sendable {
    /// The category.
    public var category: QuestionCategory
    /// Canonical indices, sorted.
    public var indices: [Int]
    /// How the indices were chosen.
    public var coverage: Coverage
}

enum CategorySampler {
    /// Samples of each category. With `allCategories` (an exhaustive classification
    /// of every question) each category is sampled uniformly, or taken whole when
    /// it has at most `size` questions. Otherwise questions are drawn uniformly at
    /// random (for common categories) or constructed (cascades: a C column with
    /// `length` sum-9 columns above it, other columns random; kept only if the
    /// question's category is exactly that cascade length).
    static func samples(task: AdditionTask, size: Int, seed: UInt64, allCategories: [QuestionCategory]?) -> [CategorySample] {
        var generator = SeededGenerator(seed: seed)
        var result: [CategorySample] = []
        if let allCategories {
            var members: [QuestionCategory: [Int]] = [:]
            for (index, category) in allCategories.enumerated() { members[category, default: []].append(index) }
            for category in QuestionCategory.all(digitCount: task.digitCount) {
                let all = members[category] ?? []
                if all.count <= size {
                    result.append(CategorySample(category: category, indices: all, coverage: Coverage(kind: .exhaustive, questions: all.count, population: all.count)))
                } else {
                    var pool = all
                    for i in 0..<size { pool.swapAt(i, i + generator.below(pool.count - i)) }
                    result.append(CategorySample(category: category, indices: pool[0..<size].sorted(),
                                                 coverage: Coverage(kind: .sampled, questions: size, population: all.count, seed: seed)))
                }
            }
            return result
        }
        let n = task.digitCount
        for category in QuestionCategory.all(digitCount: n) {
            var chosen = Set<Int>()
            var attempts = 0
            while chosen.count < size, attempts < size * 200 {
                attempts += 1
                var first = (0..<n).map { _ in generator.below(10) }
                var second = (0..<n).map { _ in generator.below(10) }
                if case .cascade(let length) = category {
                    let start = generator.below(n - length)
                    let (d, e) = randomPair(sumAtLeast: 10, using: &generator)
                    first[start] = d; second[start] = e
                    for column in (start + 1)...(start + length) {
                        let x = generator.below(10)
                        first[column] = x; second[column] = 9 - x
                    }
                } else if category == .baseAddOnly {
                    for column in 0..<n {
                        let x = generator.below(10)
                        first[column] = x; second[column] = generator.below(10 - x)
                    }
                }
                let index = task.index(firstDigits: first, secondDigits: second)
                if QuestionCategory(task.question(atIndex: index)) == category { chosen.insert(index) }
            }
            let kind: CoverageKind
            switch category {
            case .cascade: kind = .constructed
            case .baseAddOnly: kind = .constructed
            case .simpleCarry: kind = .sampled
            }
            result.append(CategorySample(category: category, indices: chosen.sorted(), coverage: Coverage(kind: kind, questions: chosen.count, seed: seed)))
        }
        return result
    }

    static func randomPair(sumAtLeast minimum: Int, using generator: inout SeededGenerator) -> (Int, Int) {
        while true {
            let d = generator.below(10), e = generator.below(10)
            if d + e >= minimum { return (d, e) }
        }
    }
}
