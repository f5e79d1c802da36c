import Foundation

/// What a model file's `__metadata__["training"]` says about training, when present:
/// the number of steps and the last entry of `loss_history` ([[step, loss], …]).
public struct TrainingSummary: Codable, Equatable, Sendable {
    public var steps: Int?
    public var finalLossStep: Int?
    public var finalLoss: Double?

    enum CodingKeys: String, CodingKey {
        case steps
        case finalLossStep = "final_loss_step"
        case finalLoss = "final_loss"
    }

    /// Parses the training metadata JSON; nil when it is not a JSON object.
    public init?(metadataJSON text: String) {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] else { return nil }
        steps = (object["steps_done"] as? NSNumber)?.intValue ?? (object["steps"] as? NSNumber)?.intValue
        if let history = object["loss_history"] as? [Any], let last = history.last as? [Any], last.count >= 2 {
            finalLossStep = (last[0] as? NSNumber)?.intValue
            finalLoss = (last[1] as? NSNumber)?.doubleValue
        }
    }
}

extension AdditionModel {
    /// The training summary from the file's metadata, if it has one.
    public var training: TrainingSummary? { metadata["training"].flatMap(TrainingSummary.init(metadataJSON:)) }
}
