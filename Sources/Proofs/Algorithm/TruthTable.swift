/// One row of a ``TruthTable``: when the input features take the values `match`
/// (in the order of ``TruthTable/inputs``; Booleans as 0/1), the digit is `output`.
public struct TruthTableRow: Codable, Hashable, Sendable {
    /// Feature values, one per input.
    public var match: [Int]
    /// The answer digit for this row.
    public var output: Int

    /// Creates a row.
    public init(match: [Int], output: Int) {
        self.match = match
        self.output = output
    }
}

/// An answer digit as a lookup table over column features, with an explicit
/// default for value combinations that have no row.
///
/// JSON: `{"inputs": [{"feature": "S", "offset": 0}, …], "rows": [{"match": [5, 1], "output": 6}, …], "default": 0}`.
/// Rows must have one value per input and no two rows may share `match`.
public struct TruthTable: Codable, Hashable, Sendable {
    /// The features looked up, in order.
    public var inputs: [ColumnFeature]
    /// The rows, in the order given (the order does not change the meaning).
    public var rows: [TruthTableRow]
    /// The output for feature values with no row.
    public var defaultOutput: Int
    /// Row outputs keyed by `match`, for constant-time lookups (derived from `rows`).
    private var outputs: [[Int]: Int] = [:]

    enum CodingKeys: String, CodingKey {
        case inputs, rows
        case defaultOutput = "default"
    }

    /// Creates a table, checking row widths and duplicate rows.
    public init(inputs: [ColumnFeature], rows: [TruthTableRow], defaultOutput: Int) throws {
        self.inputs = inputs
        self.rows = rows
        self.defaultOutput = defaultOutput
        if let problem = validationProblem { throw AlgorithmError.malformed(problem) }
        outputs = Dictionary(rows.map { ($0.match, $0.output) }, uniquingKeysWith: { first, _ in first })
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        inputs = try container.decode([ColumnFeature].self, forKey: .inputs)
        rows = try container.decode([TruthTableRow].self, forKey: .rows)
        defaultOutput = try container.decode(Int.self, forKey: .defaultOutput)
        if let problem = validationProblem {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: problem))
        }
        outputs = Dictionary(rows.map { ($0.match, $0.output) }, uniquingKeysWith: { first, _ in first })
    }

    private var validationProblem: String? {
        var seen = Set<[Int]>()
        for row in rows {
            if row.match.count != inputs.count {
                return "truth-table row \(row.match) has \(row.match.count) values but the table has \(inputs.count) inputs"
            }
            if !seen.insert(row.match).inserted { return "truth-table row \(row.match) appears twice" }
        }
        return nil
    }

    /// The table's output for answer digit `place` given pair sums `pairSums[j] = s_j`
    /// (digit features see the split ``OperandColumns/split(pairSum:)``).
    public func evaluate(place: Int, pairSums: [Int]) -> Int {
        evaluate(place: place, columns: OperandColumns(pairSums: pairSums))
    }

    /// The table's output for answer digit `place` given the operands' digits.
    public func evaluate(place: Int, columns: OperandColumns) -> Int {
        let key = inputs.map { $0.value(place: place, columns: columns) }
        return outputs[key] ?? defaultOutput
    }
}
