import COpenBLAS
import Foundation

/// Which CPU, vector units and kernels computed a result, recorded in each run's
/// machine-dependent `timing.json` so a difference between machines can be traced.
///
/// What it describes changes the fp32 logits in their last bits (OpenBLAS chooses
/// its sgemm kernel by CPU, and the Swift SIMD code is compiled for one vector
/// width), never a decision or a value in a file documented as reproducible:
/// docs/reproducibility.md says which is which.
public struct ComputeEnvironment: Codable, Equatable, Sendable {
    /// The CPU's model name (`/proc/cpuinfo`), or `unknown`.
    public var cpuModel: String
    /// Vector features this CPU has, among those that matter here (`avx2`, `fma`, `avx512f`, …).
    public var cpuFeatures: [String]
    /// Vector features the numeric Swift code was compiled for (its `-march`).
    public var builtFor: [String]
    /// The kernel family OpenBLAS chose for this CPU (`openblas_get_corename`), e.g. `SkylakeX` or `Haswell`.
    public var blasCore: String
    /// OpenBLAS's own build description (`openblas_get_config`).
    public var blasConfig: String
    /// `OPENBLAS_CORETYPE` when set (it forces OpenBLAS's kernel choice).
    public var blasCoreTypeOverride: String?
    /// The fast path's matrix products (fp32, machine-dependent in the last bits).
    public var fastProducts: String
    /// The fp64 path's matrix products (fixed order: the same bits on every machine).
    public var exactProducts: String

    /// The features looked for in `/proc/cpuinfo`.
    static let interestingFeatures = ["sse4_2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512dq", "avx512bw", "avx512vl", "avx512_bf16"]

    /// This process's environment.
    public static var current: ComputeEnvironment {
        let (model, flags) = cpuInfo()
        var built: [String] = []
        if carrylens_built_with_avx2() != 0 { built.append("avx2") }
        if carrylens_built_with_fma() != 0 { built.append("fma") }
        if carrylens_built_with_avx512f() != 0 { built.append("avx512f") }
        let override = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"].flatMap { $0.isEmpty ? nil : $0 }
        return ComputeEnvironment(
            cpuModel: model, cpuFeatures: interestingFeatures.filter(flags.contains), builtFor: built,
            blasCore: openblas_get_corename().map { String(cString: $0).trimmingCharacters(in: .whitespaces) } ?? "unknown",
            blasConfig: openblas_get_config().map { String(cString: $0).trimmingCharacters(in: .whitespaces) } ?? "unknown",
            blasCoreTypeOverride: override,
            fastProducts: "OpenBLAS cblas_sgemm, single threaded",
            exactProducts: "FixedOrderProduct (fp64, one fused multiply-add per term in ascending order)")
    }

    /// The model name and flags of the first processor in `/proc/cpuinfo`.
    static func cpuInfo() -> (model: String, flags: Set<String>) {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return ("unknown", []) }
        var model = "unknown"
        var flags: Set<String> = []
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2 else { continue }
            if parts[0] == "model name", model == "unknown" { model = parts[1] }
            if parts[0] == "flags", flags.isEmpty { flags = Set(parts[1].split(separator: " ").map(String.init)) }
            if model != "unknown", !flags.isEmpty { break }
        }
        return (model, flags)
    }
}
