// swift-tools-version:5.10
// CarryLens: exhaustive evaluation, interpretation and Z3 proofs for the
// one-layer addition transformer of "Understanding Addition in Transformers".
//
// Data flow, one module per stage:
//   AdditionTask → Transformer → Exhaustive / Interpretation → Proofs → Reports → carrylens
import PackageDescription

/// Every target is compiled for a CPU's vector units: without it fused multiply-adds
/// become library calls and the evaluator is many times slower, and the generic
/// reference pass is specialised (and vectorised) in the test targets that call it. The build machine's
/// own CPU by default; `CARRYLENS_MARCH=x86-64-v3` (AVX2 + FMA) builds a binary that
/// runs on every machine of that level (scripts/build-flags passes it through).
/// Results do not depend on this choice: see docs/reproducibility.md.
let targetCPU = Context.environment["CARRYLENS_MARCH"].flatMap { $0.isEmpty ? nil : $0 } ?? "native"
let nativeSwift: [SwiftSetting] = [.unsafeFlags(["-Xcc", "-march=\(targetCPU)"])]

let package = Package(
    name: "CarryLens",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "carrylens", targets: ["carrylens"]),
        .library(name: "CarryLens", targets: ["AdditionTask", "Transformer", "Exhaustive", "Interpretation", "Proofs", "Reports", "Verification"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        // Reads the zip archives of PyTorch checkpoints (.pth/.pt).
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        // `Real` (RealModule): the scalar protocol the evaluation kernel is generic over.
        .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
    ],
    targets: [
        // C shims, wrapped once each.
        .systemLibrary(name: "CZ3", path: "Sources/CZ3", pkgConfig: "z3", providers: [.apt(["libz3-dev"])]),
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        // Streaming zlib for the compressed failure sets (failures.bin); zlib's types stay in the C file.
        .target(name: "CZlibStream", linkerSettings: [.linkedLibrary("z")]),

        // Stages.
        .target(name: "AdditionTask"),
        // OS and decoding errors in plain words, for every module that reads or writes files.
        .target(name: "Diagnostics"),
        .target(name: "Transformer", dependencies: ["AdditionTask", "Diagnostics", "COpenBLAS", .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                                                 .product(name: "RealModule", package: "swift-numerics")],
                swiftSettings: nativeSwift),
        .target(name: "Exhaustive", dependencies: ["AdditionTask", "Transformer", "Diagnostics", "COpenBLAS", "CZlibStream", .product(name: "Crypto", package: "swift-crypto")],
                swiftSettings: nativeSwift),
        .target(name: "Proofs", dependencies: ["AdditionTask", "CZ3", "Diagnostics"], swiftSettings: nativeSwift),
        .target(name: "Interpretation", dependencies: ["AdditionTask", "Transformer", "Exhaustive", "Proofs", "Diagnostics"], swiftSettings: nativeSwift),
        .target(name: "Reports", dependencies: ["AdditionTask", "Transformer", "Exhaustive", "Interpretation", "Proofs", "Diagnostics"], swiftSettings: nativeSwift),
        .target(name: "Verification", dependencies: ["AdditionTask", "Transformer", "Exhaustive", "Interpretation", "Proofs", "Reports"], swiftSettings: nativeSwift),
        .executableTarget(name: "carrylens", dependencies: [
            "AdditionTask", "Transformer", "Exhaustive", "Interpretation", "Proofs", "Reports", "Verification", "Diagnostics",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // The model and checkpoint readers' fuzz targets (libFuzzer through scripts/fuzz-model-reader; built
        // normally it replays files).
        .executableTarget(name: "carrylens-fuzz", dependencies: ["Transformer", .product(name: "ZIPFoundation", package: "ZIPFoundation")],
                          path: "Sources/carrylens-fuzz"),

        // Tests mirror the modules; CarryLensCLITests runs the built executable end to end.
        .target(name: "CarryLensTestSupport", dependencies: ["AdditionTask", "Transformer", "Interpretation", "Verification", .product(name: "ZIPFoundation", package: "ZIPFoundation")], path: "Tests/CarryLensTestSupport", swiftSettings: nativeSwift),
        .testTarget(name: "AdditionTaskTests", dependencies: ["AdditionTask"], swiftSettings: nativeSwift),
        .testTarget(name: "DiagnosticsTests", dependencies: ["Diagnostics"], swiftSettings: nativeSwift),
        .testTarget(name: "TransformerTests", dependencies: ["Transformer", "CarryLensTestSupport"], swiftSettings: nativeSwift),
        .testTarget(name: "ExhaustiveTests", dependencies: ["Exhaustive", "CarryLensTestSupport"], swiftSettings: nativeSwift),
        .testTarget(name: "ProofsTests", dependencies: ["Proofs", "CarryLensTestSupport"], swiftSettings: nativeSwift),
        .testTarget(name: "InterpretationTests", dependencies: ["Interpretation", "CarryLensTestSupport"], swiftSettings: nativeSwift),
        .testTarget(name: "ReportsTests", dependencies: ["Reports", "CarryLensTestSupport"], swiftSettings: nativeSwift),
        .testTarget(name: "VerificationTests", dependencies: ["Verification", "CarryLensTestSupport"], swiftSettings: nativeSwift),
        .testTarget(name: "CarryLensCLITests", dependencies: ["carrylens", "CarryLensTestSupport"], swiftSettings: nativeSwift),
    ]
)
