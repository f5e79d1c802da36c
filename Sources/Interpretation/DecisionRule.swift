import Foundation

/// How a measured quantity is compared with a threshold.
public enum RuleRelation: String, Codable, Hashable, Sendable {
    /// ≥
    case atLeast = ">="
    /// ≤
    case atMost = "<="
    /// >
    case above = ">"
    /// <
    case below = "<"

    func holds(_ value: Double, _ threshold: Double) -> Bool {
        switch self {
        case .atLeast: return value >= threshold
        case .atMost: return value <= threshold
        case .above: return value > threshold
        case .below: return value < threshold
        }
    }
}

/// One comparison of a named measured quantity with a threshold.
public struct RuleCondition: Codable, Hashable, Sendable, CustomStringConvertible {
    /// Name of the quantity, a key of ``DecisionRule/measured``.
    public var quantity: String
    /// The comparison.
    public var relation: RuleRelation
    /// The threshold.
    public var threshold: Double

    /// Creates a condition.
    public init(_ quantity: String, _ relation: RuleRelation, _ threshold: Double) {
        self.quantity = quantity
        self.relation = relation
        self.threshold = threshold
    }

    /// E.g. `cascade_error_rate >= 0.05`.
    public var description: String { "\(quantity) \(relation.rawValue) \(threshold)" }
}

/// The verdict of a claim.
public enum ClaimVerdict: String, Codable, Hashable, Sendable, CaseIterable {
    case holds, fails, undecided
}

/// A claim's decision rule as data: the measured quantities, the conditions under which it
/// holds (all of them) and fails (any of them); otherwise, or when a quantity is missing, undecided.
public struct DecisionRule: Codable, Hashable, Sendable, CustomStringConvertible {
    /// Measured quantities by name.
    public var measured: [String: Double]
    /// The claim holds when every one of these holds.
    public var holdsWhen: [RuleCondition]
    /// The claim fails when any of these holds (checked after `holdsWhen`).
    public var failsWhen: [RuleCondition]

    /// Creates a rule.
    public init(measured: [String: Double], holdsWhen: [RuleCondition], failsWhen: [RuleCondition]) {
        self.measured = measured.mapValues(rounded)
        self.holdsWhen = holdsWhen
        self.failsWhen = failsWhen
    }

    /// The verdict the rule gives for its measured quantities.
    public var verdict: ClaimVerdict {
        func check(_ condition: RuleCondition) -> Bool? {
            measured[condition.quantity].map { condition.relation.holds($0, condition.threshold) }
        }
        let holds = holdsWhen.map(check)
        if !holdsWhen.isEmpty, holds.allSatisfy({ $0 == true }) { return .holds }
        if failsWhen.contains(where: { check($0) == true }) { return .fails }
        return .undecided
    }

    /// E.g. `holds if a >= 0.05 and b >= 10; fails if a < 0.01; else undecided`.
    public var description: String {
        let holds = holdsWhen.map(\.description).joined(separator: " and ")
        let fails = failsWhen.map(\.description).joined(separator: " or ")
        return "holds if \(holds.isEmpty ? "never" : holds); fails if \(fails.isEmpty ? "never" : fails); else undecided"
    }
}
