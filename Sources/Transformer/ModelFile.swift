import AdditionTask
import Foundation

/// The kinds of model file CarryLens reads, told apart by their first bytes,
/// never by the file name's extension.
public enum ModelFileFormat: String, Sendable, Codable, Equatable {
    /// safetensors: an 8-byte little-endian header length, then a JSON header.
    case safetensors
    /// A `torch.save` checkpoint (`.pth` / `.pt`): a zip archive, starting `PK\u{3}\u{4}`.
    case pytorch

    /// The format of a file starting with `prefix` (at least its first 4 bytes).
    /// Legacy (pre-1.6, non-zip) `torch.save` files are refused with their own error;
    /// anything else is handed to the safetensors reader, which names what is wrong.
    public init(detecting prefix: Data) throws {
        let bytes = [UInt8](prefix.prefix(4))
        if bytes.count >= 4, bytes[0] == 0x50, bytes[1] == 0x4B, (bytes[2] == 3 && bytes[3] == 4) || (bytes[2] == 5 && bytes[3] == 6) {
            self = .pytorch
        } else if bytes.count >= 2, bytes[0] == 0x80, (2...5).contains(bytes[1]) {
            throw ModelFileError.legacyPyTorchFormat
        } else {
            self = .safetensors
        }
    }

    /// The format of the file at `url`, from its first bytes.
    public init(detectingFileAt url: URL) throws {
        let handle: FileHandle
        do { handle = try FileHandle(forReadingFrom: url) } catch {
            throw SafeTensorsError.unreadable(path: url.path, reason: error.localizedDescription)
        }
        defer { try? handle.close() }
        let prefix = (try? handle.read(upToCount: 8)) ?? Data()
        try self.init(detecting: prefix)
    }
}

/// Model-file errors that belong to neither reader.
public enum ModelFileError: Error, Equatable, CustomStringConvertible {
    case legacyPyTorchFormat
    case configConflict(field: String, stated: String, file: String)
    case badBuffer(name: String, reason: String)

    public var description: String {
        switch self {
        case .legacyPyTorchFormat:
            return "this is a legacy torch.save file (a bare pickle, written before PyTorch 1.6 or with _use_new_zipfile_serialization=False); re-save it with a current torch.save, which writes the zip format CarryLens reads"
        case .configConflict(let field, let stated, let file):
            return "--config says \(field) \(stated) but the model file's own config says \(file)"
        case .badBuffer(let name, let reason): return "TransformerLens buffer '\(name)': \(reason)"
        }
    }
}

/// Named tensors that can be read as F32: what ``TransformerWeights`` and config
/// inference need from a model file, whatever its format.
public protocol TensorSource {
    /// Every tensor name in the file.
    var tensorNames: [String] { get }
    /// The shape of `name`, or nil when there is no such tensor.
    func tensorShape(_ name: String) -> [Int]?
    /// The elements of `name`, row-major, as F32.
    func float32Values(of name: String) throws -> [Float]
}

extension SafeTensorsFile: TensorSource {
    public var tensorNames: [String] { Array(tensors.keys) }
    public func tensorShape(_ name: String) -> [Int]? { tensors[name]?.shape }
    /// F32 tensors only, as before: safetensors files are read without widening.
    public func float32Values(of name: String) throws -> [Float] { try float32(name) }
}

extension PyTorchCheckpoint: TensorSource {
    public var tensorNames: [String] { names }
    public func tensorShape(_ name: String) -> [Int]? { tensors[name]?.shape }
}

extension AdditionModel {
    /// Loads and validates a model from a safetensors file or a PyTorch checkpoint,
    /// whichever the file's bytes show it to be.
    ///
    /// The config is, in order: `configOverride`; the safetensors file's
    /// `__metadata__["config"]` (cross-checked with `declaredConfig`); or, for a
    /// checkpoint (or a safetensors file without a config when `declaredConfig` is
    /// given), inferred from the tensor shapes by ``ModelConfig/inferred(from:declared:notes:)``.
    public init(contentsOf url: URL, configOverride: ModelConfig? = nil, declaredConfig: DeclaredModelConfig? = nil,
                limits: PyTorchCheckpoint.Limits = PyTorchCheckpoint.Limits()) throws {
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .mappedIfSafe)
        } catch {
            throw SafeTensorsError.unreadable(path: url.path, reason: error.localizedDescription)
        }
        try self.init(data: data, url: url, configOverride: configOverride, declaredConfig: declaredConfig, limits: limits,
                      checkpointFromFile: true)
    }

    /// Loads and validates a model from the bytes of a model file, exactly as
    /// ``init(contentsOf:configOverride:declaredConfig:limits:)`` does once it has read
    /// them (`url` is recorded as where they came from; nothing is read from it). The fuzz
    /// targets call this.
    public init(data: Data, url: URL, configOverride: ModelConfig? = nil, declaredConfig: DeclaredModelConfig? = nil,
                limits: PyTorchCheckpoint.Limits = PyTorchCheckpoint.Limits()) throws {
        try self.init(data: data, url: url, configOverride: configOverride, declaredConfig: declaredConfig, limits: limits,
                      checkpointFromFile: false)
    }

    /// `checkpointFromFile`: a checkpoint is read from the file at `url` (which `data`
    /// was read from) rather than from `data` (see ``PyTorchCheckpoint/init(data:limits:)``).
    private init(data: Data, url: URL, configOverride: ModelConfig?, declaredConfig: DeclaredModelConfig?,
                 limits: PyTorchCheckpoint.Limits, checkpointFromFile: Bool) throws {
        let format = try ModelFileFormat(detecting: data)
        var notes: [String] = []
        let config: ModelConfig
        let weights: TransformerWeights
        switch format {
        case .safetensors:
            let file = try SafeTensorsFile(data: data)
            if let configOverride {
                config = configOverride
            } else if let text = file.metadata["config"] {
                config = try ModelConfig(json: text)
                if let declaredConfig { try Self.crossCheck(declaredConfig, against: config, file: file) }
            } else if let declaredConfig {
                config = try ModelConfig.inferred(from: file, declared: declaredConfig, notes: &notes)
                notes.insert("config inferred from the tensor shapes and the stated config", at: 0)
            } else {
                throw ModelError.missingConfig
            }
            weights = try TransformerWeights(file: file, config: config, notes: &notes)
            self.metadata = file.metadata
        case .pytorch:
            let checkpoint = checkpointFromFile ? try PyTorchCheckpoint(contentsOf: url, limits: limits) : try PyTorchCheckpoint(data: data, limits: limits)
            notes.append("read from a PyTorch torch.save checkpoint (zip archive directory '\(checkpoint.archivePrefix)/')")
            if let configOverride {
                config = configOverride
            } else {
                config = try ModelConfig.inferred(from: checkpoint, declared: declaredConfig, notes: &notes)
                notes.append("config inferred from the tensor shapes" + (declaredConfig == nil ? "" : " and cross-checked with the stated config"))
            }
            weights = try TransformerWeights(file: checkpoint, config: config, notes: &notes)
            let parameterNames = TransformerWeights.parameterShapes(for: config).map(\.name)
            let widened = Dictionary(grouping: parameterNames.compactMap { checkpoint.tensors[$0]?.dtype }, by: { $0 })
            for dtype in [PyTorchDType.float16, .bfloat16] {
                if let count = widened[dtype]?.count {
                    notes.append("\(count) of \(parameterNames.count) parameter tensors are \(dtype.rawValue), widened exactly to F32")
                }
            }
            let checked = try TransformerLensBuffers.check(checkpoint, config: config)
            notes = notes.map { note in
                checked.first { note == "skipped TransformerLens buffer '\($0.key)'" }?.value ?? note
            }
            self.metadata = [:]
        }
        self.url = url
        self.config = config
        self.task = try config.task()
        self.weights = weights
        self.notes = notes
        self.format = format
    }

    /// Refuses a stated config that disagrees with the file's own.
    private static func crossCheck(_ declared: DeclaredModelConfig, against config: ModelConfig, file: SafeTensorsFile) throws {
        func check<Value: Equatable>(_ field: String, _ stated: Value?, _ stored: Value) throws {
            if let stated, stated != stored {
                throw ModelFileError.configConflict(field: field, stated: "\(stated)", file: "\(stored)")
            }
        }
        try check("n_digits", declared.nDigits, config.nDigits)
        try check("n_layers", declared.nLayers, config.nLayers)
        try check("n_heads", declared.nHeads, config.nHeads)
        try check("d_model", declared.dModel, config.dModel)
        try check("d_head", declared.dHead, config.dHead)
        try check("d_mlp", declared.dMLP, config.dMLP)
        try check("d_vocab", declared.dVocab, config.dVocab)
        try check("n_ctx", declared.nCtx, config.nCtx)
        try check("act_fn", declared.actFn, config.actFn)
        try check("eps", declared.eps, config.eps)
        if case .some(let stated) = declared.normalizationType {
            try check("normalization_type", stated ?? "null", config.normalizationType ?? "null")
        }
    }
}

/// The buffers TransformerLens keeps in a state dict besides the parameters.
/// They are not needed (CarryLens applies the causal mask itself) but, when
/// present, must be what TransformerLens writes.
enum TransformerLensBuffers {
    /// Checks `blocks.0.attn.mask` (BOOL [n_ctx, n_ctx], lower-triangular true) and
    /// `blocks.0.attn.IGNORE` (a scalar, -inf or TransformerLens's older -1e5).
    /// Returns a load note per buffer found, by name.
    static func check(_ checkpoint: PyTorchCheckpoint, config: ModelConfig) throws -> [String: String] {
        var notes: [String: String] = [:]
        let maskName = "blocks.0.attn.mask"
        if let mask = checkpoint.tensors[maskName] {
            guard mask.dtype == .bool else { throw ModelFileError.badBuffer(name: maskName, reason: "dtype \(mask.dtype.rawValue), expected BOOL") }
            let n = config.nCtx
            guard mask.shape == [n, n] else { throw ModelFileError.badBuffer(name: maskName, reason: "shape \(mask.shape), expected [\(n), \(n)]") }
            let values = try checkpoint.boolValues(of: maskName)
            for row in 0..<n {
                for column in 0..<n where values[row * n + column] != (column <= row) {
                    throw ModelFileError.badBuffer(name: maskName, reason: "entry [\(row), \(column)] is \(values[row * n + column]), not a causal (lower-triangular) mask")
                }
            }
            notes[maskName] = "TransformerLens buffer '\(maskName)' checked: BOOL [\(n), \(n)] causal mask (not used: CarryLens masks itself)"
        }
        let ignoreName = "blocks.0.attn.IGNORE"
        if let ignore = checkpoint.tensors[ignoreName] {
            guard ignore.shape.isEmpty else { throw ModelFileError.badBuffer(name: ignoreName, reason: "shape \(ignore.shape), expected a scalar []") }
            guard ignore.dtype != .bool else { throw ModelFileError.badBuffer(name: ignoreName, reason: "dtype BOOL, expected a floating-point scalar") }
            let value = try checkpoint.float32Values(of: ignoreName)[0]
            guard value == -.infinity || value == -100_000 else {
                throw ModelFileError.badBuffer(name: ignoreName, reason: "value \(value), expected -inf (or -1e5 from older TransformerLens)")
            }
            notes[ignoreName] = "TransformerLens buffer '\(ignoreName)' checked: \(ignore.dtype.rawValue) scalar \(value) (not used)"
        }
        return notes
    }
}
