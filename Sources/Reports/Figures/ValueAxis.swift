import Foundation

/// A horizontal value axis, linear or logarithmic, mapping values to pixel offsets.
struct ValueAxis {
    enum Kind: Equatable { case linear, logarithmic }

    let kind: Kind
    /// Domain bounds (for log: powers of ten, lower ≥ the smallest positive value's decade).
    let lower: Double
    let upper: Double
    /// Tick values, ascending.
    let ticks: [Double]
    /// Plot length in pixels.
    let length: Double

    /// A linear axis from 0 to a "nice" bound above `maximum`; with `integers`, ticks fall on
    /// whole numbers only (for counts).
    static func linear(maximum: Double, length: Double, integers: Bool = false) -> ValueAxis {
        let top = maximum > 0 && maximum.isFinite ? maximum : 1
        let rawStep = top / 5
        let magnitude = pow(10, floor(log10(rawStep)))
        var step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= rawStep } ?? 10 * magnitude
        if integers { step = max(1, step.rounded(.up)) }
        let upper = (top / step).rounded(.up) * step
        var ticks: [Double] = []
        var value = 0.0
        while value <= upper + step / 2 {
            ticks.append(value)
            value += step
        }
        return ValueAxis(kind: .linear, lower: 0, upper: upper, ticks: ticks, length: length)
    }

    /// A log axis over whole decades covering `minimumPositive…maximum`.
    static func logarithmic(minimumPositive: Double, maximum: Double, length: Double) -> ValueAxis {
        let lowExponent = Int(floor(log10(max(minimumPositive, 1e-300))))
        let highExponent = max(lowExponent + 1, Int(ceil(log10(max(maximum, 1e-300)))))
        let decades = highExponent - lowExponent
        let stride = decades > 8 ? 2 : 1
        let ticks = Swift.stride(from: lowExponent, through: highExponent, by: stride).map { pow(10, Double($0)) }
        return ValueAxis(kind: .logarithmic, lower: pow(10, Double(lowExponent)), upper: pow(10, Double(highExponent)),
                         ticks: ticks, length: length)
    }

    /// Pixel offset of `value` from the axis origin; values at or below the log axis's
    /// lower bound map to 0 (they are not drawn as bars).
    func offset(of value: Double) -> Double {
        guard value.isFinite else { return 0 }
        switch kind {
        case .linear:
            return max(0, min(1, value / upper)) * length
        case .logarithmic:
            guard value > lower else { return 0 }
            return max(0, min(1, (log10(value) - log10(lower)) / (log10(upper) - log10(lower)))) * length
        }
    }

    /// Tick label text.
    func label(for tick: Double) -> String {
        switch kind {
        case .linear: return NumberFormatting.compact(tick)
        case .logarithmic:
            let exponent = Int(log10(tick).rounded())
            if exponent >= 0 && exponent <= 3 { return NumberFormatting.compact(tick) }
            let superscripts: [Character: Character] = ["0": "⁰", "1": "¹", "2": "²", "3": "³", "4": "⁴", "5": "⁵", "6": "⁶", "7": "⁷", "8": "⁸", "9": "⁹", "-": "⁻"]
            return "10" + String(String(exponent).map { superscripts[$0] ?? $0 })
        }
    }
}
