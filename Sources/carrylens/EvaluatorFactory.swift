import Transformer

/// The fast evaluator `carrylens enumerate` uses. For now the fp32 reference pass;
/// the lead swaps in `FastEvaluator` (BLAS) here.
func makeFastEvaluator(_ model: AdditionModel) -> any BatchEvaluator {
    ReferenceEvaluator<Float>(model)
}

/// The exact evaluator that re-decides near ties: the fp64 reference pass.
func makeExactEvaluator(_ model: AdditionModel) -> any BatchEvaluator {
    ReferenceEvaluator<Double>(model)
}
