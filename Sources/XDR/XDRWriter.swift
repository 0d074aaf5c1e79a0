/// Writes XDR (RFC 4506) into memory someone else owns, such as a host buffer.
///
/// Every write checks the space left first and throws ``XDRError/bufferTooSmall(needed:available:)`` without
/// writing anything when it does not fit. The position can be moved (``seek(to:)``): a reply header can be
/// written after the payload that follows it, in the space left in front of it.
///
/// The memory must stay valid while the writer is used; the writer never allocates.
public struct XDRWriter {
    @usableFromInline
    internal let buffer: UnsafeMutableRawBufferPointer

    @usableFromInline
    internal var offset: Int

    /// A writer at the start of `buffer`.
    @inlinable
    public init(_ buffer: UnsafeMutableRawBufferPointer) {
        self.buffer = buffer
        self.offset = 0
    }

    /// A writer at `position` in `buffer`.
    @inlinable
    public init(_ buffer: UnsafeMutableRawBufferPointer, position: Int) throws(XDRError) {
        self.buffer = buffer
        self.offset = 0
        try seek(to: position)
    }

    /// `length` rounded up to a multiple of four (RFC 4506 §3: every item is a multiple of four bytes).
    @inlinable @inline(__always)
    public static func paddedLength(_ length: Int) -> Int {
        (length &+ 3) & ~3
    }

    /// The offset of the next byte to write.
    @inlinable
    public var position: Int { offset }

    /// The size of the buffer.
    @inlinable
    public var capacity: Int { buffer.count }

    /// The bytes left after the position.
    @inlinable
    public var remaining: Int { buffer.count &- offset }

    /// The buffer the writer writes into.
    @inlinable
    public var destination: UnsafeMutableRawBufferPointer { buffer }

    /// Moves to `position` (0 ... capacity).
    @inlinable
    public mutating func seek(to position: Int) throws(XDRError) {
        guard position >= 0 && position <= buffer.count else { throw .positionOutOfRange(position) }
        offset = position
    }

    /// Throws unless `count` more bytes fit.
    @inlinable @inline(__always)
    public func ensureSpace(_ count: Int) throws(XDRError) {
        guard buffer.count &- offset >= count else {
            throw .bufferTooSmall(needed: count, available: buffer.count &- offset)
        }
    }

    // MARK: Integers (RFC 4506 §4.1–4.5)

    /// An `unsigned int`.
    @inlinable @inline(__always)
    public mutating func writeUInt32(_ value: UInt32) throws(XDRError) {
        try ensureSpace(4)
        buffer.storeBytes(of: value.bigEndian, toByteOffset: offset, as: UInt32.self)
        offset &+= 4
    }

    /// An `int`.
    @inlinable @inline(__always)
    public mutating func writeInt32(_ value: Int32) throws(XDRError) {
        try writeUInt32(UInt32(bitPattern: value))
    }

    /// An `unsigned hyper`.
    @inlinable @inline(__always)
    public mutating func writeUInt64(_ value: UInt64) throws(XDRError) {
        try ensureSpace(8)
        buffer.storeBytes(of: value.bigEndian, toByteOffset: offset, as: UInt64.self)
        offset &+= 8
    }

    /// A `hyper`.
    @inlinable @inline(__always)
    public mutating func writeInt64(_ value: Int64) throws(XDRError) {
        try writeUInt64(UInt64(bitPattern: value))
    }

    /// A `bool`.
    @inlinable @inline(__always)
    public mutating func writeBool(_ value: Bool) throws(XDRError) {
        try writeUInt32(value ? 1 : 0)
    }

    /// A `float`.
    @inlinable @inline(__always)
    public mutating func writeFloat(_ value: Float) throws(XDRError) {
        try writeUInt32(value.bitPattern)
    }

    /// A `double`.
    @inlinable @inline(__always)
    public mutating func writeDouble(_ value: Double) throws(XDRError) {
        try writeUInt64(value.bitPattern)
    }

    // MARK: Opaque data and strings (RFC 4506 §4.9–4.11)

    /// Variable-length `opaque<maxLength>` or `string<maxLength>`: the length word, the bytes, zero padding.
    @inlinable @inline(__always)
    public mutating func writeOpaque(_ bytes: UnsafeRawBufferPointer, maxLength: UInt32 = .max) throws(XDRError) {
        guard bytes.count <= Int(maxLength) else {
            throw .lengthTooLong(length: UInt64(bytes.count), limit: UInt64(maxLength))
        }
        try ensureSpace(4 &+ XDRWriter.paddedLength(bytes.count))
        buffer.storeBytes(of: UInt32(truncatingIfNeeded: bytes.count).bigEndian, toByteOffset: offset, as: UInt32.self)
        offset &+= 4
        copyPadded(bytes)
    }

    /// Variable-length `opaque<maxLength>` or `string<maxLength>` from a view.
    @inlinable @inline(__always)
    public mutating func writeOpaque(_ value: XDROpaque, maxLength: UInt32 = .max) throws(XDRError) {
        try writeOpaque(value.bytes, maxLength: maxLength)
    }

    /// Fixed-length `opaque[bytes.count]`: the bytes and zero padding, no length word.
    @inlinable @inline(__always)
    public mutating func writeFixedOpaque(_ bytes: UnsafeRawBufferPointer) throws(XDRError) {
        try ensureSpace(XDRWriter.paddedLength(bytes.count))
        copyPadded(bytes)
    }

    /// Fixed-length `opaque[count]` from a view that must be exactly `count` bytes.
    @inlinable @inline(__always)
    public mutating func writeFixedOpaque(_ value: XDROpaque, count: Int) throws(XDRError) {
        guard value.count == count else {
            throw .lengthTooLong(length: UInt64(value.count), limit: UInt64(count))
        }
        try writeFixedOpaque(value.bytes)
    }

    /// Fixed-length `opaque[count]` held inline.
    @inlinable @inline(__always)
    public mutating func writeFixedOpaque<let count: Int>(_ value: XDRFixedOpaque<count>) throws(XDRError) {
        let padded = XDRWriter.paddedLength(count)
        try ensureSpace(padded)
        for index in 0..<count {
            buffer[offset &+ index] = value.storage[index]
        }
        for index in count..<padded {
            buffer[offset &+ index] = 0
        }
        offset &+= padded
    }

    /// Zero bytes that pad `length` bytes already written (for example data placed by a VFS read) to a
    /// multiple of four.
    @inlinable @inline(__always)
    public mutating func writePadding(forLength length: Int) throws(XDRError) {
        let pad = XDRWriter.paddedLength(length) &- length
        try ensureSpace(pad)
        for index in 0..<pad {
            buffer[offset &+ index] = 0
        }
        offset &+= pad
    }

    /// Moves past `count` bytes without writing them (they are filled in later, or already hold data) and
    /// returns where they start.
    @inlinable @inline(__always)
    public mutating func skip(_ count: Int) throws(XDRError) -> Int {
        precondition(count >= 0, "skip count is not negative")
        try ensureSpace(count)
        let start = offset
        offset &+= count
        return start
    }

    /// The bytes from `start` to the position.
    @inlinable
    public func written(from start: Int = 0) -> UnsafeMutableRawBufferPointer {
        precondition(start >= 0 && start <= offset, "start is inside the written bytes")
        return UnsafeMutableRawBufferPointer(rebasing: buffer[start..<offset])
    }

    @inlinable @inline(__always)
    internal mutating func copyPadded(_ bytes: UnsafeRawBufferPointer) {
        let count = bytes.count
        if count > 0, let source = bytes.baseAddress, let target = buffer.baseAddress {
            (target + offset).copyMemory(from: source, byteCount: count)
        }
        let padded = XDRWriter.paddedLength(count)
        for index in count..<padded {
            buffer[offset &+ index] = 0
        }
        offset &+= padded
    }
}
