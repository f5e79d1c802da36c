import Transformer

/// The fast evaluator states its own per-question rounding bound, so the
/// enumerator re-decides exactly the questions whose margin it cannot trust.
extension FastEvaluator: RoundingBoundedEvaluator {}
