import AdditionTask
import CarryLensTestSupport
import Foundation
import Transformer
import XCTest

/// `carrylens info`, `run` and `logits`, run as a separate process.
final class ModelCommandTests: XCTestCase {
    private let model3 = Fixtures.modelURL(digits: 3).path
    private let model5 = Fixtures.modelURL(digits: 5).path

    // MARK: info

    func testInfoTextOnThreeDigitFixture() throws {
        let output = try CLIRunner.succeed(["info", model3])
        let model = try Fixtures.model(digits: 3)
        for expected in [
            "config: n_digits 3, n_layers 1, n_heads 3, d_model 510, d_head 170, d_mlp 2040",
            "parameters: \(model.config.parameterCount)",
            "task: D2..D0 + D'2..D'0 = A3..A0",
            "7   =    predicts A3",
            "10  A1   predicts A0",
            "load notes: none",
            "metadata keys: config, format, layout, tokens, training",
            "training: steps 30000, final loss",
        ] {
            XCTAssertTrue(output.stdout.contains(expected), "missing '\(expected)' in:\n\(output.stdout)")
        }
        XCTAssertEqual(output.stderr, "")
    }

    func testInfoJSONOnThreeDigitFixture() throws {
        let output = try CLIRunner.succeed(["info", model3, "--json"])
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any])
        let config = try XCTUnwrap(object["config"] as? [String: Any])
        XCTAssertEqual(config["n_digits"] as? Int, 3)
        XCTAssertEqual(config["d_model"] as? Int, 510)
        XCTAssertEqual(object["parameter_count"] as? Int, try Fixtures.model(digits: 3).config.parameterCount)
        let positions = try XCTUnwrap(object["positions"] as? [[String: Any]])
        XCTAssertEqual(positions.count, 12)
        XCTAssertEqual(positions[7]["token"] as? String, "=")
        XCTAssertEqual(positions[7]["predicts"] as? String, "A3")
        XCTAssertEqual(positions[4]["token"] as? String, "D'2")
        XCTAssertNil(positions[11]["predicts"])
        XCTAssertEqual(object["metadata_keys"] as? [String], ["config", "format", "layout", "tokens", "training"])
        let training = try XCTUnwrap(object["training"] as? [String: Any])
        XCTAssertEqual(training["steps"] as? Int, 30000)
        let loss = try XCTUnwrap(training["final_loss"] as? Double)
        XCTAssertGreaterThan(loss, 0)
        XCTAssertLessThan(loss, 1e-3)
    }

    // MARK: run

    func testRunMatchesTheReferencePass() throws {
        let model = try Fixtures.model(digits: 3)
        let question = try model.task.parseQuestion("445+555")
        let reference = ReferenceTransformer<Float>(model).run(question)
        let predicted = reference.predictedDigits.map { Token.symbol($0) }.joined()

        let text = try CLIRunner.succeed(["run", model3, "445+555"]).stdout
        XCTAssertTrue(text.contains("model answer: \(predicted)"), text)
        XCTAssertTrue(text.contains("true answer:  1000"), text)

        for precision in ["fp32", "fp64"] {
            let output = try CLIRunner.succeed(["run", model3, "445+555", "--json", "--precision", precision])
            let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any])
            XCTAssertEqual(object["model_answer"] as? String, predicted)
            XCTAssertEqual(object["true_answer"] as? String, "1000")
            XCTAssertEqual(object["correct"] as? Bool, predicted == "1000")
            XCTAssertEqual(object["precision"] as? String, precision)
            let digits = try XCTUnwrap(object["digits"] as? [[String: Any]])
            XCTAssertEqual(digits.map { $0["digit"] as? String }, ["A3", "A2", "A1", "A0"])
            XCTAssertEqual(digits.map { $0["position"] as? Int }, [7, 8, 9, 10])
            for (slot, row) in reference.answerLogits.enumerated() {
                let best = argmax(row)
                let runnerUp = row.indices.filter { $0 != best }.map { row[$0] }.max() ?? 0
                let margin = try XCTUnwrap(digits[slot]["margin"] as? Double)
                XCTAssertEqual(margin, Double(row[best] - runnerUp), accuracy: 1e-4, "\(precision) margin of slot \(slot)")
            }
        }
    }

    func testRunReportsWrongDigits() throws {
        // A tiny random model is wrong on most questions; its wrong digits must be listed.
        let url = try TinyModel.temporaryFile(try TinyModel.writer().data())
        let output = try CLIRunner.succeed(["run", url.path, "7+8", "--json"])
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any])
        let digits = try XCTUnwrap(object["digits"] as? [[String: Any]])
        let wrong = digits.filter { $0["correct"] as? Bool == false }.compactMap { $0["digit"] as? String }
        XCTAssertEqual(object["wrong_digits"] as? [String], wrong)
        XCTAssertEqual(object["correct"] as? Bool, wrong.isEmpty)
        XCTAssertEqual(object["true_answer"] as? String, "15")
    }

    // MARK: logits

    func testLogitsMatchPyTorchVectors() throws {
        for digits in [3, 5] {
            let vectors = try TestVectors(digits: digits)
            let picks = Array(0..<12) + [100, 400, 700, vectors.a.count - 1]
            let input = picks.map { "\(vectors.a[$0])+\(vectors.b[$0])" }.joined(separator: "\n") + "\n"
            let inputURL = try Fixtures.temporaryDirectory("logits").appendingPathComponent("questions.txt")
            try input.write(to: inputURL, atomically: true, encoding: .utf8)
            for precision in ["fp32", "fp64"] {
                let output = try CLIRunner.succeed(["logits", Fixtures.modelURL(digits: digits).path,
                                                    "--input", inputURL.path, "--precision", precision])
                let lines = output.stdout.split(separator: "\n")
                XCTAssertEqual(lines.count, picks.count)
                var worst = 0.0
                for (line, pick) in zip(lines, picks) {
                    let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                    XCTAssertEqual(object["a"] as? Int, vectors.a[pick])
                    XCTAssertEqual(object["b"] as? Int, vectors.b[pick])
                    let logits = try XCTUnwrap(object["logits"] as? [[Double]])
                    XCTAssertEqual(logits.count, digits + 1)
                    for (row, expected) in zip(logits, vectors.logits[pick]) {
                        XCTAssertEqual(row.count, 12)
                        for (value, reference) in zip(row, expected) { worst = max(worst, abs(value - Double(reference))) }
                    }
                }
                XCTAssertLessThanOrEqual(worst, 1e-4, "n = \(digits) \(precision): max |Δlogit| vs PyTorch")
            }
        }
    }

    func testLogitsNumbersRoundTripExactly() throws {
        let model = try Fixtures.model(digits: 3)
        let questions = ["445+555", "0+0", "999+999", "123+877"]
        let output = try CLIRunner.succeed(["logits", model3, "--input", "-"], standardInput: questions.joined(separator: "\n"))
        let expected = FastEvaluator(model).logits(indices: try questions.map { try model.task.parseQuestion($0).index })
        let lines = output.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, questions.count)
        var printed: [Float] = []
        for line in lines {
            let numbers = try XCTUnwrap(line.range(of: "\"logits\": ")).upperBound
            let tokens = line[numbers...].split(whereSeparator: { "[], }".contains($0) }).map(String.init)
            printed += try tokens.map { try XCTUnwrap(Float($0), "not a number: \($0)") }
        }
        XCTAssertEqual(printed.map(\.bitPattern), expected.map(\.bitPattern), "printed logits must read back to the same Float")
    }

    func testLogitsIgnoresBlankLinesAndKeepsOrder() throws {
        let output = try CLIRunner.succeed(["logits", model3, "--input", "-"], standardInput: "\n 12+34 \n\n9+1\r\n\n")
        let lines = output.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 2)
        XCTAssertTrue(lines[0].hasPrefix("{\"a\": 12, \"b\": 34, \"logits\": [["), String(lines[0]))
        XCTAssertTrue(lines[1].hasPrefix("{\"a\": 9, \"b\": 1, "), String(lines[1]))
    }

    func testLogitsOnMoreQuestionsThanOneChunk() throws {
        let model = try Fixtures.model(digits: 3)
        let indices = (0..<5000).map { ($0 * 7919) % model.task.questionCount }
        let questions = indices.map { model.task.question(atIndex: $0) }
        let input = questions.map { "\($0.a)+\($0.b)" }.joined(separator: "\n")
        let output = try CLIRunner.succeed(["logits", model3, "--input", "-"], standardInput: input)
        let lines = output.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, questions.count)
        for (line, question) in zip(lines, questions) where !line.hasPrefix("{\"a\": \(question.a), \"b\": \(question.b), ") {
            return XCTFail("out of order: expected \(question) but got \(line.prefix(40))")
        }
        let last = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(try XCTUnwrap(lines.last).utf8)) as? [String: Any])
        let logits = try XCTUnwrap(last["logits"] as? [[Double]]).flatMap { $0 }
        // The command evaluates in chunks of 4096; the last question is in the second chunk.
        let expected = FastEvaluator(model).logits(indices: Array(indices[4096...])).suffix(logits.count)
        XCTAssertEqual(logits.map { Float($0).bitPattern }, expected.map(\.bitPattern))
    }

    // MARK: Models without a config

    func testModelWithoutConfigNeedsAndAcceptsFlags() throws {
        let url = try TinyModel.temporaryFile(try TinyModel.writer(withConfig: false).data())
        try CLIRunner.fail(["info", url.path], mentioning: "--n-digits")
        let flags = ["--n-digits", "1", "--d-model", "8", "--d-head", "2", "--d-mlp", "16"]
        let output = try CLIRunner.succeed(["info", url.path] + flags)
        XCTAssertTrue(output.stdout.contains("n_digits 1, n_layers 1, n_heads 3, d_model 8, d_head 2, d_mlp 16"), output.stdout)
        try CLIRunner.succeed(["run", url.path, "3+4"] + flags)
        // Flags that do not describe the file's tensors are a clear error.
        try CLIRunner.fail(["info", url.path, "--n-digits", "1"], mentioning: "has shape")
    }

    func testFlagsContradictingTheFileConfigAreAnError() throws {
        try CLIRunner.fail(["info", model3, "--n-digits", "5"], mentioning: "--n-digits 5 (file: 3)")
    }
}

/// Bad input: non-zero exit, nothing on stdout, a clear message on stderr.
final class CommandErrorTests: XCTestCase {
    private let model3 = Fixtures.modelURL(digits: 3).path

    func testMissingModelFile() throws {
        for command in ["info", "run", "logits"] {
            var arguments = [command, "/nonexistent/model.safetensors"]
            if command == "run" { arguments.append("1+2") }
            if command == "logits" { arguments += ["--input", "-"] }
            try CLIRunner.fail(arguments, mentioning: "no such model file '/nonexistent/model.safetensors'")
        }
    }

    func testMalformedQuestion() throws {
        try CLIRunner.fail(["run", model3, "12+"], mentioning: "malformed question '12+'")
    }

    func testOperandTooLarge() throws {
        try CLIRunner.fail(["run", model3, "1000+1"], mentioning: "operands must be between 0 and 999")
    }

    func testTruncatedModelFile() throws {
        let data = try Data(contentsOf: Fixtures.modelURL(digits: 3))
        let url = try TinyModel.temporaryFile(Data(data.prefix(data.count - 1000)), name: "truncated.safetensors")
        try CLIRunner.fail(["info", url.path], mentioning: "file truncated?")
        try CLIRunner.fail(["run", url.path, "1+2"], mentioning: "cannot load model")
    }

    func testBadLogitsLineNamesTheLineAndPrintsNothing() throws {
        let output = try CLIRunner.fail(["logits", model3, "--input", "-"], mentioning: "-:3: malformed question 'oops'",
                                        standardInput: "1+2\n\noops\n4+5\n")
        XCTAssertNotEqual(output.status, 0)
        try CLIRunner.fail(["logits", model3, "--input", "-"], mentioning: "-:2: question '1+1000'", standardInput: "1+2\n1+1000\n")
        try CLIRunner.fail(["logits", model3, "--input", "/nonexistent/questions.txt"], mentioning: "cannot read input file")
    }

    func testBadPrecision() throws {
        try CLIRunner.fail(["run", model3, "1+2", "--precision", "fp16"], mentioning: "fp16")
    }
}
