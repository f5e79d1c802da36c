// swift-tools-version:5.10
// CarryLens: exhaustive evaluation, interpretation and Z3 proofs for the
// one-layer addition transformer of "Understanding Addition in Transformers".
//
// Data flow, one module per stage:
//   AdditionTask → Transformer → Exhaustive / Interpretation → Proofs → Reports → carrylens
import PackageDescription

/// Numeric code is compiled for a CPU's vector units: without it fused multiply-adds
/// become library calls and the evaluator is many times slower. The build machine's
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
        .library(name: "CarryLens", targets: ["AdditionTask", "Transformer", "Exhaustive", "Interpretation", "Proofs", "Reports"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        // C shims, wrapped once each.
        .systemLibrary(name: "CZ3", path: "Sources/CZ3", pkgConfig: "z3", providers: [.apt(["libz3-dev"])]),
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),

        // Stages.
        .target(name: "AdditionTask"),
        .target(name: "Transformer", dependencies: ["AdditionTask", "COpenBLAS"], swiftSettings: nativeSwift),
        .target(name: "Exhaustive", dependencies: ["AdditionTask", "Transformer", "COpenBLAS", .product(name: "Crypto", package: "swift-crypto")],
                swiftSettings: nativeSwift),
        .target(name: "Proofs", dependencies: ["AdditionTask", "CZ3"]),
        .target(name: "Interpretation", dependencies: ["AdditionTask", "Transformer", "Exhaustive", "Proofs"], swiftSettings: nativeSwift),
        .target(name: "Reports", dependencies: ["AdditionTask", "Transformer", "Exhaustive", "Interpretation", "Proofs"]),
        .executableTarget(name: "carrylens", dependencies: [
            "AdditionTask", "Transformer", "Exhaustive", "Interpretation", "Proofs", "Reports",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // Tests mirror the modules; CarryLensCLITests runs the built executable end to end.
        .target(name: "CarryLensTestSupport", dependencies: ["AdditionTask", "Transformer"], path: "Tests/CarryLensTestSupport"),
        .testTarget(name: "AdditionTaskTests", dependencies: ["AdditionTask"]),
        .testTarget(name: "TransformerTests", dependencies: ["Transformer", "CarryLensTestSupport"]),
        .testTarget(name: "ExhaustiveTests", dependencies: ["Exhaustive", "CarryLensTestSupport"]),
        .testTarget(name: "ProofsTests", dependencies: ["Proofs"]),
        .testTarget(name: "InterpretationTests", dependencies: ["Interpretation", "CarryLensTestSupport"]),
        .testTarget(name: "ReportsTests", dependencies: ["Reports", "CarryLensTestSupport"]),
        .testTarget(name: "CarryLensCLITests", dependencies: ["carrylens", "CarryLensTestSupport"]),
    ]
)
