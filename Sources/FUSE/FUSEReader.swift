/// A bounds-checked little-endian reader over a request's bytes (linux/fuse.h structs are native-endian; every
/// Linux FUSE host we run on is little-endian, and virtio-fs fixes little-endian). Every read checks what
/// remains first; a short read throws and consumes nothing.
public struct FUSEReader {
    public let bytes: UnsafeRawBufferPointer
    public private(set) var offset: Int
    let opcode: FUSEOpcode

    public init(_ bytes: UnsafeRawBufferPointer, opcode: FUSEOpcode = FUSEOpcode(rawValue: 0)) {
        self.bytes = bytes
        self.offset = 0
        self.opcode = opcode
    }

    public var remaining: Int { bytes.count - offset }

    mutating func need(_ n: Int, _ what: StaticString) throws(FUSEDecodeError) {
        guard n >= 0, remaining >= n else {
            throw FUSEDecodeError(opcode, "\(what): need \(n) bytes, \(remaining) remain")
        }
    }

    public mutating func u16(_ what: StaticString = "u16") throws(FUSEDecodeError) -> UInt16 {
        try need(2, what)
        defer { offset += 2 }
        return UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    public mutating func u32(_ what: StaticString = "u32") throws(FUSEDecodeError) -> UInt32 {
        try need(4, what)
        defer { offset += 4 }
        return UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    public mutating func u64(_ what: StaticString = "u64") throws(FUSEDecodeError) -> UInt64 {
        try need(8, what)
        defer { offset += 8 }
        return UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    public mutating func skip(_ n: Int, _ what: StaticString = "padding") throws(FUSEDecodeError) {
        try need(n, what)
        offset += n
    }

    /// `n` bytes as a view.
    public mutating func bytes(_ n: Int, _ what: StaticString) throws(FUSEDecodeError) -> FUSEBytes {
        try need(n, what)
        defer { offset += n }
        return FUSEBytes(UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + n]))
    }

    /// A NUL-terminated string (FUSE names): the bytes before the NUL, at most `max` of them.
    public mutating func cString(_ what: StaticString, max: Int) throws(FUSEDecodeError) -> FUSEBytes {
        let rest = UnsafeRawBufferPointer(rebasing: bytes[offset...])
        guard let nul = rest.firstIndex(of: 0) else {
            throw FUSEDecodeError(opcode, "\(what): no terminating NUL in \(rest.count) bytes")
        }
        guard nul <= max else { throw FUSEDecodeError(opcode, "\(what): \(nul) bytes, more than \(max)") }
        guard nul > 0 else { throw FUSEDecodeError(opcode, "\(what): empty") }
        defer { offset += nul + 1 }
        return FUSEBytes(UnsafeRawBufferPointer(rebasing: rest[0..<nul]))
    }

    /// A NUL-terminated string, with its NUL included in the view (what a C callee that wants a C string needs).
    public mutating func cStringWithNUL(_ what: StaticString, max: Int) throws(FUSEDecodeError) -> FUSEBytes {
        let start = offset
        let name = try cString(what, max: max)
        return FUSEBytes(UnsafeRawBufferPointer(rebasing: bytes[start..<start + name.count + 1]))
    }

    /// Everything left.
    public mutating func rest() -> FUSEBytes {
        defer { offset = bytes.count }
        return FUSEBytes(UnsafeRawBufferPointer(rebasing: bytes[offset...]))
    }
}
