import Foundation
import AdditionTask

/// The outcome of characterizing a set of questions as disjoint column cubes.
public enum CubeEnumerationResult {
    /// The set is exactly the disjoint union of these cubes (in discovery order).
    case complete([ColumnCube])
    /// Z3 gave up (timeout, resource limit) before all cubes were found.
    case unknown(reason: String)
}

/// Enumerates a set of questions, given as a formula over the operand digits of a
/// ``SymbolicAddition``, as disjoint cubes of column constraints.
///
/// Each model starts as its exact pair sums (or, when the formula is not determined by
/// the pair sums there, its exact digit pairs) and is generalized column by column
/// (free, then its pair-sum class, then its exact pair sum), keeping a weakening only if Z3 shows the cube still
/// implies the formula and it stays disjoint from every cube found before. The
/// enumeration solver then blocks the cube, so cubes are disjoint and their union
/// is exactly the set.
public struct CubeEnumerator {
    /// The model the formula is stated over.
    public let addition: SymbolicAddition
    /// Per-check timeout in seconds, if any.
    public var timeoutSeconds: Double?
    /// Per-solver resource limit (`rlimit`), if any.
    public var resourceLimit: UInt32?
    /// When to give up: every check's timeout is cut to the time left, and the cube loop stops
    /// (as `unknown`) once it has passed.
    public var deadline: Date?

    /// Creates an enumerator.
    public init(addition: SymbolicAddition, timeoutSeconds: Double? = nil, resourceLimit: UInt32? = nil, deadline: Date? = nil) {
        self.addition = addition
        self.timeoutSeconds = timeoutSeconds
        self.resourceLimit = resourceLimit
        self.deadline = deadline
    }

    /// Seconds a check may take: the configured timeout, cut to the time left before the deadline.
    var checkTimeout: Double? {
        guard let deadline else { return timeoutSeconds }
        let left = max(0.001, deadline.timeIntervalSinceNow)
        return min(timeoutSeconds ?? left, left)
    }

    /// Cuts `solver`'s timeout to the time left before the deadline (nothing without one).
    func refreshTimeout(_ solver: Z3Solver) throws {
        guard deadline != nil, let seconds = checkTimeout else { return }
        try solver.setParameters(["timeout": UInt32(max(1, min(Double(UInt32.max), (seconds * 1000).rounded(.up))))])
    }

    /// `reason`, saying so when the time budget ran out (Z3 then reports `canceled` or `timeout`).
    func unknownReason(_ reason: String) -> String {
        pastDeadline ? "time budget used up (Z3: \(reason))" : reason
    }

    /// Whether the deadline has passed.
    var pastDeadline: Bool { deadline.map { $0.timeIntervalSinceNow <= 0 } ?? false }

    /// A solver over the addition model with the configured limits.
    public func makeSolver() throws -> Z3Solver {
        let solver = try addition.context.makeSolver()
        var parameters: [String: UInt32] = [:]
        if let seconds = checkTimeout { parameters["timeout"] = UInt32(max(1, min(Double(UInt32.max), (seconds * 1000).rounded(.up)))) }
        if let resourceLimit { parameters["rlimit"] = resourceLimit }
        if !parameters.isEmpty { try solver.setParameters(parameters) }
        try solver.assert(addition.bounds)
        return solver
    }

    /// The formula "pair sums lie in `cube`".
    public func formula(for cube: ColumnCube) throws -> Z3Expression {
        let context = addition.context
        var literals: [Z3Expression] = []
        for (column, constraint) in cube.columns.enumerated() where constraint != .free {
            literals.append(try literal(column: column, constraint))
        }
        return try context.and(literals)
    }

    /// The formula "pair sums lie in one of `cubes`".
    public func formula(forUnionOf cubes: [ColumnCube]) throws -> Z3Expression {
        try addition.context.or(cubes.map { try formula(for: $0) })
    }

    private func literal(column: Int, _ constraint: ColumnConstraint) throws -> Z3Expression {
        let context = addition.context, s = addition.pairSums[column]
        switch constraint {
        case .free: return try context.bool(true)
        case .pairClass(.makesCarry): return try context.ge(s, try context.int(10))
        case .pairClass(.sumNine): return try context.eq(s, try context.int(9))
        case .pairClass(.belowNine): return try context.le(s, try context.int(8))
        case .pairSum(let value): return try context.eq(s, try context.int(value))
        case .digitPair(let a, let b):
            return try context.and([try context.eq(addition.firstDigits[column], try context.int(a)),
                                    try context.eq(addition.secondDigits[column], try context.int(b))])
        }
    }

    /// Enumerates `target` as disjoint cubes, giving up after `maximumCubes`.
    public func enumerate(_ target: Z3Expression, maximumCubes: Int = 1_000_000) throws -> CubeEnumerationResult {
        let context = addition.context, n = addition.digitCount
        let search = try makeSolver()
        try search.assert(target)
        // The generalization solver holds ¬target; indicator constants switch column literals on.
        let generalizer = try makeSolver()
        try generalizer.assert(try context.not(target))
        var indicators: [[ColumnConstraint: Z3Expression]] = Array(repeating: [:], count: n)
        let kinds: [ColumnConstraint] = PairSumClass.allCases.map { .pairClass($0) } + (0...18).map { .pairSum($0) }
            + (0...9).flatMap { a in (0...9).map { b in .digitPair(a, b) } }
        for column in 0..<n {
            for kind in kinds {
                let indicator = try context.boolConstant("in_\(column)_\(kind.text)")
                try generalizer.assert(try context.implies(indicator, try literal(column: column, kind)))
                indicators[column][kind] = indicator
            }
        }
        func implies(_ cube: ColumnCube) throws -> Z3CheckResult {
            var assumptions: [Z3Expression] = []
            for (column, constraint) in cube.columns.enumerated() where constraint != .free {
                if let indicator = indicators[column][constraint] { assumptions.append(indicator) }
            }
            try refreshTimeout(generalizer)
            return try generalizer.check(assuming: assumptions)
        }

        var cubes: [ColumnCube] = []
        while true {
            try refreshTimeout(search)
            switch try search.check() {
            case .unsat: return .complete(cubes)
            case .unknown(let reason): return .unknown(reason: unknownReason(reason))
            case .sat: break
            }
            guard cubes.count < maximumCubes else { return .unknown(reason: "more than \(maximumCubes) cubes") }
            if pastDeadline {
                let found = cubes.reduce(UInt128(0)) { $0 + $1.questionCount }
                return .unknown(reason: "time budget used up after \(cubes.count) cubes (\(found) questions counted so far; the count is incomplete)")
            }
            let model = try search.model()
            var cube = ColumnCube(columns: try addition.pairSums.map { .pairSum(try model.intValue(of: $0)) })
            // The pair-sum cube is used when it lies inside the set and outside every earlier cube; otherwise
            // (the set reads operand digits there) the model's exact digit pairs are the starting cube.
            var pairSumCubeFits = !cubes.contains { $0.intersects(cube) }
            if pairSumCubeFits {
                switch try implies(cube) {
                case .unsat: break
                case .unknown(let reason): return .unknown(reason: unknownReason(reason))
                case .sat: pairSumCubeFits = false
                }
            }
            if !pairSumCubeFits {
                let first = try addition.firstDigits.map { try model.intValue(of: $0) }
                let second = try addition.secondDigits.map { try model.intValue(of: $0) }
                cube = ColumnCube(columns: zip(first, second).map { .digitPair($0, $1) })
                let overlapping = cubes.filter { $0.intersects(cube) }
                guard overlapping.isEmpty else {
                    throw Z3Error.unexpected("model \(cube) lies in an earlier cube \(overlapping[0])")
                }
                switch try implies(cube) {
                case .unsat: break
                case .unknown(let reason): return .unknown(reason: unknownReason(reason))
                case .sat: throw Z3Error.unexpected("the formula is not determined by the operand digits (model \(cube))")
                }
            }
            for column in 0..<n {
                let weakenings: [ColumnConstraint]
                switch cube.columns[column] {
                case .pairSum(let s): weakenings = [.free, .pairClass(PairSumClass(pairSum: s))]
                case .digitPair(let a, let b): weakenings = [.free, .pairClass(PairSumClass(pairSum: a + b)), .pairSum(a + b)]
                default: continue
                }
                for weaker in weakenings {
                    var candidate = cube
                    candidate.columns[column] = weaker
                    guard !cubes.contains(where: { $0.intersects(candidate) }) else { continue }
                    let result = try implies(candidate)
                    if case .unknown(let reason) = result { return .unknown(reason: unknownReason(reason)) }
                    if result == .unsat {
                        cube = candidate
                        break
                    }
                }
            }
            cubes.append(cube)
            try search.assert(try context.not(try formula(for: cube)))
        }
    }
}
