import AdditionTask

/// Locale-independent number formatting, so output bytes never depend on the machine.
public enum NumberFormatting {
    /// An integer with thousands separators: `12,345,678`.
    public static func grouped(_ value: Int) -> String { DecimalText.grouped(value) }

    /// A number with exactly `decimals` digits after the point (round half away from zero),
    /// e.g. `fixed(0.1234, decimals: 2) == "0.12"`. Non-finite values print as `n/a`.
    public static func fixed(_ value: Double, decimals: Int) -> String {
        guard value.isFinite else { return "n/a" }
        let places = max(0, min(decimals, 12))
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        let scaled = (abs(value) * scale).rounded(.toNearestOrAwayFromZero)
        guard scaled < 9e15 else { return scientific(value) }
        let whole = Int(scaled)
        let integerPart = whole / Int(scale)
        let fraction = whole % Int(scale)
        var text = String(integerPart)
        if places > 0 {
            let fractionText = String(fraction)
            text += "." + String(repeating: "0", count: places - fractionText.count) + fractionText
        }
        return (value < 0 && scaled > 0 ? "-" : "") + text
    }

    /// A compact label for an axis tick or count: `0`, `950`, `12k`, `3.4M`, `1.2e10`-style
    /// values become `12G` (SI-ish suffixes k, M, G, T).
    public static func compact(_ value: Double) -> String {
        guard value.isFinite else { return "n/a" }
        let magnitude = abs(value)
        let suffixes: [(Double, String)] = [(1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")]
        for (threshold, suffix) in suffixes where magnitude >= threshold {
            let scaled = value / threshold
            let text = abs(scaled) >= 10 ? fixed(scaled, decimals: 0) : trimmed(fixed(scaled, decimals: 1))
            return text + suffix
        }
        if magnitude == magnitude.rounded() { return fixed(value, decimals: 0) }
        return trimmed(fixed(value, decimals: magnitude < 1 ? 2 : 1))
    }

    /// A count: exact with separators (counts are exact; reports never round them).
    public static func count(_ value: Int) -> String { grouped(value) }

    /// A share as a percentage with sensible precision: `0%`, `<0.001%`, `12.3%`, `100%`.
    public static func percent(_ part: Int, of total: Int) -> String {
        guard total > 0 else { return "n/a" }
        if part == 0 { return "0%" }
        if part == total { return "100%" }
        let share = Double(part) / Double(total) * 100
        if share < 0.001 { return "<0.001%" }
        if share > 99.999 { return ">99.999%" }
        return trimmed(fixed(share, decimals: share < 1 ? 3 : 1)) + "%"
    }

    /// Coordinates in SVG: at most two decimals, no trailing zeros.
    static func coordinate(_ value: Double) -> String { trimmed(fixed(value, decimals: 2)) }

    static func scientific(_ value: Double) -> String {
        guard value != 0 else { return "0" }
        var exponent = 0
        var mantissa = abs(value)
        while mantissa >= 10 { mantissa /= 10; exponent += 1 }
        while mantissa < 1 { mantissa *= 10; exponent -= 1 }
        return (value < 0 ? "-" : "") + trimmed(fixed(mantissa, decimals: 2)) + "e" + String(exponent)
    }

    static func trimmed(_ text: String) -> String {
        guard text.contains(".") else { return text }
        var result = text
        while result.hasSuffix("0") { result.removeLast() }
        if result.hasSuffix(".") { result.removeLast() }
        return result == "-0" ? "0" : result
    }
}
