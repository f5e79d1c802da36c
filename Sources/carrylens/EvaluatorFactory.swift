import Exhaustive
import Transformer

/// The fast evaluator `carrylens enumerate` uses: the one-layer table evaluator
/// with OpenBLAS, with its derived rounding bound deciding near ties. Its threads
/// are the enumerator's, so OpenBLAS runs single threaded inside each. `path` chooses
/// the dense or the sparse MLP path (the same decisions).
func makeFastEvaluator(_ model: AdditionModel, path: FastEvaluationPath = .dense, sparseFixedColumns: Int? = nil,
                       sparseMinimumBlock: Int? = nil, sparseFold: FoldPolicy? = nil,
                       sparseCertificates: Bool? = nil) -> any BatchEvaluator {
    var options = SparseBlockOptions()
    if let sparseFixedColumns { options.fixedColumnDepth = sparseFixedColumns }
    if let sparseMinimumBlock { options.minimumBlockSize = sparseMinimumBlock }
    if let sparseFold { options.fold = sparseFold }
    if let sparseCertificates { options.certificates = sparseCertificates }
    return FastEvaluator(model, path: path, sparseOptions: options)
}

/// The exact evaluator that re-decides near ties: the fast evaluator's computation
/// in fp64 (checked against the fp64 reference pass in the tests).
func makeExactEvaluator(for fast: any BatchEvaluator, model: AdditionModel) -> any BatchEvaluator {
    (fast as? FastEvaluator)?.exact ?? ReferenceEvaluator<Double>(model)
}
