import AdditionTask
import Foundation

/// Limits and output choices for a proof run.
public struct ProofOptions: Sendable {
    /// Per-check solver timeout in seconds (Z3 parameter `timeout`), nil for none.
    public var timeoutSeconds: Double?
    /// Per-solver resource limit (Z3 parameter `rlimit`), nil for none.
    public var resourceLimit: UInt32?
    /// How many witnesses to list for the whole difference set.
    public var witnessCount: Int
    /// Give up characterizing a difference set after this many cubes.
    public var maximumCubes: Int
    /// When every per-digit difference set is characterized (so the total is known from them),
    /// give up characterizing the union of them after this many cubes (nil: ``maximumCubes``).
    public var maximumUnionCubes: Int? = nil
    /// Receives one line per exact count, one per decided digit and one for the total (e.g. for a command's stderr).
    public var progress: (@Sendable (String) -> Void)? = nil
    /// Wall-clock budget in seconds for the whole run, nil for none. When it is used up, the
    /// digits not yet decided are `unknown` and counts not yet complete are absent: a verdict
    /// already reached (a proof, or a counterexample checked against true addition) stands,
    /// and nothing is reported as proved or counted that neither Z3 nor the exact case split finished.
    public var budgetSeconds: Double?
    /// Whether to count every difference set by the exact case split (``ExactDifferenceCounter``) as
    /// well as with Z3; where both finish, their counts must agree.
    public var exactCounting: Bool
    /// Limit of cubes the exact case split visits per count (deterministic); past it that count is
    /// left to Z3 alone.
    public var maximumExactCountCubes: Int = ExactDifferenceCounter.defaultMaximumCubes
    /// When the exact case split has counted a difference set (a digit's, or the union's), Z3
    /// characterizes it with at most this many cubes (nil: no further limit; 0: not at all). Z3's
    /// obligation and witness are checked either way; this only bounds the cross-check of the count.
    public var maximumCubesWhenCounted: Int? = nil

    /// Creates options.
    public init(timeoutSeconds: Double? = nil, resourceLimit: UInt32? = nil, witnessCount: Int = 3, maximumCubes: Int = 100_000,
                budgetSeconds: Double? = nil, exactCounting: Bool = true) {
        self.timeoutSeconds = timeoutSeconds
        self.resourceLimit = resourceLimit
        self.witnessCount = witnessCount
        self.maximumCubes = maximumCubes
        self.budgetSeconds = budgetSeconds
        self.exactCounting = exactCounting
    }
}

/// A finished run: the report and the SMT-LIB2 files it refers to (name → text).
public struct ProofRun: Sendable {
    /// The summary.
    public var report: ProofReport
    /// Self-contained SMT-LIB2 benchmarks, keyed by file name.
    public var smt2Files: [String: String]

    /// Writes `summary.json` (timings kept unless `reproducible`) and the `.smt2` files into `directory`.
    /// With `reproducible`, timings go to `timings.json` instead.
    public func write(to directory: URL, reproducible: Bool) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for (name, text) in smt2Files {
            try Data(text.utf8).write(to: directory.appendingPathComponent(name))
        }
        try CanonicalJSON.encode(reproducible ? report.withoutTimings : report).write(to: directory.appendingPathComponent("summary.json"))
        if reproducible {
            var timings: [String: Double] = [:]
            timings["total"] = report.seconds
            for digit in report.digits { timings[digit.digit] = digit.seconds }
            try CanonicalJSON.encode(timings).write(to: directory.appendingPathComponent("timings.json"))
        }
    }
}

/// Proves or refutes that a ``PerDigitAlgorithm`` equals true n-digit addition,
/// and characterizes exactly where it does not. Each call makes its own
/// ``Z3Context``, so calls for different n may run on different threads.
public enum AdditionProver {
    /// Text explaining cube patterns, stored in every report.
    public static let cubeNotation = "one token per column, most significant first: C = pair sum >= 10 (45 digit pairs), 9 = pair sum 9 (10), _ = pair sum <= 8 (45), * = any (100), [s] = pair sum exactly s (digitPairs(withSum: s)); a cube's size is the product"

    /// Runs every obligation for `digitCount` digits.
    public static func prove(_ algorithm: PerDigitAlgorithm, digitCount n: Int, options: ProofOptions = ProofOptions()) throws -> ProofRun {
        guard n >= 1 else { throw AlgorithmError.malformed("the number of digits must be at least 1, got \(n)") }
        let start = Date()
        let context = try Z3Context()
        let addition = try SymbolicAddition(context: context, digitCount: n)
        let deadline = options.budgetSeconds.map { start.addingTimeInterval($0) }
        let enumerator = CubeEnumerator(addition: addition, timeoutSeconds: options.timeoutSeconds, resourceLimit: options.resourceLimit,
                                        deadline: deadline)
        var files: [String: String] = [:]
        var checks: [SMTCheck] = []
        var digits: [DigitReport] = []
        var differences: [Z3Expression] = []
        // Each digit's difference set as disjoint cubes (nil when not characterized).
        var digitCubes: [[ColumnCube]?] = []

        // The exact case split (no solver): every difference set's size, checked against Z3's where both finish.
        // Counted first, before Z3 takes its share of the time budget.
        let counter = options.exactCounting
            ? ExactDifferenceCounter(algorithm, digitCount: n, maximumCubes: options.maximumExactCountCubes, deadline: deadline) : nil
        var exactCounts: [Int: ExactCount] = [:]
        var exactAny: ExactCount?
        if let counter {
            for place in (0...n).reversed() {
                let countStart = Date()
                exactCounts[place] = counter.count(place: place)
                options.progress?("n = \(n) A\(place): exact case split \(Self.progressText(exactCounts[place]!)) in \(String(format: "%.1f", Date().timeIntervalSince(countStart))) s")
            }
            if exactCounts.values.contains(where: { $0.questions != 0 }) {
                let countStart = Date()
                exactAny = counter.countAnyDigit()
                options.progress?("n = \(n) any digit: exact case split \(Self.progressText(exactAny!)) in \(String(format: "%.1f", Date().timeIntervalSince(countStart))) s")
            }
        }

        for place in (0...n).reversed() {
            let digitStart = Date()
            let name = "A\(place)"
            let exact = exactCounts[place]
            let exactCount = exact?.questions
            let differs = try addition.differs(algorithm, place: place)
            differences.append(differs)
            let solver = try enumerator.makeSolver()
            try solver.assert(differs)
            let obligationFile = "\(name)-differs.smt2"
            let benchmark = try solver.smtlib2Benchmark()
            var report = DigitReport(digit: name, place: place, verdict: .unknown)
            var cubesOfDigit: [ColumnCube]?
            var z3Verdict = Verdict.unknown
            switch try solver.check() {
            case .unsat:
                if let exactCount, exactCount != 0 {
                    throw Z3Error.unexpected("Z3 proves \(name) right on every question, the exact case split counts \(exactCount) wrong questions")
                }
                z3Verdict = .proved
                cubesOfDigit = []
                report.verdict = .proved
                report.counterexamples = "0"
                report.cubes = []
                report.countSource = exactCount == nil ? .z3 : .z3AndExactCaseSplit
            case .unknown(let reason):
                report.unknownReason = enumerator.unknownReason(reason)
                if case .exact(let questions, _, let example)? = exact {
                    // Z3 gave up; the exact case split decides the digit (a witness is re-checked by arithmetic).
                    report.counterexamples = String(questions)
                    report.countSource = .exactCaseSplit
                    if let example {
                        report.verdict = .refuted
                        report.witness = try checkedWitness(algorithm, first: example.first, second: example.second, mustBeWrong: [place])
                    } else {
                        report.verdict = .proved
                        report.cubes = []
                        cubesOfDigit = []
                    }
                }
            case .sat:
                if exactCount == 0 {
                    throw Z3Error.unexpected("Z3 finds \(name) wrong on some question, the exact case split on none")
                }
                z3Verdict = .refuted
                report.verdict = .refuted
                let model = try solver.model()
                let first = try addition.firstDigits.map { try model.intValue(of: $0) }
                let second = try addition.secondDigits.map { try model.intValue(of: $0) }
                report.witness = try checkedWitness(algorithm, first: first, second: second, mustBeWrong: [place])
                let limit = exactCount == nil ? options.maximumCubes : min(options.maximumCubes, options.maximumCubesWhenCounted ?? options.maximumCubes)
                switch try (limit == 0 ? CubeEnumerationResult.unknown(reason: Self.notCharacterized) : enumerator.enumerate(differs, maximumCubes: limit)) {
                case .unknown(let reason):
                    report.unknownReason = reason
                    if let exactCount {
                        report.counterexamples = String(exactCount)
                        report.countSource = .exactCaseSplit
                    }
                case .complete(let cubes):
                    let sorted = cubes.sorted { $0.pattern < $1.pattern }
                    let count = sorted.reduce(UInt128(0)) { $0 + $1.questionCount }
                    if let exactCount, exactCount != count {
                        throw Z3Error.unexpected("\(name): Z3's characterization has \(count) questions, the exact case split \(exactCount)")
                    }
                    cubesOfDigit = sorted
                    report.cubes = sorted.map { CubeRecord(pattern: $0.pattern, questions: String($0.questionCount)) }
                    report.counterexamples = String(count)
                    report.countSource = exactCount == nil ? .z3 : .z3AndExactCaseSplit
                    let file = "\(name)-difference-set.smt2"
                    files[file] = try characterization(differs, sorted, enumerator)
                    checks.append(SMTCheck(file: file, expected: "unsat",
                        meaning: "the set where \(name) is wrong XOR the union of its cubes is empty"))
                }
            }
            if z3Verdict != .unknown {
                files[obligationFile] = benchmark
                checks.append(SMTCheck(file: obligationFile, expected: z3Verdict == .proved ? "unsat" : "sat",
                    meaning: "some input makes the algorithm's \(name) differ from true addition"))
            }
            report.seconds = Date().timeIntervalSince(digitStart)
            options.progress?("n = \(n) \(name): \(report.verdict.rawValue)\(report.counterexamples.map { ", \($0) wrong questions" } ?? (report.unknownReason.map { " (\($0))" } ?? "")) in \(String(format: "%.1f", report.seconds ?? 0)) s")
            digits.append(report)
            digitCubes.append(cubesOfDigit)
        }

        let verdict = Verdict.combined(digits.map(\.verdict))

        var total: String?
        var differenceSet: [CubeRecord]?
        var differenceReason: String?
        var totalMethod: String?
        var witnesses: [Witness] = []
        switch verdict {
        case .proved:
            total = "0"
            differenceSet = []
        case .unknown:
            differenceReason = digits.compactMap(\.unknownReason).first
        case .refuted:
            // The union of the per-digit difference sets Z3 characterized, counted exactly by cube
            // arithmetic, and the exact case split's count of questions with any wrong digit; every
            // count obtained must agree with the others and with Z3's characterization of the union.
            var unionCount: UInt128?
            if digitCubes.allSatisfy({ $0 != nil }) {
                var union = CubeUnion(columnCount: n)
                for cubes in digitCubes { for cube in cubes ?? [] { union.insert(cube) } }
                unionCount = union.questionCount
            }
            let exactTotalReason: String?
            if case .unknown(let reason)? = exactAny { exactTotalReason = reason } else { exactTotalReason = nil }
            let exactTotal = exactAny?.questions
            if let unionCount, let exactTotal, unionCount != exactTotal {
                throw Z3Error.unexpected("the union of the per-digit difference sets has \(unionCount) questions, the exact case split counts \(exactTotal)")
            }
            let any = try context.or(differences)
            let counted = unionCount != nil || exactTotal != nil
            var unionLimit = counted ? min(options.maximumCubes, options.maximumUnionCubes ?? options.maximumCubes) : options.maximumCubes
            if exactTotal != nil, let limit = options.maximumCubesWhenCounted { unionLimit = min(unionLimit, limit) }
            switch try (unionLimit == 0 ? CubeEnumerationResult.unknown(reason: Self.notCharacterized) : enumerator.enumerate(any, maximumCubes: unionLimit)) {
            case .unknown(let reason):
                differenceReason = reason
                if let exactTotal {
                    total = String(exactTotal)
                    totalMethod = "the exact case split over column digit pairs (no solver)"
                        + (unionCount == nil ? "" : ", equal to the union of the per-digit difference sets Z3 characterized (counted by exact cube arithmetic)")
                        + "; Z3 did not characterize the union: \(reason)"
                } else if let unionCount {
                    total = String(unionCount)
                    totalMethod = "the union of the per-digit difference sets (each characterized by Z3 and re-checked), counted by exact cube arithmetic; the union itself was not characterized: \(reason)"
                        + (exactTotalReason.map { "; the exact case split stopped: \($0)" } ?? "")
                }
            case .complete(let cubes):
                let count = cubes.reduce(UInt128(0)) { $0 + $1.questionCount }
                if let unionCount, unionCount != count {
                    throw Z3Error.unexpected("the union of the per-digit difference sets has \(unionCount) questions, its characterization \(count)")
                }
                if let exactTotal, exactTotal != count {
                    throw Z3Error.unexpected("Z3's characterization of the questions with any wrong digit has \(count) questions, the exact case split \(exactTotal)")
                }
                let sorted = cubes.sorted { $0.pattern < $1.pattern }
                differenceSet = sorted.map { CubeRecord(pattern: $0.pattern, questions: String($0.questionCount)) }
                total = String(sorted.reduce(UInt128(0)) { $0 + $1.questionCount })
                let file = "any-difference-set.smt2"
                files[file] = try characterization(any, sorted, enumerator)
                checks.append(SMTCheck(file: file, expected: "unsat",
                    meaning: "the set of questions with any wrong digit XOR the union of its cubes is empty"))
                for cube in sorted.prefix(options.witnessCount) {
                    let (first, second) = cube.representative
                    witnesses.append(try checkedWitness(algorithm, first: first, second: second, mustBeWrong: []))
                }
            }
        }
        checks.sort { $0.file < $1.file }
        let report = ProofReport(
            algorithm: algorithm.name, nDigits: n, verdict: verdict,
            questionCount: String(power10(UInt128(2 * n))),
            counterexamples: total, perDigitCounterexamples: digits.map(\.counterexamples),
            digits: digits, differenceSet: differenceSet, differenceSetUnknownReason: differenceReason, counterexamplesMethod: totalMethod,
            witnesses: witnesses, smt2Checks: checks, cubeNotation: cubeNotation,
            seconds: Date().timeIntervalSince(start))
        return ProofRun(report: report, smt2Files: files)
    }

    /// Why a set the exact case split counted has no Z3 characterization when its cube limit is 0.
    static let notCharacterized = "not characterized by Z3 (cube limit 0 for sets the exact case split counted)"

    /// `1,234 wrong questions (56 cubes)` or `stopped: reason`, for progress lines.
    static func progressText(_ count: ExactCount) -> String {
        switch count {
        case .exact(let questions, let cubes, _): return "\(questions) wrong questions (\(cubes) cubes)"
        case .unknown(let reason): return "stopped: \(reason)"
        }
    }

    /// An SMT-LIB2 benchmark asserting `set` XOR (union of `cubes`); unsat means equality.
    /// Also checks it with Z3 here and refuses to report a characterization Z3 does not confirm.
    static func characterization(_ set: Z3Expression, _ cubes: [ColumnCube], _ enumerator: CubeEnumerator) throws -> String {
        let context = enumerator.addition.context
        let solver = try enumerator.makeSolver()
        try solver.assert(try context.xor(set, try enumerator.formula(forUnionOf: cubes)))
        let text = try solver.smtlib2Benchmark()
        let result = try solver.check()
        guard result == .unsat else {
            throw Z3Error.unexpected("the cube characterization does not match its set (check gave \(result))")
        }
        return text
    }

    /// A witness for operand digits (least significant first), checked by plain arithmetic.
    /// Throws if the algorithm's answer is right where it must be wrong.
    static func checkedWitness(_ algorithm: PerDigitAlgorithm, first: [Int], second: [Int], mustBeWrong places: [Int]) throws -> Witness {
        let n = first.count
        let predicted = algorithm.answerDigits(firstOperandDigits: first, secondOperandDigits: second)
        // True answer by decimal addition of the operands (not by the carry model).
        let a = first.enumerated().reduce(UInt128(0)) { $0 + UInt128($1.element) * power10(UInt128($1.offset)) }
        let b = second.enumerated().reduce(UInt128(0)) { $0 + UInt128($1.element) * power10(UInt128($1.offset)) }
        let sum = a + b
        let truth = (0...n).reversed().map { Int((sum / power10(UInt128($0))) % 10) }
        let wrong = (0...n).reversed().filter { predicted[n - $0] != truth[n - $0] }
        guard !wrong.isEmpty, places.allSatisfy(wrong.contains) else {
            throw Z3Error.unexpected("witness \(a)+\(b) is not wrong at A\(places)")
        }
        func text(_ digits: [Int]) -> String { digits.map { (0...9).contains($0) ? String($0) : "(\($0))" }.joined() }
        return Witness(
            question: first.reversed().map(String.init).joined() + "+" + second.reversed().map(String.init).joined(),
            algorithmAnswer: text(predicted), trueAnswer: text(truth), wrongDigits: wrong.map { "A\($0)" })
    }
}

/// 10^k as UInt128.
func power10(_ k: UInt128) -> UInt128 {
    var result: UInt128 = 1
    var remaining = k
    while remaining > 0 { result *= 10; remaining -= 1 }
    return result
}
