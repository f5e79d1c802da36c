import AdditionTask
import Foundation

/// The role of one head at one answer slot, from its attention and ablation.
public struct HeadRole: Codable, Hashable, Sendable {
    /// Answer slot (0 = `=`).
    public var slot: Int
    /// E.g. `A3`.
    public var digit: String
    /// k of A(k).
    public var place: Int
    /// Head index.
    public var head: Int
    /// What the head does, from the column it reads.
    public var role: Kind
    /// The column with the most attention mass.
    public var readsColumn: Int
    /// readsColumn - k.
    public var readsColumnOffset: Int
    /// Mean attention mass on that column.
    public var attentionMass: Double
    /// The category where ablating this head should hurt if the role is right (`base_add` for BA,
    /// `simple_carry` for MC1, `sum9_cascade_1` for MS9/US9).
    public var expectedCategory: String?
    /// Whether mean ablation of this head lowers A(k)'s accuracy by at least ``RolesReport/confirmationThreshold`` there.
    public var confirmedByAblation: Bool
    /// Drop of A(k)'s accuracy under mean ablation, per category (baseline minus ablated).
    public var meanAblationAccuracyDrop: [String: Double]
    /// Drop of A(k)'s accuracy under zero ablation, per category.
    public var zeroAblationAccuracyDrop: [String: Double]
    /// One line with the numbers.
    public var evidence: String
}

extension HeadRole {
    /// A head's role at one answer digit A(k), named by the column it reads (the paper's
    /// sub-tasks); the raw values are the names in roles.json and the report.
    public enum Kind: String, Codable, Hashable, Sendable, CaseIterable {
        /// Base add: reads column k (the digit's own pair).
        case baseAdd = "BA"
        /// Make carry 1: reads column k-1.
        case makeCarry = "MC1"
        /// Make sum 9 / use sum 9: reads column k-2.
        case makeSum9 = "MS9/US9"
        /// Reads column k-3 or below (a longer cascade of sum-9 columns).
        case cascadeSum9 = "cascade US9"
        /// Attends to no single column strongly enough.
        case other
    }
}

/// roles.json.
public struct RolesReport: Codable, Hashable, Sendable {
    /// How roles are assigned.
    public var rule: String
    /// Attention mass below which a head's role is `other`.
    public var attentionThreshold: Double
    /// Accuracy drop that confirms a role.
    public var confirmationThreshold: Double
    /// One entry per (slot, head).
    public var roles: [HeadRole]
}

enum RoleAnalysis {
    static let attentionThreshold = 0.5
    static let confirmationThreshold = 0.05

    static func derive(task: AdditionTask, attention: AttentionReport, ablation: AblationReport) -> RolesReport {
        var roles: [HeadRole] = []
        for slotAttention in attention.slots {
            let slot = slotAttention.slot
            for head in slotAttention.heads {
                let role: HeadRole.Kind
                let expected: String?
                if head.topColumnMass < attentionThreshold {
                    role = .other; expected = nil
                } else {
                    switch head.topColumnOffset {
                    case 0: role = .baseAdd; expected = "base_add"
                    case -1: role = .makeCarry; expected = "simple_carry"
                    case -2: role = .makeSum9; expected = "sum9_cascade_1"
                    case ...(-3): role = .cascadeSum9; expected = "sum9_cascade_\(-head.topColumnOffset - 1)"
                    default: role = .other; expected = nil
                    }
                }
                func drops(_ mode: AblationMode) -> [String: Double] {
                    guard let result = ablation.results.first(where: { $0.target == .head && $0.mode == mode && $0.slot == slot && $0.head == head.head }) else { return [:] }
                    var values: [String: Double] = [:]
                    for (base, ablated) in zip(ablation.baseline, result.categories) {
                        values[base.category] = rounded(base.digitAccuracy[slot] - ablated.digitAccuracy[slot])
                    }
                    return values
                }
                let meanDrop = drops(.mean), zeroDrop = drops(.zero)
                let confirmed = expected.map { (meanDrop[$0] ?? 0) >= confirmationThreshold } ?? false
                let worst = meanDrop.max { ($0.value, $1.key) < ($1.value, $0.key) }
                var evidence = "head \(head.head) at \(slotAttention.digit) puts \(String(format: "%.2f", head.topColumnMass)) of its attention on column \(head.topColumn) (offset \(head.topColumnOffset))"
                if let expected {
                    evidence += "; mean ablation lowers \(slotAttention.digit) accuracy on \(expected) by \(String(format: "%.3f", meanDrop[expected] ?? 0))"
                }
                if let worst { evidence += "; largest drop \(String(format: "%.3f", worst.value)) on \(worst.key)" }
                roles.append(HeadRole(slot: slot, digit: slotAttention.digit, place: slotAttention.place, head: head.head, role: role,
                                      readsColumn: head.topColumn, readsColumnOffset: head.topColumnOffset, attentionMass: head.topColumnMass,
                                      expectedCategory: expected, confirmedByAblation: confirmed,
                                      meanAblationAccuracyDrop: meanDrop, zeroAblationAccuracyDrop: zeroDrop, evidence: evidence))
            }
        }
        return RolesReport(
            rule: "role from the column the head attends to most (mean mass ≥ \(attentionThreshold)): offset 0 → BA, -1 → MC1, -2 → MS9/US9, ≤ -3 → cascade US9 (a carry made at column k-3 or below passing sum-9 columns; beyond the paper's one-level algorithm), else other; confirmed when mean-ablating the head lowers that digit's accuracy by ≥ \(confirmationThreshold) on the category the role is needed for",
            attentionThreshold: attentionThreshold, confirmationThreshold: confirmationThreshold, roles: roles)
    }
}
