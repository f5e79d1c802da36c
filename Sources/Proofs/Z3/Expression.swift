import CZ3

/// A Z3 term or formula, kept alive by `Z3_inc_ref` until this object is released.
///
/// All operations are methods of ``Z3Context`` and throw ``Z3Error`` when Z3
/// rejects them (for example a sort mismatch such as adding a Boolean to an integer).
public final class Z3Expression: CustomStringConvertible {
    /// The context this expression belongs to (kept alive by this reference).
    public let context: Z3Context
    /// The raw AST handle.
    let raw: Z3_ast

    init(context: Z3Context, raw: Z3_ast) {
        self.context = context
        self.raw = raw
        Z3_inc_ref(context.raw, raw)
    }

    deinit { Z3_dec_ref(context.raw, raw) }

    /// Z3's printed form of the expression.
    public var description: String {
        Z3_ast_to_string(context.raw, raw).map { String(cString: $0) } ?? "<?>"
    }

    /// Whether the expression has Boolean sort.
    public var isBool: Bool {
        guard let sort = Z3_get_sort(context.raw, raw) else { return false }
        return Z3_get_sort_kind(context.raw, sort) == Z3_BOOL_SORT
    }

    /// The value of an integer numeral, or nil if this is not a numeral that fits in `Int`.
    public var intValue: Int? {
        guard Z3_is_numeral_ast(context.raw, raw) else { return nil }
        var value: Int64 = 0
        guard Z3_get_numeral_int64(context.raw, raw, &value) else { return nil }
        return Int(value)
    }

    /// The value of a Boolean literal (`true`/`false`), or nil otherwise.
    public var boolValue: Bool? {
        switch Z3_get_bool_value(context.raw, raw) {
        case Z3_L_TRUE: return true
        case Z3_L_FALSE: return false
        default: return nil
        }
    }
}

extension Z3Context {
    private func nary(_ args: [Z3Expression], _ name: String,
                      _ make: (Z3_context, UInt32, UnsafePointer<Z3_ast?>) -> Z3_ast?) throws -> Z3Expression {
        let raws: [Z3_ast?] = args.map { $0.raw }
        let ast = raws.withUnsafeBufferPointer { buffer -> Z3_ast? in
            guard let base = buffer.baseAddress else { return nil }
            return make(raw, UInt32(buffer.count), base)
        }
        return try expression(ast, name)
    }

    /// Sum of integer terms (at least one).
    public func add(_ args: [Z3Expression]) throws -> Z3Expression {
        guard !args.isEmpty else { return try int(0) }
        return try nary(args, "Z3_mk_add") { Z3_mk_add($0, $1, $2) }
    }

    /// Difference `lhs - rhs`.
    public func sub(_ lhs: Z3Expression, _ rhs: Z3Expression) throws -> Z3Expression {
        try nary([lhs, rhs], "Z3_mk_sub") { Z3_mk_sub($0, $1, $2) }
    }

    /// Conjunction (true when empty).
    public func and(_ args: [Z3Expression]) throws -> Z3Expression {
        guard !args.isEmpty else { return try bool(true) }
        return try nary(args, "Z3_mk_and") { Z3_mk_and($0, $1, $2) }
    }

    /// Disjunction (false when empty).
    public func or(_ args: [Z3Expression]) throws -> Z3Expression {
        guard !args.isEmpty else { return try bool(false) }
        return try nary(args, "Z3_mk_or") { Z3_mk_or($0, $1, $2) }
    }

    /// Negation.
    public func not(_ arg: Z3Expression) throws -> Z3Expression {
        try expression(Z3_mk_not(raw, arg.raw), "Z3_mk_not")
    }

    /// Exclusive or of two formulas.
    public func xor(_ lhs: Z3Expression, _ rhs: Z3Expression) throws -> Z3Expression {
        try expression(Z3_mk_xor(raw, lhs.raw, rhs.raw), "Z3_mk_xor")
    }

    /// Implication `lhs ⇒ rhs`.
    public func implies(_ lhs: Z3Expression, _ rhs: Z3Expression) throws -> Z3Expression {
        try expression(Z3_mk_implies(raw, lhs.raw, rhs.raw), "Z3_mk_implies")
    }

    /// If-then-else; both branches must have the same sort.
    public func ite(_ condition: Z3Expression, _ then: Z3Expression, _ otherwise: Z3Expression) throws -> Z3Expression {
        try expression(Z3_mk_ite(raw, condition.raw, then.raw, otherwise.raw), "Z3_mk_ite")
    }

    /// Equality; both sides must have the same sort.
    public func eq(_ lhs: Z3Expression, _ rhs: Z3Expression) throws -> Z3Expression {
        try expression(Z3_mk_eq(raw, lhs.raw, rhs.raw), "Z3_mk_eq")
    }

    /// `lhs ≥ rhs` on integers.
    public func ge(_ lhs: Z3Expression, _ rhs: Z3Expression) throws -> Z3Expression {
        try expression(Z3_mk_ge(raw, lhs.raw, rhs.raw), "Z3_mk_ge")
    }

    /// `lhs ≤ rhs` on integers.
    public func le(_ lhs: Z3Expression, _ rhs: Z3Expression) throws -> Z3Expression {
        try expression(Z3_mk_le(raw, lhs.raw, rhs.raw), "Z3_mk_le")
    }

    /// `lhs < rhs` on integers.
    public func lt(_ lhs: Z3Expression, _ rhs: Z3Expression) throws -> Z3Expression {
        try expression(Z3_mk_lt(raw, lhs.raw, rhs.raw), "Z3_mk_lt")
    }

    /// `lhs > rhs` on integers.
    public func gt(_ lhs: Z3Expression, _ rhs: Z3Expression) throws -> Z3Expression {
        try expression(Z3_mk_gt(raw, lhs.raw, rhs.raw), "Z3_mk_gt")
    }

    /// Integer modulus `lhs mod rhs` (SMT-LIB `mod`: non-negative for positive `rhs`).
    public func mod(_ lhs: Z3Expression, _ rhs: Z3Expression) throws -> Z3Expression {
        try expression(Z3_mk_mod(raw, lhs.raw, rhs.raw), "Z3_mk_mod")
    }

    /// Simplifies `expression` (after substituting `substitutions`), e.g. to a numeral.
    public func simplify(_ expression: Z3Expression,
                         substituting substitutions: [(Z3Expression, Z3Expression)] = []) throws -> Z3Expression {
        var target = expression
        if !substitutions.isEmpty {
            let from: [Z3_ast?] = substitutions.map { $0.0.raw }
            let to: [Z3_ast?] = substitutions.map { $0.1.raw }
            let ast = from.withUnsafeBufferPointer { fromBuffer in
                to.withUnsafeBufferPointer { toBuffer in
                    Z3_substitute(raw, expression.raw, UInt32(from.count), fromBuffer.baseAddress, toBuffer.baseAddress)
                }
            }
            target = try self.expression(ast, "Z3_substitute")
        }
        return try self.expression(Z3_simplify(raw, target.raw), "Z3_simplify")
    }
}
