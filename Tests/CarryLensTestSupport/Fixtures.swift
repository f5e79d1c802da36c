import Foundation
import Transformer

/// Locates and loads the shipped fixture models and their PyTorch test vectors.
public enum Fixtures {
    /// The repository root, found from this file's location.
    public static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public static let modelsDirectory = repositoryRoot.appendingPathComponent("fixtures/models")

    /// The reference model for `digits` = 3 or 5.
    public static func modelURL(digits: Int) -> URL {
        modelsDirectory.appendingPathComponent("add\(digits)_l1_h3_s129000.safetensors")
    }

    public static func vectorsURL(digits: Int) -> URL {
        modelsDirectory.appendingPathComponent("add\(digits)_l1_h3_s129000.vectors.safetensors")
    }

    private static let cache = ModelCache()

    /// The loaded fixture model (loaded once per test process).
    public static func model(digits: Int) throws -> AdditionModel {
        try cache.model(digits: digits)
    }

    /// A fresh temporary directory.
    public static func temporaryDirectory(_ label: String = "carrylens") throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// PyTorch logits for ~1,000 questions of a fixture model.
public struct TestVectors {
    public let a: [Int]
    public let b: [Int]
    public let answerTokens: [[Int]]
    /// [question][answer row A(n)..A0][12]
    public let logits: [[[Float]]]

    public init(digits: Int) throws {
        let file = try SafeTensorsFile(contentsOf: Fixtures.vectorsURL(digits: digits))
        a = try file.int64("a").map { Int($0) }
        b = try file.int64("b").map { Int($0) }
        let rows = digits + 1
        let tokens = try file.int64("answer_tokens").map { Int($0) }
        answerTokens = stride(from: 0, to: tokens.count, by: rows).map { Array(tokens[$0..<($0 + rows)]) }
        let flat = try file.float32("logits")
        let perQuestion = rows * 12
        logits = stride(from: 0, to: flat.count, by: perQuestion).map { start in
            (0..<rows).map { row in Array(flat[(start + row * 12)..<(start + row * 12 + 12)]) }
        }
    }

    /// The vectors that open the file (0+0, 99…9+99…9, the paper's cascading-carry
    /// examples, …; 12 at n = 3 and 23 at n = 5) come before the uniform random ones.
    public static let specialCaseCount = 32

    /// Positions of the vectors a slow check reads: every special case, then every
    /// `step`-th of the random ones; every vector with `CARRYLENS_LONG_TESTS=1`.
    public func positions(everyRandom step: Int) -> [Int] {
        if TestGates.longTestsEnabled || step <= 1 { return Array(a.indices) }
        let special = min(Self.specialCaseCount, a.count)
        return Array(0..<special) + Array(stride(from: special, to: a.count, by: step))
    }
}

private final class ModelCache: @unchecked Sendable {
    private let lock = NSLock()
    private var models: [Int: AdditionModel] = [:]

    func model(digits: Int) throws -> AdditionModel {
        lock.lock()
        defer { lock.unlock() }
        if let model = models[digits] { return model }
        let model = try AdditionModel(contentsOf: Fixtures.modelURL(digits: digits))
        models[digits] = model
        return model
    }
}
