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

    /// The question's pair-sum classes, least significant column first.
    static func classes(of question: Question) -> [PairSumClass] {
        (0..<question.task.digitCount).map { PairSumClass(pairSum: question.pairSum($0)) }
    }
}
