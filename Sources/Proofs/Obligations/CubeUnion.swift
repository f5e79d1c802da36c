import AdditionTask

/// Exact size of a union of ``ColumnCube``s by set arithmetic, without a solver.
///
/// Each column constraint is the set of digit pairs (d, d') it allows, kept as a 100-bit
/// mask (bit 10·d + d'). A cube added to the union is cut into pieces that miss every
/// cube already there (P ∖ D is, column by column, "agree with D on the columns before j,
/// leave D at column j, anything after j": disjoint pieces whose union is P ∖ D), so the
/// union is kept as disjoint cubes and its size is the sum of their sizes.
///
/// Used to count the questions on which an algorithm has *any* wrong digit from the
/// per-digit difference sets Z3 characterized, when characterizing the union directly
/// would take too many cubes.
public struct CubeUnion: Sendable {
    /// Disjoint cubes as per-column digit-pair masks, least significant column first.
    private var pieces: [[UInt128]] = []
    /// Columns per cube.
    public let columnCount: Int

    /// An empty union of cubes over `columnCount` columns.
    public init(columnCount: Int) { self.columnCount = columnCount }

    /// The digit pairs a constraint allows, as a mask.
    static func mask(_ constraint: ColumnConstraint) -> UInt128 {
        var mask: UInt128 = 0
        for first in 0...9 {
            for second in 0...9 where constraint.allows(first: first, second: second) {
                mask |= UInt128(1) << (10 * first + second)
            }
        }
        return mask
    }

    /// Adds `cube` to the union.
    public mutating func insert(_ cube: ColumnCube) {
        precondition(cube.columns.count == columnCount, "cube has \(cube.columns.count) columns, the union \(columnCount)")
        var remaining = [cube.columns.map(Self.mask)]
        for existing in pieces {
            var next: [[UInt128]] = []
            for piece in remaining {
                guard zip(piece, existing).allSatisfy({ $0 & $1 != 0 }) else { next.append(piece); continue }
                // piece ∖ existing, as disjoint pieces.
                var prefix = piece
                for column in 0..<columnCount {
                    let outside = piece[column] & ~existing[column]
                    if outside != 0 {
                        var part = prefix
                        part[column] = outside
                        next.append(part)
                    }
                    prefix[column] = piece[column] & existing[column]
                }
            }
            remaining = next
            if remaining.isEmpty { return }
        }
        pieces.append(contentsOf: remaining)
    }

    /// The exact number of questions in the union.
    public var questionCount: UInt128 {
        pieces.reduce(UInt128(0)) { total, piece in
            total + piece.reduce(UInt128(1)) { $0 * UInt128($1.nonzeroBitCount) }
        }
    }
}
