/// Colours used by figures and the HTML style sheet.
///
/// Categorical colours are the Okabe–Ito palette, distinguishable under the common
/// forms of colour-vision deficiency; the sequential scale is the single-hue ColorBrewer
/// "Blues" ramp (light = low, dark = high: order survives colour-vision deficiency and
/// greyscale print, and mostly-near-zero maps such as attention stay light so the few
/// strong cells stand out).
public enum Palette {
    /// Okabe–Ito categorical colours, in the order series are assigned.
    public static let categorical: [String] = [
        "#0072B2", // blue
        "#E69F00", // orange
        "#009E73", // bluish green
        "#CC79A7", // reddish purple
        "#56B4E9", // sky blue
        "#D55E00", // vermillion
        "#F0E442", // yellow
        "#000000", // black
    ]

    /// The categorical colour for series `index` (cycles).
    public static func series(_ index: Int) -> String {
        categorical[((index % categorical.count) + categorical.count) % categorical.count]
    }

    static let text = "#1a1a1a"
    static let mutedText = "#555555"
    static let axis = "#333333"
    static let gridLine = "#d9d9d9"
    static let missingCell = "#e6e6e6"
    static let missingCellStroke = "#bdbdbd"

    /// ColorBrewer Blues anchors (t = 0, 0.125, …, 1).
    private static let ramp: [(Double, Double, Double)] = [
        (247, 251, 255), (222, 235, 247), (198, 219, 239), (158, 202, 225), (107, 174, 214),
        (66, 146, 198), (33, 113, 181), (8, 81, 156), (8, 48, 107),
    ]

    /// The sequential colour for `t` in 0…1 (clamped), as `#rrggbb`.
    public static func sequential(_ t: Double) -> String {
        let clamped = t.isFinite ? min(1, max(0, t)) : 0
        let scaled = clamped * Double(ramp.count - 1)
        let lower = min(Int(scaled), ramp.count - 2)
        let fraction = scaled - Double(lower)
        let a = ramp[lower], b = ramp[lower + 1]
        func mix(_ x: Double, _ y: Double) -> Int { Int((x + (y - x) * fraction).rounded()) }
        return hex(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
    }

    /// Whether text on the sequential colour for `t` should be light (dark background).
    static func sequentialNeedsLightText(_ t: Double) -> Bool { t > 0.55 }

    static func hex(_ r: Int, _ g: Int, _ b: Int) -> String {
        let digits = Array("0123456789abcdef")
        func byte(_ v: Int) -> String {
            let c = min(255, max(0, v))
            return String([digits[c / 16], digits[c % 16]])
        }
        return "#" + byte(r) + byte(g) + byte(b)
    }
}
