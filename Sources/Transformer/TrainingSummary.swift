import Foundation

/// What a model file's `__metadata__["training"]` says about training, when present:
/// the number of steps and the last entry of `loss_history` ([[step, loss], …]).
public struct TrainingSummary: Codable, Equatable, Sendable {
    public var steps: Int?
    public var finalLossStep: Int?
    public var finalLoss: Double?

    /// Parses the training metadata JSON (``StrictJSON``); nil when it is not a JSON object
    /// (or not strict JSON). Steps and the step of the last loss are read when they are integers.
    public init?(metadataJSON text: String) {
        guard case .object(let object)? = try? StrictJSON.parse(text) else { return nil }
        func integer(_ value: JSONValue?) -> Int? { if case .integer(let value)? = value { return value }; return nil }
        steps = integer(object["steps_done"]) ?? integer(object["steps"])
        if case .array(let history)? = object["loss_history"], case .array(let last)? = history.last, last.count >= 2 {
            finalLossStep = integer(last[0])
            switch last[1] {
            case .integer(let value): finalLoss = Double(value)
            case .number(let value): finalLoss = value
            default: finalLoss = nil
            }
        }
    }
}

extension AdditionModel {
    /// The training summary from the file's metadata, if it has one.
    public var training: TrainingSummary? { metadata["training"].flatMap(TrainingSummary.init(metadataJSON:)) }
}
