import XCTest
@testable import Proofs

final class Z3WrapperTests: XCTestCase {
    func testSatUnsatAndModel() throws {
        let context = try Z3Context()
        let x = try context.intConstant("x")
        let solver = try context.makeSolver()
        try solver.assert(try context.eq(try context.add([x, try context.int(2)]), try context.int(5)))
        XCTAssertEqual(try solver.check(), .sat)
        XCTAssertEqual(try solver.model().intValue(of: x), 3)
        try solver.assert(try context.gt(x, try context.int(3)))
        XCTAssertEqual(try solver.check(), .unsat)
    }

    func testSortMismatchThrowsInsteadOfExiting() throws {
        let context = try Z3Context()
        let x = try context.intConstant("x")
        let p = try context.boolConstant("p")
        XCTAssertThrowsError(try context.add([x, p])) { error in
            guard case Z3Error.api(_, let message) = error else { return XCTFail("unexpected error \(error)") }
            XCTAssertFalse(message.isEmpty)
        }
        XCTAssertThrowsError(try context.eq(x, p))
        // The context is still usable after the error.
        let solver = try context.makeSolver()
        try solver.assert(try context.ge(x, try context.int(0)))
        XCTAssertEqual(try solver.check(), .sat)
    }

    func testInvalidSMTLIBThrows() throws {
        let context = try Z3Context()
        XCTAssertThrowsError(try context.parseSMTLIB2("(declare-const x Int) (assert (> x"))
        XCTAssertThrowsError(try context.parseSMTLIB2("(assert (> y 1))"))  // undeclared constant
        let parsed = try context.parseSMTLIB2("(declare-const x Int) (assert (> x 1))")
        XCTAssertEqual(parsed.count, 1)
    }

    func testSolverTextIsSelfContainedBenchmark() throws {
        let context = try Z3Context()
        let x = try context.intConstant("x")
        let solver = try context.makeSolver()
        try solver.assert(try context.gt(x, try context.int(7)))
        let text = try solver.smtlib2Benchmark()
        XCTAssertTrue(text.contains("declare-fun x") || text.contains("declare-const x"), text)
        XCTAssertTrue(text.hasSuffix("(check-sat)\n"))
        let reparsed = try Z3Context().parseSMTLIB2(text.replacingOccurrences(of: "(check-sat)", with: ""))
        XCTAssertEqual(reparsed.count, 1)
    }

    /// A resource limit of 1 makes Z3 give up on a 12-digit query: the result is
    /// unknown with a reason, never sat/unsat.
    func testTinyLimitGivesUnknownWithReason() throws {
        let context = try Z3Context()
        let addition = try SymbolicAddition(context: context, digitCount: 12)
        let solver = try context.makeSolver()
        try solver.setParameters(["timeout": 1, "rlimit": 1])
        try solver.assert(addition.bounds)
        try solver.assert(try addition.differs(.paper, place: 12))
        guard case .unknown(let reason) = try solver.check() else { return XCTFail("expected unknown") }
        XCTAssertFalse(reason.isEmpty)
    }
}
