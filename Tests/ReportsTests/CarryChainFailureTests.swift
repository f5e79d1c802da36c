import AdditionTask
import Exhaustive
import Foundation
import XCTest
@testable import Reports

/// The failure table's grouping on four hand-made n = 3 failures. Every expected count,
/// pattern and denominator below was worked out by hand from the digits.
final class CarryChainFailureTests: XCTestCase {
    let task = try! AdditionTask(digitCount: 3)

    /// A failure whose network answer is `predicted` (A3 A2 A1 A0).
    func failure(_ a: Int, _ b: Int, predicted: String) throws -> FailureRecord {
        let digits = predicted.map { UInt8(String($0))! }
        return try XCTUnwrap(FailureRecord.check(question: Question(a: a, b: b, task: task), predicted: digits))
    }

    /// 099+001 = 0100, answered 0000: A2 wrong; columns 2…0 have pair sums 0, 9, 10 → A2's chain `*9C`.
    /// 045+050 = 0095, answered 1195: A3 and A2 wrong; sums 0, 9, 5 → A3 `_**`, A2 `*9_`.
    /// 190+810 = 1000, answered 0100: A3 and A2 wrong; sums 9, 10, 0 → A3 `9C*`, A2 `*C*`.
    /// 036+062 = 0098, answered 0198: A2 wrong; sums 0, 9, 8 → A2 `*9_`.
    func handMadeFailures() throws -> [FailureRecord] {
        [try failure(99, 1, predicted: "0000"), try failure(45, 50, predicted: "1195"),
         try failure(190, 810, predicted: "0100"), try failure(36, 62, predicted: "0198")]
    }

    func testGroupsCountsDenominatorsAndOrderOverTheWholeSpace() throws {
        let table = CarryChainFailures(failures: try handMadeFailures(), task: task, questionsWithChain: CarryChainFailures.wholeSpaceCount)
        // Sizes by hand: * = 100 digit pairs, C = 45, 9 = 10, _ = 45.
        // *9_ = 100·10·45 = 45,000; 9C* = 10·45·100 = 45,000; *9C = 100·10·45 = 45,000;
        // _** = 45·100·100 = 450,000; *C* = 100·45·100 = 450,000.
        // Order: most wrong first; ties by higher rate (1/45,000 before 1/450,000), then A3 before A2.
        let rows = table.groups.map { "\($0.key.digit) \($0.key.pattern) \($0.wrong)/\($0.questions) carry-in:\($0.key.carriesIn)" }
        XCTAssertEqual(rows, [
            "A2 *9_ 2/45000 carry-in:false",
            "A3 9C* 1/45000 carry-in:true",
            "A2 *9C 1/45000 carry-in:true",
            "A3 _** 1/450000 carry-in:false",
            "A2 *C* 1/450000 carry-in:true",
        ])
        XCTAssertEqual(table.wrongDigits, 6)
        XCTAssertEqual(table.groups[0].rate, 2.0 / 45_000)
    }

    /// Denominators counted over the questions in scope: n = 1 has 100 questions; column 0's
    /// pair sum is ≥ 10 for 45 of them, 9 for 10, ≤ 8 for 45; A0 has no carry in (`*`, all 100).
    func testDenominatorsCountedOverQuestionsInScope() throws {
        let one = try AdditionTask(digitCount: 1)
        let counts = CarryChainFailures.counts(overQuestionIndices: 0..<100, task: one)
        func count(_ place: Int, _ classes: [PairSumClass]) -> Int? { counts[CarryChainKey(digit: AnswerDigit(place: place), classes: classes)] }
        XCTAssertEqual(count(1, [.makesCarry]), 45)
        XCTAssertEqual(count(1, [.sumNine]), 10)
        XCTAssertEqual(count(1, [.belowNine]), 45)
        XCTAssertEqual(count(0, [.sumNine]), 100)
        XCTAssertEqual(counts.count, 4)
        // A sample of three n = 3 questions: 099+001 (sums 0,9,10), 045+050 (0,9,5), 036+062 (0,9,8):
        // A2's chain is *9C once and *9_ twice.
        let sampled = CarryChainFailures.counts(overQuestionIndices: [99_001, 45_050, 36_062], task: task)
        XCTAssertEqual(sampled[CarryChainKey(digit: AnswerDigit(place: 2), classes: [.belowNine, .sumNine, .belowNine])], 2)
        XCTAssertEqual(sampled[CarryChainKey(digit: AnswerDigit(place: 2), classes: [.makesCarry, .sumNine, .belowNine])], 1)
    }

    /// The closed-form count over index ranges equals walking every question of the
    /// ranges, for every chain of every digit, on random ranges (n = 2 and 3), whole
    /// spaces, empty ranges and ranges that end at the last question.
    func testRangeCountsInClosedFormEqualWalkingEveryQuestion() throws {
        var generator = SeededGenerator(seed: 2026)
        for n in [2, 3] {
            let task = try AdditionTask(digitCount: n)
            let size = task.questionCount
            // Every chain of every digit: from every vector of column classes.
            var keys = Set<CarryChainKey>()
            for code in 0..<Int(pow(3.0, Double(n))) {
                let classes = (0..<n).map { column in [PairSumClass.makesCarry, .sumNine, .belowNine][(code / Int(pow(3.0, Double(column)))) % 3] }
                for digit in task.answerDigits { keys.insert(CarryChainKey(digit: digit, classes: classes)) }
            }
            var rangeSets: [[Range<Int>]] = [[5..<5], [(size - 37)..<size], [0..<1, (size - 1)..<size]]
            if n == 2 { rangeSets.append([0..<size]) }
            for _ in 0..<6 {
                // Two disjoint ranges of at most 10,000 questions each (a quarter of the space at n = 2).
                let longest = min(10_000, size / 4)
                let starts = (0..<2).map { _ in Int(generator.next() % UInt64(size - longest)) }.sorted()
                let lengths = (0..<2).map { _ in Int(generator.next() % UInt64(longest + 1)) }
                rangeSets.append([starts[0]..<(starts[0] + lengths[0]), starts[1]..<(starts[1] + lengths[1])])
            }
            for ranges in rangeSets {
                let walked = CarryChainFailures.counts(overQuestionIndices: ranges.lazy.flatMap { $0 }, task: task)
                for key in keys {
                    XCTAssertEqual(CarryChainFailures.count(key, overIndexRanges: ranges, task: task), walked[key] ?? 0,
                                   "n = \(n), \(key.digit) \(key.pattern), ranges \(ranges)")
                }
            }
            for key in keys {
                XCTAssertEqual(CarryChainFailures.count(key, overIndexRanges: [0..<size], task: task), CarryChainFailures.wholeSpaceCount(key))
            }
        }
    }

    /// A chain of nines down to column 0 carries nothing in; its pattern keeps every nine.
    func testAllNineChainKeepsEveryColumnAndCarriesNothing() {
        let key = CarryChainKey(digit: AnswerDigit(place: 3), classes: [.sumNine, .sumNine, .sumNine])
        XCTAssertEqual(key.pattern, "999")
        XCTAssertFalse(key.carriesIn)
        XCTAssertEqual(CarryChainFailures.wholeSpaceCount(key), 1_000)
    }

    /// 1/450,000 = 0.000222…%, 2/45,000 = 0.00444…%, 1/4 = 25%.
    func testRatesKeepThreeSignificantDigitsBelowOnePercent() {
        XCTAssertEqual(VerificationReport.rate(1, of: 450_000), "0.000222%")
        XCTAssertEqual(VerificationReport.rate(2, of: 45_000), "0.00444%")
        XCTAssertEqual(VerificationReport.rate(1, of: 4), "25.0%")
        XCTAssertEqual(VerificationReport.rate(0, of: 5), "0%")
        XCTAssertEqual(VerificationReport.rate(1, of: 0), "—")
    }

    func testLinksAreRelativeToTheReportDirectory() {
        XCTAssertEqual(RelativePath.from(URL(fileURLWithPath: "/r"), to: URL(fileURLWithPath: "/r/proofs/paper/A3-differs.smt2")), "proofs/paper/A3-differs.smt2")
        XCTAssertEqual(RelativePath.from(URL(fileURLWithPath: "/tmp/out"), to: URL(fileURLWithPath: "/work/r/proofs/paper/A3.smt2")), "../../work/r/proofs/paper/A3.smt2")
        XCTAssertEqual(RelativePath.from(URL(fileURLWithPath: "/a/b/out/"), to: URL(fileURLWithPath: "/a/b/res/x.smt2")), "../res/x.smt2")
    }
}

/// Which tables become one card per row below 600 px (the rule is in HTMLRenderer).
final class NarrowScreenTableTests: XCTestCase {
    /// Longest words: digit 5, "19,987" 6, "algorithm" 9 ×3, "differently" 11 = 49, plus 6 × 1.5 = 58 > 46.
    func testWideNumericTableStacksWithLabelledCells() {
        let table = ReportTable(header: ["digit", "all agree", "network wrong as algorithm predicts", "network wrong, algorithm right",
                                         "network right, algorithm wrong", "both wrong differently"],
                                plainRows: [["A5", "19,987", "3", "3", "7", "0"]])
        XCTAssertTrue(HTMLRenderer.stacksOnNarrowScreens(table))
        var figures = 0
        let html = HTMLRenderer.block(.table(table), figureNumber: &figures)
        XCTAssertTrue(html.contains("<table class=\"stack-narrow\">"))
        XCTAssertTrue(html.contains("<td data-label=\"both wrong differently\"><span>0</span></td>"), html)
    }

    /// "digit" 5 + "wrong" 5 + 2 × 1.5 = 13: stays a grid, no labels.
    func testNarrowTableStaysAGrid() {
        let table = ReportTable(header: ["digit", "wrong"], plainRows: [["A1", "1"]])
        XCTAssertFalse(HTMLRenderer.stacksOnNarrowScreens(table))
        var figures = 0
        XCTAssertFalse(HTMLRenderer.block(.table(table), figureNumber: &figures).contains("data-label"))
    }

    /// One sentence-long cell (over 40 characters) is enough.
    func testTableWithASentenceStacks() {
        let table = ReportTable(header: ["a", "b"], plainRows: [["x", String(repeating: "word ", count: 9)]])
        XCTAssertTrue(HTMLRenderer.stacksOnNarrowScreens(table))
    }
}
