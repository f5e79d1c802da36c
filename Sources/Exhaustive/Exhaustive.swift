/// The `Exhaustive` module runs a ``BatchEvaluator`` over every question of an
/// addition task (or one shard of them) and records exactly where the network is wrong.
///
/// - ``Enumerator``: chunks, worker threads, in-order gathering, near-tie re-decision.
/// - ``ShardRun``: the file-backed run behind `carrylens enumerate`: checkpoints, resume, results.
/// - ``EnumerationResult``: a finished result directory (`summary.json`, `failures.csv`), for readers.
/// - ``EnumerationMerger``: combines shard results; ``FailureFilter`` selects failures.
/// - ``Shard``: overflow-safe shard arithmetic over 10^(2n) questions.
/// - ``SHA256``: the content hash that identifies a model file.
import AdditionTask
import Transformer
