import CZ3

/// The outcome of a satisfiability check.
public enum Z3CheckResult: Equatable, Sendable {
    /// Satisfiable: a model exists.
    case sat
    /// Unsatisfiable.
    case unsat
    /// Z3 gave up; `reason` is `Z3_solver_get_reason_unknown` (e.g. "timeout", "canceled", "max. resource limit exceeded").
    case unknown(reason: String)
}

/// A Z3 solver, reference counted, with optional time and resource limits.
public final class Z3Solver {
    /// The context the solver belongs to.
    public let context: Z3Context
    let raw: Z3_solver

    init(context: Z3Context, raw: Z3_solver) {
        self.context = context
        self.raw = raw
        Z3_solver_inc_ref(context.raw, raw)
    }

    deinit { Z3_solver_dec_ref(context.raw, raw) }

    /// Sets unsigned solver parameters such as `timeout` (milliseconds) or `rlimit`.
    public func setParameters(_ values: [String: UInt32]) throws {
        guard let params = Z3_mk_params(context.raw) else {
            try context.checkError()
            throw Z3Error.nullResult("Z3_mk_params")
        }
        Z3_params_inc_ref(context.raw, params)
        defer { Z3_params_dec_ref(context.raw, params) }
        for (key, value) in values.sorted(by: { $0.key < $1.key }) {
            Z3_params_set_uint(context.raw, params, try context.symbol(key), value)
            try context.checkError()
        }
        Z3_solver_set_params(context.raw, raw, params)
        try context.checkError()
    }

    /// Sets the per-check timeout in seconds (rounded up to whole milliseconds, at least 1).
    public func setTimeout(seconds: Double) throws {
        let milliseconds = max(1, min(Double(UInt32.max), (seconds * 1000).rounded(.up)))
        try setParameters(["timeout": UInt32(milliseconds)])
    }

    /// Adds an assertion.
    public func assert(_ formula: Z3Expression) throws {
        Z3_solver_assert(context.raw, raw, formula.raw)
        try context.checkError()
    }

    /// Opens a backtracking scope.
    public func push() throws {
        Z3_solver_push(context.raw, raw)
        try context.checkError()
    }

    /// Closes the innermost backtracking scope.
    public func pop() throws {
        Z3_solver_pop(context.raw, raw, 1)
        try context.checkError()
    }

    /// Checks satisfiability of the assertions (and of `assumptions`, which must be Boolean constants).
    public func check(assuming assumptions: [Z3Expression] = []) throws -> Z3CheckResult {
        let result: Z3_lbool
        if assumptions.isEmpty {
            result = Z3_solver_check(context.raw, raw)
        } else {
            let raws: [Z3_ast?] = assumptions.map { $0.raw }
            result = raws.withUnsafeBufferPointer {
                Z3_solver_check_assumptions(context.raw, raw, UInt32($0.count), $0.baseAddress)
            }
        }
        try context.checkError()
        switch result {
        case Z3_L_TRUE: return .sat
        case Z3_L_FALSE: return .unsat
        default:
            let reason = Z3_solver_get_reason_unknown(context.raw, raw).map { String(cString: $0) } ?? "unknown"
            try context.checkError()
            return .unknown(reason: reason)
        }
    }

    /// The model of the last `sat` check.
    public func model() throws -> Z3Model {
        let model = Z3_solver_get_model(context.raw, raw)
        try context.checkError()
        guard let model else { throw Z3Error.nullResult("Z3_solver_get_model") }
        return Z3Model(context: context, raw: model)
    }

    /// The assertions as self-contained SMT-LIB2 text (declarations and asserts)
    /// followed by `(check-sat)`, so that `z3 file.smt2` re-checks them.
    public func smtlib2Benchmark() throws -> String {
        let text = Z3_solver_to_string(context.raw, raw).map { String(cString: $0) }
        try context.checkError()
        guard let text else { throw Z3Error.nullResult("Z3_solver_to_string") }
        return text + (text.hasSuffix("\n") ? "" : "\n") + "(check-sat)\n"
    }
}
