import AdditionTask
import Exhaustive
import Proofs

/// The carry chain into one answer digit, written as a wildcard cube in the notation
/// of `carrylens prove` (``ColumnCube``: one token per column, most significant first,
/// `C`, `9`, `_` or `*`).
///
/// Under true addition the carry into column k is settled by columns k-1, k-2, … down
/// to the first column whose pair sum is not 9 (a `C` sends a carry, a `_` stops it;
/// nine-sum columns only pass on what arrives from below). The chain keeps exactly
/// those columns and writes `*` for all others: column k and above do not feed the
/// carry, and columns below the settling one do not change it. For A(k) with
/// columns k-1…0 = `99_C`, the chain is `99_*` below the `*`s of columns n-1…k.
/// A0 has no carry in: its chain is all `*`.
public struct CarryChainKey: Hashable, Sendable, Comparable {
    /// The answer digit whose carry the chain decides.
    public var digit: AnswerDigit
    /// The chain as a wildcard cube.
    public var cube: ColumnCube

    /// The chain of `digit` in a question with the given pair-sum classes
    /// (least significant column first).
    public init(digit: AnswerDigit, classes: [PairSumClass]) {
        var columns = [ColumnConstraint](repeating: .free, count: classes.count)
        var column = min(digit.place, classes.count) - 1
        while column >= 0 {
            columns[column] = .pairClass(classes[column])
            if classes[column] != .sumNine { break }
            column -= 1
        }
        self.digit = digit
        self.cube = ColumnCube(columns: columns)
    }

    /// The pattern text, e.g. `*99_*`.
    public var pattern: String { cube.pattern }

    /// Whether true addition carries into the digit for every question of the chain:
    /// the settling column is `C` (a chain of nines down to column 0, or A0, carries nothing).
    public var carriesIn: Bool {
        for constraint in cube.columns where constraint != .free {
            return constraint == .pairClass(.makesCarry)
        }
        return false
    }

    /// Orders by digit (most significant first), then pattern text.
    public static func < (lhs: CarryChainKey, rhs: CarryChainKey) -> Bool {
        lhs.digit != rhs.digit ? lhs.digit > rhs.digit : lhs.pattern < rhs.pattern
    }
}

/// One row of the failure table: the wrong answers at one digit among the questions
/// whose carry chain into that digit is one pattern.
public struct CarryChainFailureGroup: Hashable, Sendable {
    public var key: CarryChainKey
    /// Questions of the chain whose answer digit was wrong.
    public var wrong: Int
    /// Questions of the chain in scope (every question of the run, or of the sample).
    public var questions: Int

    /// `wrong / questions` (0 when the chain has no question in scope).
    public var rate: Double { questions > 0 ? Double(wrong) / Double(questions) : 0 }
}

/// Wrong answer digits grouped by digit and carry chain, with denominators, largest first.
public struct CarryChainFailures: Sendable {
    /// Every group with at least one wrong digit, most wrong first (ties: higher rate,
    /// then more significant digit, then pattern text).
    public var groups: [CarryChainFailureGroup]
    /// Wrong answer digits in all (a question wrong at two digits counts twice).
    public var wrongDigits: Int { groups.reduce(0) { $0 + $1.wrong } }

    /// Groups `failures`; `questionsWithChain` gives each group's denominator.
    public init(failures: [FailureRecord], task: AdditionTask, questionsWithChain: (CarryChainKey) -> Int) {
        var wrong: [CarryChainKey: Int] = [:]
        for failure in failures {
            let classes = CarryChainFailures.classes(of: Question(a: failure.a, b: failure.b, task: task))
            for digit in failure.wrongDigits { wrong[CarryChainKey(digit: digit, classes: classes), default: 0] += 1 }
        }
        groups = wrong.map { CarryChainFailureGroup(key: $0.key, wrong: $0.value, questions: questionsWithChain($0.key)) }
            .sorted { lhs, rhs in
                if lhs.wrong != rhs.wrong { return lhs.wrong > rhs.wrong }
                if lhs.rate != rhs.rate { return lhs.rate > rhs.rate }
                return lhs.key < rhs.key
            }
    }

    /// Denominators when every one of the 10^(2n) questions was in scope: a chain's exact
    /// size, the product of its columns' digit-pair counts (``ColumnCube/questionCount``).
    public static func wholeSpaceCount(_ key: CarryChainKey) -> Int { Int(key.cube.questionCount) }

    /// Denominators counted over the questions that were in scope (a sample or a range of
    /// indices): how many of them have each chain, for every answer digit.
    public static func counts<S: Sequence>(overQuestionIndices indices: S, task: AdditionTask) -> [CarryChainKey: Int] where S.Element == Int {
        let digits = task.answerDigits
        var counts: [CarryChainKey: Int] = [:]
        for index in indices {
            let classes = classes(of: task.question(atIndex: index))
            for digit in digits { counts[CarryChainKey(digit: digit, classes: classes), default: 0] += 1 }
        }
        return counts
    }

    /// Denominators over whole ranges of question indices, in closed form: how many
    /// questions of `ranges` have the chain of `key`, without visiting them. An index is
    /// a's n digits then b's n digits (most significant first), so [0, X) splits into at
    /// most 2n · 9 blocks that fix a prefix of those 2n digits and leave the rest free; in
    /// such a block the count is the product over columns of the digit pairs the chain
    /// allows given the column's fixed digits. Exact for any range (checked against
    /// ``counts(overQuestionIndices:task:)`` in the tests).
    public static func count(_ key: CarryChainKey, overIndexRanges ranges: [Range<Int>], task: AdditionTask) -> Int {
        ranges.reduce(0) { total, range in
            total + countBelow(range.upperBound, key.cube, task: task) - countBelow(range.lowerBound, key.cube, task: task)
        }
    }

    /// Questions with index below `bound` whose columns satisfy `cube`.
    static func countBelow(_ bound: Int, _ cube: ColumnCube, task: AdditionTask) -> Int {
        let n = task.digitCount
        guard bound > 0 else { return 0 }
        guard bound < task.questionCount else { return Int(cube.questionCount) }
        // The 2n digits of `bound`, most significant first: a's digits, then b's.
        var digits = [Int](repeating: 0, count: 2 * n)
        var rest = bound
        for position in stride(from: 2 * n - 1, through: 0, by: -1) {
            digits[position] = rest % 10
            rest /= 10
        }
        var total = 0
        var prefix = [Int](repeating: 0, count: 2 * n)
        for position in 0..<(2 * n) {
            for digit in 0..<digits[position] {
                prefix[position] = digit
                total += blockCount(fixed: position + 1, prefix: prefix, cube, n: n)
            }
            prefix[position] = digits[position]
        }
        return total
    }

    /// Questions of the block whose first `fixed` index digits are `prefix` that satisfy `cube`.
    private static func blockCount(fixed: Int, prefix: [Int], _ cube: ColumnCube, n: Int) -> Int {
        var product = 1
        for column in 0..<n {
            let constraint = column < cube.columns.count ? cube.columns[column] : .free
            let aPosition = n - 1 - column, bPosition = 2 * n - 1 - column
            let firstDigits = aPosition < fixed ? prefix[aPosition]...prefix[aPosition] : 0...9
            let secondDigits = bPosition < fixed ? prefix[bPosition]...prefix[bPosition] : 0...9
            var allowed = 0
            for first in firstDigits {
                for second in secondDigits where constraint.allows(first: first, second: second) { allowed += 1 }
            }
            product *= allowed
            if product == 0 { return 0 }
        }
        return product
    }

    /// The question's pair-sum classes, least significant column first.
    static func classes(of question: Question) -> [PairSumClass] {
        (0..<question.task.digitCount).map { PairSumClass(pairSum: question.pairSum($0)) }
    }
}
