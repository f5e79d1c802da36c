import CZ3

/// A reference-counted Z3 context (`Z3_mk_context_rc`).
///
/// Every expression, solver and model made from a context keeps the context
/// alive and balances `Z3_inc_ref` / `Z3_dec_ref`. A context is **not** thread
/// safe: create one per task (per proof run) and use it from one thread at a time.
///
/// Z3's default error handler prints and calls `exit(1)`. This context installs a
/// handler that does nothing; every wrapper call checks `Z3_get_error_code`
/// afterwards and throws ``Z3Error`` with Z3's message instead.
public final class Z3Context {
    /// The raw context handle.
    let raw: Z3_context

    /// Creates a context with model generation enabled.
    public init() throws {
        guard let config = Z3_mk_config() else { throw Z3Error.nullResult("Z3_mk_config") }
        Z3_set_param_value(config, "model", "true")
        let context = Z3_mk_context_rc(config)
        Z3_del_config(config)
        guard let context else { throw Z3Error.nullResult("Z3_mk_context_rc") }
        raw = context
        Z3_set_error_handler(raw) { _, _ in }
    }

    deinit { Z3_del_context(raw) }

    /// Throws if the last Z3 call on this context failed, and clears the error.
    func checkError() throws {
        let code = Z3_get_error_code(raw)
        guard code != Z3_OK else { return }
        let message = Z3_get_error_msg(raw, code).map { String(cString: $0) } ?? "unknown error"
        // Not every API call resets the code (the SMT-LIB parser does not): clear it so
        // the next call is judged on its own.
        Z3_set_error(raw, Z3_OK)
        throw Z3Error.api(code: Int(code.rawValue), message: message)
    }

    /// Wraps the result of a Z3 call that returns an AST, checking for errors.
    func expression(_ ast: Z3_ast?, _ call: String) throws -> Z3Expression {
        try checkError()
        guard let ast else { throw Z3Error.nullResult(call) }
        return Z3Expression(context: self, raw: ast)
    }

    /// Interns `name` as a Z3 symbol.
    func symbol(_ name: String) throws -> Z3_symbol {
        let symbol = Z3_mk_string_symbol(raw, name)
        try checkError()
        guard let symbol else { throw Z3Error.nullResult("Z3_mk_string_symbol") }
        return symbol
    }

    /// The integer sort.
    func intSort() throws -> Z3_sort {
        let sort = Z3_mk_int_sort(raw)
        try checkError()
        guard let sort else { throw Z3Error.nullResult("Z3_mk_int_sort") }
        return sort
    }

    /// The Boolean sort.
    func boolSort() throws -> Z3_sort {
        let sort = Z3_mk_bool_sort(raw)
        try checkError()
        guard let sort else { throw Z3Error.nullResult("Z3_mk_bool_sort") }
        return sort
    }

    /// A fresh integer constant named `name` (same name, same constant).
    public func intConstant(_ name: String) throws -> Z3Expression {
        try expression(Z3_mk_const(raw, try symbol(name), try intSort()), "Z3_mk_const")
    }

    /// A Boolean constant named `name`.
    public func boolConstant(_ name: String) throws -> Z3Expression {
        try expression(Z3_mk_const(raw, try symbol(name), try boolSort()), "Z3_mk_const")
    }

    /// The integer numeral `value`.
    public func int(_ value: Int) throws -> Z3Expression {
        try expression(Z3_mk_numeral(raw, String(value), try intSort()), "Z3_mk_numeral")
    }

    /// The Boolean literal `value`.
    public func bool(_ value: Bool) throws -> Z3Expression {
        try expression(value ? Z3_mk_true(raw) : Z3_mk_false(raw), value ? "Z3_mk_true" : "Z3_mk_false")
    }

    /// Parses SMT-LIB2 text and returns its assertions. Throws on syntax or sort errors.
    public func parseSMTLIB2(_ text: String) throws -> [Z3Expression] {
        let vector = Z3_parse_smtlib2_string(raw, text, 0, nil, nil, 0, nil, nil)
        try checkError()
        guard let vector else { throw Z3Error.nullResult("Z3_parse_smtlib2_string") }
        Z3_ast_vector_inc_ref(raw, vector)
        defer { Z3_ast_vector_dec_ref(raw, vector) }
        let count = Z3_ast_vector_size(raw, vector)
        var result: [Z3Expression] = []
        for index in 0..<count {
            result.append(try expression(Z3_ast_vector_get(raw, vector, index), "Z3_ast_vector_get"))
        }
        return result
    }

    /// A new solver for this context.
    public func makeSolver() throws -> Z3Solver {
        let solver = Z3_mk_solver(raw)
        try checkError()
        guard let solver else { throw Z3Error.nullResult("Z3_mk_solver") }
        return Z3Solver(context: self, raw: solver)
    }
}
