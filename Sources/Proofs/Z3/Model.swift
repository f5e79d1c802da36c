import CZ3

/// A satisfying assignment returned by ``Z3Solver/model()``.
public final class Z3Model {
    /// The context the model belongs to.
    public let context: Z3Context
    let raw: Z3_model

    init(context: Z3Context, raw: Z3_model) {
        self.context = context
        self.raw = raw
        Z3_model_inc_ref(context.raw, raw)
    }

    deinit { Z3_model_dec_ref(context.raw, raw) }

    /// Evaluates `expression` in the model (with model completion).
    public func evaluate(_ expression: Z3Expression) throws -> Z3Expression {
        var result: Z3_ast?
        let ok = Z3_model_eval(context.raw, raw, expression.raw, true, &result)
        try context.checkError()
        guard ok else { throw Z3Error.unexpected("model evaluation failed for \(expression)") }
        return try context.expression(result, "Z3_model_eval")
    }

    /// The integer value of `expression` in the model.
    public func intValue(of expression: Z3Expression) throws -> Int {
        let value = try evaluate(expression)
        guard let result = value.intValue else { throw Z3Error.unexpected("\(value) is not an integer numeral") }
        return result
    }

    /// The Boolean value of `expression` in the model.
    public func boolValue(of expression: Z3Expression) throws -> Bool {
        let value = try evaluate(expression)
        guard let result = value.boolValue else { throw Z3Error.unexpected("\(value) is not a Boolean literal") }
        return result
    }
}
