import AdditionTask
import Foundation

/// The result of counting one difference set exactly.
public enum ExactCount: Equatable, Sendable {
    /// The exact number of questions in the set, the number of disjoint cubes it was found as,
    /// and one question in it (operand digits, least significant first), nil when the set is empty.
    case exact(questions: UInt128, cubes: Int, example: (first: [Int], second: [Int])?)
    /// The work limit was reached first; the text says which limit. Never a partial count.
    case unknown(String)

    /// The count when exact.
    public var questions: UInt128? {
        if case .exact(let questions, _, _) = self { return questions }
        return nil
    }

    public static func == (lhs: ExactCount, rhs: ExactCount) -> Bool {
        switch (lhs, rhs) {
        case (.exact(let a, let b, let c), .exact(let x, let y, let z)):
            return a == x && b == y && c?.first == z?.first && c?.second == z?.second
        case (.unknown(let a), .unknown(let b)): return a == b
        default: return false
        }
    }
}

/// The algorithm's digit on a leaf of the case split.
enum LeafDigit: Equatable {
    /// The same value on every question of the leaf.
    case constant(Int)
    /// (BA(k) + r) mod 10 with the same r on every question of the leaf (a rule of that form).
    case baseAddPlus(Int)
}

/// One cube at the end of a branch: the algorithm's digit (or, for rules (BA(k) + r) mod 10, r) and
/// true addition's carry into the digit's column are constant on it, and so is whether the digit is wrong.
struct DifferenceLeaf {
    /// One digit-pair mask per column, least significant first.
    var columns: [UInt128]
    /// The answer digit A(place).
    var place: Int
    /// The algorithm's value of A(place) on the cube.
    var algorithmValue: LeafDigit
    /// True addition's carry into column `place` on every question of the cube.
    var trueCarry: Int
    /// Whether A(place) differs from true addition on every question of the cube (else on none).
    var differs: Bool

    /// The number of questions in the cube.
    var questionCount: UInt128 { columns.reduce(UInt128(1)) { $0 * UInt128($1.nonzeroBitCount) } }
}

/// Exact sizes of an algorithm's difference sets (the questions where its answer digit A(k), or
/// any digit, differs from true addition), by case splitting on columns, without a solver.
///
/// A cube is one digit-pair mask per column (all 100 pairs at the start). The algorithm's rule is
/// evaluated over the cube (``MaskFormula``); where a feature it needs is not constant on the
/// cube, the cube is cut into the parts on which that feature is constant, and each part is
/// evaluated again. True addition's digit is (BA(k) + c_k) mod 10 (A(n) = c_n), where the carry
/// c_k is MC1 of the first column below k whose pair sum is not 9 (0 if there is none); it is
/// evaluated the same way, cutting a column by pair-sum class where needed. Once the algorithm's
/// value v and the carry c are constant, A(k) is wrong exactly on the pairs of column k whose
/// base add is not (v − c) mod 10 (all of them when v is not a digit), which cuts column k once
/// more. The leaves are disjoint and cover every question, so the count is the sum of the sizes
/// (products of popcounts) of the leaves where the digit is wrong.
///
/// The work is bounded by a number of cubes visited (deterministic) and optionally a deadline;
/// past either, the count is ``ExactCount/unknown(_:)``.
public struct ExactDifferenceCounter: Sendable {
    /// Default limit of cubes visited per count.
    public static let defaultMaximumCubes = 20_000_000

    /// n.
    public let digitCount: Int
    /// Limit of cubes visited per count.
    public let maximumCubes: Int
    /// Wall-clock limit, nil for none.
    public let deadline: Date?
    /// A rule prepared for the case split.
    private enum PreparedRule: Sendable {
        /// Any rule.
        case general(MaskFormula)
        /// (BA(k) + rest) mod 10: a rule `mod10(add(…))` with a term BA(k) or S(k) (S(k) ≡ BA(k) mod 10).
        /// Its digit equals true addition's (BA(k) + c_k) mod 10 exactly when rest ≡ c_k (mod 10),
        /// whatever BA(k) is, so column k need not be cut by base add.
        case baseAddPlus(rest: MaskFormula)

        init(_ rule: DigitRule) {
            if case .formula(.mod10(.add(let terms))) = rule,
               let index = terms.firstIndex(where: { $0 == .feature(ColumnFeature(.baseAdd, offset: 0)) || $0 == .feature(ColumnFeature(.pairSum, offset: 0)) }) {
                var rest = terms
                rest.remove(at: index)
                self = .baseAddPlus(rest: MaskFormula(.add(rest)))
            } else {
                self = .general(MaskFormula(rule))
            }
        }
    }

    /// The prepared rule of each answer digit, indexed by place k = 0…n.
    private let rules: [PreparedRule]

    /// A counter for `algorithm` on `digitCount`-digit questions.
    public init(_ algorithm: PerDigitAlgorithm, digitCount: Int, maximumCubes: Int = defaultMaximumCubes, deadline: Date? = nil) {
        precondition(digitCount >= 1, "the number of digits must be at least 1")
        self.digitCount = digitCount
        self.maximumCubes = maximumCubes
        self.deadline = deadline
        rules = (0...digitCount).map { PreparedRule(algorithm.rule(place: $0, digitCount: digitCount)) }
    }

    /// The exact number of questions where A(`place`) differs from true addition.
    public func count(place: Int) -> ExactCount {
        precondition((0...digitCount).contains(place), "no answer digit A\(place)")
        return count(places: [place])
    }

    /// The exact number of questions where some answer digit differs from true addition.
    public func countAnyDigit() -> ExactCount {
        count(places: Array((0...digitCount).reversed()))
    }

    private func count(places: [Int]) -> ExactCount {
        var total: UInt128 = 0
        var cubes = 0
        var example: (first: [Int], second: [Int])?
        let stop = explore(places: places) { leaf in
            guard leaf.differs else { return }
            total += leaf.questionCount
            cubes += 1
            if example == nil {
                let pairs = leaf.columns.map(DigitPairMask.firstPair)
                example = (pairs.map(\.first), pairs.map(\.second))
            }
        }
        if let stop { return .unknown(stop) }
        return .exact(questions: total, cubes: cubes, example: example)
    }

    /// Visits the leaves of the case split for `places` (in order: a leaf where the digit is right
    /// goes on to the next place; a leaf where it is wrong, or right at the last place, is visited).
    /// Returns why it stopped early, or nil when every leaf was visited.
    func explore(places: [Int], visit: (DifferenceLeaf) -> Void) -> String? {
        precondition(!places.isEmpty)
        var stack: [(columns: [UInt128], step: Int)] = [([UInt128](repeating: DigitPairMask.all, count: digitCount), 0)]
        var visited = 0
        func pushParts(of columns: [UInt128], step: Int, by split: MaskSplit) {
            let mask = columns[split.column]
            for part in split.parts.reversed() where part & mask != 0 {
                var child = columns
                child[split.column] = part & mask
                stack.append((child, step))
            }
        }
        func leaf(_ columns: [UInt128], step: Int, value: LeafDigit, carry: Int, differs: Bool) {
            if !differs && step + 1 < places.count {
                stack.append((columns, step + 1))
            } else {
                visit(DifferenceLeaf(columns: columns, place: places[step], algorithmValue: value, trueCarry: carry, differs: differs))
            }
        }
        while let (columns, step) = stack.popLast() {
            visited += 1
            if visited > maximumCubes {
                return "the exact count needs more than \(maximumCubes) cubes"
            }
            if visited % 4096 == 0, let deadline, Date() >= deadline {
                return "the time budget was used up during the exact count"
            }
            let place = places[step]
            let formula: MaskFormula
            var plusBaseAdd = false
            switch rules[place] {
            case .general(let rule): formula = rule
            case .baseAddPlus(let rest): formula = rest; plusBaseAdd = true
            }
            let value: Int
            switch formula.evaluate(place: place, columns: columns) {
            case .split(let split): pushParts(of: columns, step: step, by: split); continue
            case .constant(let constant): value = constant
            }
            let carry: Int
            switch Self.trueCarry(into: place, columns: columns) {
            case .split(let split): pushParts(of: columns, step: step, by: split); continue
            case .constant(let constant): carry = constant
            }
            if plusBaseAdd && place < digitCount {
                // (BA(k) + r) mod 10 = (BA(k) + c) mod 10 exactly when r ≡ c (mod 10), on the whole cube.
                leaf(columns, step: step, value: .baseAddPlus(value), carry: carry, differs: ((value - carry) % 10 + 10) % 10 != 0)
                continue
            }
            // Column n is outside the operands (BA = 0), so there the rule's value is r mod 10.
            let digit = plusBaseAdd ? ((value % 10) + 10) % 10 : value
            if place == digitCount {
                // A(n) = c_n.
                leaf(columns, step: step, value: .constant(digit), carry: carry, differs: digit != carry)
                continue
            }
            if !(0...9).contains(digit) {
                // Not a digit: wrong on every question of the cube.
                leaf(columns, step: step, value: .constant(digit), carry: carry, differs: true)
                continue
            }
            // A(k) = (BA(k) + c) mod 10 equals v exactly where BA(k) = (v - c) mod 10.
            let right = columns[place] & DigitPairMask.baseAdd[(digit - carry + 10) % 10]
            let wrong = columns[place] & ~right
            if wrong != 0 {
                var part = columns
                part[place] = wrong
                leaf(part, step: step, value: .constant(digit), carry: carry, differs: true)
            }
            if right != 0 {
                var part = columns
                part[place] = right
                leaf(part, step: step, value: .constant(digit), carry: carry, differs: false)
            }
        }
        return nil
    }

    /// True addition's carry into column `place` over the cube: MC1 of the first column below
    /// `place` whose pair sum is not 9 (0 when every lower column sums to 9).
    static func trueCarry(into place: Int, columns: [UInt128]) -> MaskValue {
        var column = min(place, columns.count) - 1
        while column >= 0 {
            let mask = columns[column]
            if mask & ~DigitPairMask.sumNine == 0 { column -= 1; continue }
            if mask & ~DigitPairMask.makesCarry == 0 { return .constant(1) }
            if mask & (DigitPairMask.makesCarry | DigitPairMask.sumNine) == 0 { return .constant(0) }
            return .split(.pairSumClass(column: column))
        }
        return .constant(0)
    }
}
