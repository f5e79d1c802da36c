import AdditionTask
import Diagnostics
import Foundation

/// Errors in building or loading a per-digit algorithm.
public enum AlgorithmError: Error, Equatable, CustomStringConvertible {
    /// The algorithm is structurally invalid; the text says why.
    case malformed(String)
    /// An algorithm file could not be read; the reason is the operating system's.
    case unreadable(path: String, reason: String)
    /// An algorithm file was read but holds no valid algorithm.
    case malformedFile(path: String, reason: String)

    public var description: String {
        switch self {
        case .malformed(let text): return "malformed algorithm: \(text)"
        case .unreadable(let path, let reason): return "cannot read algorithm file '\(path)': \(reason)"
        case .malformedFile(let path, let reason): return "cannot load algorithm file '\(path)': malformed algorithm: \(reason)"
        }
    }
}

/// How one answer digit is computed: a ``DigitFormula`` or a ``TruthTable``.
///
/// JSON: `{"formula": <formula>}` or `{"truth_table": <table>}` (exactly one key).
public enum DigitRule: Hashable, Sendable {
    /// The digit is the formula's value.
    case formula(DigitFormula)
    /// The digit is looked up in the table.
    case truthTable(TruthTable)

    /// The rule's value for answer digit `place` given pair sums `pairSums[j] = s_j`
    /// (digit features see the split ``OperandColumns/split(pairSum:)``).
    public func evaluate(place: Int, pairSums: [Int]) -> Int {
        evaluate(place: place, columns: OperandColumns(pairSums: pairSums))
    }

    /// The rule's value for answer digit `place` given the operands' digits.
    public func evaluate(place: Int, columns: OperandColumns) -> Int {
        switch self {
        case .formula(let formula): return formula.evaluate(place: place, columns: columns)
        case .truthTable(let table): return table.evaluate(place: place, columns: columns)
        }
    }
}

extension DigitRule: Codable {
    private enum CodingKeys: String, CodingKey {
        case formula
        case truthTable
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let hasFormula = container.contains(.formula), hasTable = container.contains(.truthTable)
        guard hasFormula != hasTable else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                debugDescription: "a digit rule needs exactly one of \"formula\" or \"truth_table\""))
        }
        self = hasFormula
            ? .formula(try container.decode(DigitFormula.self, forKey: .formula))
            : .truthTable(try container.decode(TruthTable.self, forKey: .truthTable))
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .formula(let formula): try container.encode(formula, forKey: .formula)
        case .truthTable(let table): try container.encode(table, forKey: .truthTable)
        }
    }
}

/// Which answer digit(s) an override applies to: an absolute place A(k)
/// (`{"place": 0}` is the units digit) or a place counted from the top
/// (`{"from_top": 0}` is A(n), the final carry, for every n).
public enum DigitSelector: Hashable, Sendable {
    /// A(k) for this k.
    case place(Int)
    /// A(n - i) for this i; 0 is the top digit A(n).
    case fromTop(Int)

    /// Whether the selector picks answer digit `place` of an n-digit task.
    public func selects(place: Int, digitCount: Int) -> Bool {
        switch self {
        case .place(let k): return k == place
        case .fromTop(let i): return digitCount - i == place
        }
    }
}

/// A rule used instead of the default for the digits its selector picks.
/// JSON: `{"from_top": 0, "rule": {...}}` or `{"place": 1, "rule": {...}}`.
public struct DigitOverride: Codable, Hashable, Sendable {
    /// The digits this override applies to.
    public var selector: DigitSelector
    /// The rule for those digits.
    public var rule: DigitRule

    /// Creates an override.
    public init(_ selector: DigitSelector, rule: DigitRule) {
        self.selector = selector
        self.rule = rule
    }

    private enum CodingKeys: String, CodingKey {
        case place
        case fromTop
        case rule
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let place = try container.decodeIfPresent(Int.self, forKey: .place)
        let fromTop = try container.decodeIfPresent(Int.self, forKey: .fromTop)
        switch (place, fromTop) {
        case (let k?, nil) where k >= 0: selector = .place(k)
        case (nil, let i?) where i >= 0: selector = .fromTop(i)
        default:
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                debugDescription: "an override needs exactly one of \"place\" or \"from_top\", a non-negative integer"))
        }
        rule = try container.decode(DigitRule.self, forKey: .rule)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch selector {
        case .place(let k): try container.encode(k, forKey: .place)
        case .fromTop(let i): try container.encode(i, forKey: .fromTop)
        }
        try container.encode(rule, forKey: .rule)
    }
}

/// A per-digit addition algorithm: for each answer digit A(k), k = n…0, its value
/// as a function of column features addressed relative to k, so one algorithm
/// applies to every number of digits n.
///
/// The rule for A(k) is the first override whose selector picks k, else `defaultRule`.
/// Stable JSON form (see docs/proofs.md):
/// ```json
/// {"format": "carrylens.per-digit-algorithm.v1", "name": "…",
///  "default": {"formula": …} | {"truth_table": …},
///  "overrides": [{"from_top": 0, "rule": …}, {"place": 0, "rule": …}]}
/// ```
public struct PerDigitAlgorithm: Codable, Hashable, Sendable {
    /// The value of the `format` field this version reads and writes.
    public static let formatIdentifier = "carrylens.per-digit-algorithm.v1"

    /// Short name, used in reports.
    public var name: String
    /// Rule for digits without an override.
    public var defaultRule: DigitRule
    /// Overrides, first match wins.
    public var overrides: [DigitOverride]

    /// Creates an algorithm.
    public init(name: String, defaultRule: DigitRule, overrides: [DigitOverride] = []) {
        self.name = name
        self.defaultRule = defaultRule
        self.overrides = overrides
    }

    private enum CodingKeys: String, CodingKey {
        case format, name
        case defaultRule = "default"
        case overrides
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let format = try container.decode(String.self, forKey: .format)
        guard format == Self.formatIdentifier else {
            throw DecodingError.dataCorruptedError(forKey: .format, in: container,
                debugDescription: "unsupported format \"\(format)\", expected \"\(Self.formatIdentifier)\"")
        }
        name = try container.decode(String.self, forKey: .name)
        defaultRule = try container.decode(DigitRule.self, forKey: .defaultRule)
        overrides = try container.decodeIfPresent([DigitOverride].self, forKey: .overrides) ?? []
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(Self.formatIdentifier, forKey: .format)
        try container.encode(name, forKey: .name)
        try container.encode(defaultRule, forKey: .defaultRule)
        try container.encode(overrides, forKey: .overrides)
    }

    /// Decodes an algorithm from its JSON form, with a readable error on malformed input.
    public static func load(json data: Data) throws -> PerDigitAlgorithm {
        do {
            return try CanonicalJSON.decode(PerDigitAlgorithm.self, from: data)
        } catch let error as DecodingError {
            throw AlgorithmError.malformed(describe(error))
        } catch {
            throw AlgorithmError.malformed(String(describing: error))
        }
    }

    /// The algorithm named on a command line: `paper` (the paper's one-level algorithm) or
    /// the path of an algorithm JSON file.
    public static func named(_ nameOrPath: String) throws(AlgorithmError) -> PerDigitAlgorithm {
        nameOrPath == "paper" ? .paper : try load(file: nameOrPath)
    }

    /// Reads the algorithm JSON file at `path`.
    public static func load(file path: String) throws(AlgorithmError) -> PerDigitAlgorithm {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw .unreadable(path: path, reason: systemReason(of: error))
        }
        do { return try load(json: data) } catch let error as AlgorithmError {
            if case .malformed(let reason) = error { throw .malformedFile(path: path, reason: reason) }
            throw error
        } catch {
            throw .malformedFile(path: path, reason: String(describing: error))
        }
    }

    /// The JSON form (sorted keys, pretty printed).
    public func jsonData() throws -> Data {
        try CanonicalJSON.encoder().encode(self)
    }

    /// The rule used for answer digit A(`place`) of an n-digit task.
    public func rule(place: Int, digitCount: Int) -> DigitRule {
        overrides.first { $0.selector.selects(place: place, digitCount: digitCount) }?.rule ?? defaultRule
    }

    /// The algorithm's answer digits A(n)…A0 for pair sums `pairSums[j] = s_j`
    /// (j = 0 least significant, n = pairSums.count). Exact for algorithms that read
    /// only pair-sum features; digit features see the split ``OperandColumns/split(pairSum:)``.
    public func answerDigits(pairSums: [Int]) -> [Int] {
        answerDigits(columns: OperandColumns(pairSums: pairSums))
    }

    /// The algorithm's answer digits A(n)…A0 for the operands' digits.
    public func answerDigits(columns: OperandColumns) -> [Int] {
        let n = columns.count
        return (0...n).reversed().map { rule(place: $0, digitCount: n).evaluate(place: $0, columns: columns) }
    }

    /// The algorithm's answer digits A(n)…A0 for `question`, most significant first,
    /// for three-way comparison with the network and with true addition.
    public func answerDigits(for question: Question) -> [Int] {
        let n = question.task.digitCount
        return answerDigits(columns: OperandColumns(first: (0..<n).map { question.firstDigit($0) },
                                                    second: (0..<n).map { question.secondDigit($0) }))
    }

    /// The algorithm's answer digits A(n)…A0 for operands given as digit arrays,
    /// least significant first (any n, also beyond ``AdditionTask/supportedDigitCounts``).
    public func answerDigits(firstOperandDigits a: [Int], secondOperandDigits b: [Int]) -> [Int] {
        answerDigits(columns: OperandColumns(first: a, second: b))
    }
}

/// The true answer digits A(n)…A0 of addition for pair sums `pairSums[j] = s_j`:
/// c_0 = 0, c_(k+1) = [s_k + c_k ≥ 10], A_k = (s_k + c_k) mod 10, A_n = c_n.
public func trueAnswerDigits(pairSums: [Int]) -> [Int] {
    var digits: [Int] = []
    var carry = 0
    for s in pairSums {
        digits.append((s + carry) % 10)
        carry = s + carry >= 10 ? 1 : 0
    }
    digits.append(carry)
    return digits.reversed()
}

private func describe(_ error: DecodingError) -> String {
    func path(_ context: DecodingError.Context) -> String {
        let text = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        return text.isEmpty ? "top level" : text
    }
    switch error {
    case .dataCorrupted(let context): return "\(path(context)): \(context.debugDescription)"
    case .keyNotFound(let key, let context): return "\(path(context)): missing key \"\(key.stringValue)\""
    case .typeMismatch(let type, let context): return "\(path(context)): expected \(type) (\(context.debugDescription))"
    case .valueNotFound(let type, let context): return "\(path(context)): missing \(type) value"
    @unknown default: return String(describing: error)
    }
}
