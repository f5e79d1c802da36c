import AdditionTask
import CarryLensTestSupport
import Interpretation
import Transformer
import XCTest

/// `run --explain`'s per-digit drill-down on the n = 3 fixture.
final class QuestionDrillDownTests: XCTestCase {
    func testContributionsAddUpToTheReferenceLogits() throws {
        let model = try Fixtures.model(digits: 3)
        for text in ["555+445", "123+456", "999+1", "0+0"] {
            let question = try model.task.parseQuestion(text)
            let drillDown = QuestionDrillDown(model: model, question: question)
            let logits = ReferenceTransformer<Double>(model).run(question).answerLogits
            XCTAssertEqual(drillDown.digits.count, 4)
            for (slot, digit) in drillDown.digits.enumerated() {
                let row = logits[slot]
                XCTAssertEqual(digit.predicted, argmax(row), text)
                XCTAssertNotEqual(digit.runnerUp, digit.predicted)
                XCTAssertEqual(digit.logits.winner, row[digit.predicted])
                XCTAssertEqual(digit.logits.runnerUp, row[digit.runnerUp])
                XCTAssertEqual(row.indices.filter { $0 != digit.predicted }.map { row[$0] }.max(), row[digit.runnerUp])
                XCTAssertEqual(digit.margin, row[digit.predicted] - row[digit.runnerUp])
                let parts = digit.heads.map(\.contribution) + [digit.mlp, digit.embeddings, digit.biases]
                XCTAssertEqual(parts.map(\.winner).reduce(0, +), digit.logits.winner, accuracy: 1e-9 * max(1, abs(digit.logits.winner)), "\(text) \(digit.digit)")
                XCTAssertEqual(parts.map(\.runnerUp).reduce(0, +), digit.logits.runnerUp, accuracy: 1e-9 * max(1, abs(digit.logits.runnerUp)), "\(text) \(digit.digit)")
                for head in digit.heads {
                    XCTAssertEqual(head.topAttention.count, 3)
                    XCTAssertEqual(head.topAttention.map(\.weight), head.topAttention.map(\.weight).sorted(by: >))
                    XCTAssertTrue(head.topAttention.allSatisfy { $0.position <= digit.position && $0.weight >= 0 && $0.weight <= 1 })
                }
            }
        }
    }

    /// 555+445: column sums 9, 9, 10 (most significant first): the carry made in
    /// column 0 cascades through columns 1 and 2.
    func testCarryCascadeOfAFullCascade() throws {
        let model = try Fixtures.model(digits: 3)
        let drillDown = QuestionDrillDown(model: model, question: try model.task.parseQuestion("555+445"))
        XCTAssertEqual(drillDown.digits.map(\.digit.description), ["A3", "A2", "A1", "A0"])
        XCTAssertEqual(drillDown.digits.map(\.position), [7, 8, 9, 10])
        XCTAssertEqual(drillDown.digits.map(\.expected), [1, 0, 0, 0])
        XCTAssertEqual(drillDown.digits.map(\.carryIn), [true, true, true, false])
        XCTAssertEqual(drillDown.digits.map(\.cascadeLength), [2, 1, 0, 0])
    }
}
