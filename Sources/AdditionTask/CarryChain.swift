/// The class of a column's pair sum s_k = D_k + D'_k, in the paper's vocabulary:
/// MC1 (makes a carry, s ≥ 10), MS9 (sum 9, passes a carry on), or neither.
public enum PairSumClass: Character, CaseIterable, Hashable, Sendable, Codable {
    /// s ≥ 10: the column makes a carry (MC1). Written `C`.
    case makesCarry = "C"
    /// s = 9: the column passes an incoming carry on (MS9). Written `9`.
    case sumNine = "9"
    /// s < 9: the column neither makes nor passes a carry. Written `_`.
    case belowNine = "_"

    public init(pairSum: Int) {
        self = pairSum >= 10 ? .makesCarry : (pairSum == 9 ? .sumNine : .belowNine)
    }

    /// The pair sums (0…18) in this class.
    public var pairSums: ClosedRange<Int> {
        switch self {
        case .makesCarry: return 10...18
        case .sumNine: return 9...9
        case .belowNine: return 0...8
        }
    }

    /// How many digit pairs (d, d') in 0…9 × 0…9 fall in this class (45, 10, 45).
    public var digitPairCount: Int {
        pairSums.reduce(0) { $0 + digitPairs(withSum: $1) }
    }
}

/// Number of digit pairs (d, d') with d + d' = s, for s in 0…18.
public func digitPairs(withSum s: Int) -> Int {
    guard (0...18).contains(s) else { return 0 }
    return s <= 9 ? s + 1 : 19 - s
}

/// The pair-sum classes of all columns of a question, most significant column first,
/// written as a string of `C`, `9` and `_` (e.g. `_99C_` for n = 5).
public struct CarryPattern: Hashable, Sendable, CustomStringConvertible, Codable {
    /// Classes, most significant column first.
    public let classes: [PairSumClass]

    public init(classes: [PairSumClass]) { self.classes = classes }

    /// Parses a pattern string of `C`, `9`, `_`.
    public init(_ text: String) throws {
        var classes: [PairSumClass] = []
        for character in text {
            guard let value = PairSumClass(rawValue: character) else {
                throw AdditionTaskError.malformedPattern(text)
            }
            classes.append(value)
        }
        guard !classes.isEmpty else { throw AdditionTaskError.malformedPattern(text) }
        self.classes = classes
    }

    /// The class of column k (0 = least significant).
    public func column(_ k: Int) -> PairSumClass { classes[classes.count - 1 - k] }

    public var description: String { String(classes.map(\.rawValue)) }

    /// The number of questions with this pattern: the product of each class's digit-pair count.
    public var questionCount: Int { classes.reduce(1) { $0 * $1.digitPairCount } }
}

/// The carry chain of true addition: c_0 = 0, c_(k+1) = [s_k + c_k ≥ 10].
public struct CarryChain: Hashable, Sendable {
    /// carryInto[k] = c_k for k in 0…n (c_n is the final carry A(n)).
    public let carryInto: [Bool]
    /// The pair sums s_0…s_(n-1).
    public let pairSums: [Int]

    public init(question: Question) {
        let n = question.task.digitCount
        var sums: [Int] = []
        var carries: [Bool] = [false]
        for k in 0..<n {
            let s = question.pairSum(k)
            sums.append(s)
            carries.append(s + (carries[k] ? 1 : 0) >= 10)
        }
        self.pairSums = sums
        self.carryInto = carries
    }

    /// The length of the carry cascade answer digit A(k) needs: the number of
    /// sum-9 columns directly below column k that the carry into column k passed
    /// through. 0 when there is no carry into column k or it was made at column k-1.
    public func cascadeLength(into place: Int) -> Int {
        guard place > 0, carryInto[place] else { return 0 }
        var length = 0
        var column = place - 1
        while column >= 0, pairSums[column] == 9 {
            length += 1
            column -= 1
        }
        return length
    }
}
