import AdditionTask

/// Sets of digit pairs (d, d') of one column as 100-bit masks: bit 10·d + d' is set when the
/// pair is in the set. A product of one mask per column is a set of questions (a cube); its
/// size is the product of the masks' popcounts.
enum DigitPairMask {
    /// Every digit pair (100 bits).
    static let all: UInt128 = (UInt128(1) << 100) - 1

    /// The bit of digit pair (`first`, `second`).
    static func bit(first: Int, second: Int) -> UInt128 { UInt128(1) << (10 * first + second) }

    /// The pairs whose pair sum is in `sums`.
    static func pairs(withSums sums: ClosedRange<Int>) -> UInt128 {
        var mask: UInt128 = 0
        for first in 0...9 { for second in 0...9 where sums.contains(first + second) { mask |= bit(first: first, second: second) } }
        return mask
    }

    /// The pairs of each value of a feature: `masks[i]` holds the pairs whose value is `values[i]`
    /// (disjoint parts covering all 100 pairs).
    struct Partition: Sendable {
        let values: [Int]
        let masks: [UInt128]

        init(_ kind: FeatureKind) {
            var byValue: [Int: UInt128] = [:]
            for first in 0...9 {
                for second in 0...9 { byValue[kind.value(first: first, second: second), default: 0] |= DigitPairMask.bit(first: first, second: second) }
            }
            values = byValue.keys.sorted()
            masks = values.map { byValue[$0]! }
        }
    }

    private static let baseAddPartition = Partition(.baseAdd)
    private static let makesCarryPartition = Partition(.makesCarry)
    private static let sumNinePartition = Partition(.sumNine)
    private static let pairSumPartition = Partition(.pairSum)
    private static let firstDigitPartition = Partition(.firstDigit)
    private static let secondDigitPartition = Partition(.secondDigit)

    /// The pairs of each value of `kind`.
    static func partition(_ kind: FeatureKind) -> Partition {
        switch kind {
        case .baseAdd: return baseAddPartition
        case .makesCarry: return makesCarryPartition
        case .sumNine: return sumNinePartition
        case .pairSum: return pairSumPartition
        case .firstDigit: return firstDigitPartition
        case .secondDigit: return secondDigitPartition
        }
    }

    /// The pair-sum classes C, 9, _ (disjoint, covering all pairs), as used by the carry of true addition.
    static let classes: [UInt128] = PairSumClass.allCases.map { pairs(withSums: $0.pairSums) }
    /// Pairs with pair sum ≥ 10 (the column makes a carry).
    static let makesCarry = pairs(withSums: 10...18)
    /// Pairs with pair sum 9 (the column passes a carry on).
    static let sumNine = pairs(withSums: 9...9)

    /// The pairs whose base add (pair sum mod 10) is `digit`, for digit 0…9.
    static let baseAdd: [UInt128] = (0...9).map { digit in pairs(withSums: digit...digit) | (digit + 10 <= 18 ? pairs(withSums: (digit + 10)...(digit + 10)) : 0) }

    /// The digit pair of the lowest set bit of a non-empty mask.
    static func firstPair(_ mask: UInt128) -> (first: Int, second: Int) {
        let index = mask.trailingZeroBitCount
        return (index / 10, index % 10)
    }

    /// Every digit pair in the mask, lowest bit first.
    static func pairsIn(_ mask: UInt128) -> [(first: Int, second: Int)] {
        var rest = mask, result: [(first: Int, second: Int)] = []
        while rest != 0 {
            result.append(firstPair(rest))
            rest &= rest - 1
        }
        return result
    }
}
