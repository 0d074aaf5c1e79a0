import CChimera
import Crypto

/// The 16 bytes the core puts in front of every module handle.
///
/// Derived from the mount's name only, so a wire handle stays valid across
/// restarts and config reorderings as long as the mount keeps its name.
/// All zeros is the synthetic namespace root.
public struct MountID: Hashable, Sendable {
    public static let length = Int(CHIMERA_MOUNT_ID_LEN)

    /// The id bytes as two words (for cheap comparison and hashing).
    public let high: UInt64
    public let low: UInt64

    public static let root = MountID(high: 0, low: 0)

    init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// The id of the mount named `name`: SHA-256 of a fixed label and the
    /// name, truncated to 16 bytes.
    public init(mountName name: String) {
        var hasher = SHA256()
        hasher.update(data: Array("chimera-mount-id-v1\u{0}".utf8))
        hasher.update(data: Array(name.utf8))
        let digest = Array(hasher.finalize())
        var high: UInt64 = 0
        var low: UInt64 = 0
        for i in 0..<8 {
            high = high << 8 | UInt64(digest[i])
            low = low << 8 | UInt64(digest[8 + i])
        }
        // Never collide with the root's all-zero id.
        if high == 0 && low == 0 { low = 1 }
        self.init(high: high, low: low)
    }

    /// Read the id from the first 16 bytes of a wire handle.
    init(prefixOf bytes: UnsafeRawBufferPointer) {
        self.init(
            high: UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
            low: UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        )
    }

    /// Write the id into the first 16 bytes of `bytes`.
    func write(to bytes: UnsafeMutableRawPointer) {
        bytes.storeBytes(of: high.bigEndian, toByteOffset: 0, as: UInt64.self)
        bytes.storeBytes(of: low.bigEndian, toByteOffset: 8, as: UInt64.self)
    }

    /// The file system id a mount reports (the first 8 bytes).
    public var fsid: UInt64 { high }

    public var bytes: [UInt8] {
        var out = [UInt8](repeating: 0, count: Self.length)
        out.withUnsafeMutableBytes { write(to: $0.baseAddress!) }
        return out
    }
}
