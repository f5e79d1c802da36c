import Crypto
import Diagnostics
import Foundation

/// SHA-256 digests (swift-crypto) of files and bytes, as lower-case hexadecimal.
/// They identify model files, so that resume and merge refuse results of another
/// model, and make result directories self-verifying (``DataFileRecord``).
public enum FileDigest {
    /// The digest of `data`.
    public static func sha256Hex(_ data: Data) -> String {
        hex(Crypto.SHA256.hash(data: data))
    }

    /// The digest and size of a file, read in 1 MiB blocks (files of any size).
    public static func sha256Hex(ofFileAt url: URL) throws -> (hex: String, bytes: Int) {
        let handle: FileHandle
        do { handle = try FileHandle(forReadingFrom: url) } catch {
            throw ExhaustiveError.io("cannot read \(url.path): \(systemReason(of: error))")
        }
        defer { try? handle.close() }
        var hasher = Crypto.SHA256()
        var bytes = 0
        while true {
            let block: Data?
            do { block = try handle.read(upToCount: 1 << 20) } catch {
                throw ExhaustiveError.io("cannot read \(url.path): \(systemReason(of: error))")
            }
            guard let block, !block.isEmpty else { break }
            hasher.update(data: block)
            bytes += block.count
        }
        return (hex(hasher.finalize()), bytes)
    }

    private static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        digest.map { String(format: "%02x", $0) }.joined()
    }
}
