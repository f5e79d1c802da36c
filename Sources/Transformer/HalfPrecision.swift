/// Exact widening of 16-bit floats to F32, written out so it does not depend on
/// the platform's `Float16` support. Every binary16 and bfloat16 value is exactly
/// representable in F32.
enum HalfPrecision {
    /// IEEE 754 binary16 (1 sign, 5 exponent, 10 fraction bits) to F32.
    static func float(fromBinary16 bits: UInt16) -> Float {
        let sign: UInt32 = UInt32(bits & 0x8000) << 16
        let exponent = Int((bits >> 10) & 0x1F)
        let fraction = UInt32(bits & 0x03FF)
        switch exponent {
        case 0:
            // Zero or subnormal: fraction × 2^-24, exact in F32.
            let magnitude = Float(fraction) * Float(sign: .plus, exponent: -24, significand: 1)
            return sign == 0 ? magnitude : -magnitude
        case 0x1F:
            // Infinity or NaN (the payload is kept).
            return Float(bitPattern: sign | 0x7F80_0000 | (fraction << 13))
        default:
            return Float(bitPattern: sign | (UInt32(exponent - 15 + 127) << 23) | (fraction << 13))
        }
    }

    /// bfloat16 (the top half of an F32) to F32.
    static func float(fromBFloat16 bits: UInt16) -> Float {
        Float(bitPattern: UInt32(bits) << 16)
    }
}
