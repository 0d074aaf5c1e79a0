/// An NLM lock owner as the core's state table names it (RFC 1813 §6.1.4: a lock is owned by the pair of the
/// client's process id `svid` and its owner handle `oh`): the svid's four bytes, then `oh`. The core keeps at
/// most `maxLength` bytes of an owner, so a longer `oh` keeps its first bytes and ends in a 64-bit FNV-1a digest
/// of the whole of it: two owners still differ when only their tails do.
public struct NLMLockOwner: Hashable, Sendable {
    public let bytes: [UInt8]

    /// CHIMERA_VFS_LOCK_OWNER_MAX.
    public static let maxLength = 64

    public init(svid: Int32, oh: UnsafeRawBufferPointer) {
        let id = UInt32(bitPattern: svid)
        var bytes: [UInt8] = [
            UInt8(id >> 24), UInt8(truncatingIfNeeded: id >> 16), UInt8(truncatingIfNeeded: id >> 8),
            UInt8(truncatingIfNeeded: id),
        ]
        if 4 + oh.count <= NLMLockOwner.maxLength {
            bytes.append(contentsOf: oh)
        } else {
            bytes.append(contentsOf: oh.prefix(NLMLockOwner.maxLength - 12))
            var digest: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in oh {
                digest = (digest ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
            }
            for shift in stride(from: 56, through: 0, by: -8) {
                bytes.append(UInt8(truncatingIfNeeded: digest >> UInt64(shift)))
            }
        }
        self.bytes = bytes
    }

    public init(svid: Int32, oh: [UInt8]) {
        self = oh.withUnsafeBytes { NLMLockOwner(svid: svid, oh: $0) }
    }

    /// The svid back from the core's owner bytes (a conflicting holder in TEST's answer): the first four bytes,
    /// or 0 for an owner another protocol made.
    public static func svid(ofOwner bytes: UnsafeRawBufferPointer, isNLM: Bool) -> Int32 {
        guard isNLM, bytes.count >= 4 else { return 0 }
        let value = UInt32(bytes[0]) << 24 | UInt32(bytes[1]) << 16 | UInt32(bytes[2]) << 8 | UInt32(bytes[3])
        return Int32(bitPattern: value)
    }
}

/// An NLM byte range on the core's terms: NLM's `l_len` 0 means "to the end of the file" (RFC 1813 §6.1.4),
/// the core's length `UInt64.max` does; a range running past the largest offset is clipped to it.
public struct NLMLockRange: Hashable, Sendable {
    public var offset: UInt64
    public var length: UInt64

    public init(offset: UInt64, length: UInt64) {
        self.offset = offset
        self.length = length
    }

    /// From the wire's (l_offset, l_len).
    public init(nlmOffset offset: UInt64, nlmLength length: UInt64) {
        self.offset = offset
        if length == 0 {
            self.length = .max
        } else {
            self.length = min(length, UInt64.max - offset)
        }
    }

    /// Back to the wire's l_len (0 for "to the end").
    public var nlmLength: UInt64 {
        length == .max ? 0 : length
    }
}
