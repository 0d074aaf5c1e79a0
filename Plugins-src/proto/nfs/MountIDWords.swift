import CChimera

/// A mount id as two words, compared without hashing.
struct MountIDWords: Hashable, Sendable {
    var high: UInt64
    var low: UInt64

    @inline(__always)
    var isRoot: Bool { high == 0 && low == 0 }

    /// The id at the front of a wire handle; nil when the handle is too short to carry one.
    @inline(__always)
    init?(handle: UnsafeRawBufferPointer) {
        guard handle.count >= Int(CHIMERA_MOUNT_ID_LEN) else { return nil }
        high = UInt64(bigEndian: handle.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
        low = UInt64(bigEndian: handle.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
    }
}
