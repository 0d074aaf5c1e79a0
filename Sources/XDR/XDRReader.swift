/// A bounds-checked cursor over one contiguous XDR record (RFC 4506).
///
/// The reader never reads past the end: each read checks what remains before it touches memory and throws
/// ``XDRError/truncated`` otherwise, without moving. Variable-length opaque data and strings come back as
/// ``XDROpaque`` views into the record; nothing is copied or allocated. Every length on the wire is checked
/// against the specification's maximum and against what remains before it is used.
///
/// The memory must stay valid and unchanged while the reader and any view it returned are in use.
public struct XDRReader {
    @usableFromInline
    internal let bytes: UnsafeRawBufferPointer

    @usableFromInline
    internal var offset: Int

    /// A reader at the start of `bytes`.
    @inlinable
    public init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
        self.offset = 0
    }

    /// The offset of the next byte to read.
    @inlinable
    public var position: Int { offset }

    /// The bytes not read yet.
    @inlinable
    public var remaining: Int { bytes.count &- offset }

    /// Whether every byte was read.
    @inlinable
    public var isAtEnd: Bool { offset == bytes.count }

    /// The whole record the reader is over.
    @inlinable
    public var record: UnsafeRawBufferPointer { bytes }

    /// Moves to `position` (0 ... record count).
    @inlinable
    public mutating func seek(to position: Int) throws(XDRError) {
        guard position >= 0 && position <= bytes.count else { throw .positionOutOfRange(position) }
        offset = position
    }

    /// The bytes not read yet, as a view; does not move.
    @inlinable
    public var remainingBytes: XDROpaque {
        XDROpaque(UnsafeRawBufferPointer(rebasing: bytes[offset...]))
    }

    /// Decodes a `T`; on failure the position is restored to where it was, so the caller sees no partial read.
    @inlinable
    public mutating func decode<T: XDRDecodable>(_ type: T.Type = T.self) throws(XDRError) -> T {
        let start = offset
        do {
            return try T(from: &self)
        } catch {
            offset = start
            throw error
        }
    }

    /// Decodes a `T` that must span the rest of the record exactly.
    @inlinable
    public mutating func decodeToEnd<T: XDRDecodable>(_ type: T.Type = T.self) throws(XDRError) -> T {
        let start = offset
        let value: T = try decode(type)
        guard isAtEnd else {
            let left = remaining
            offset = start
            throw .trailingBytes(left)
        }
        return value
    }

    // MARK: Integers (RFC 4506 §4.1–4.5)

    /// An `unsigned int`.
    @inlinable @inline(__always)
    public mutating func readUInt32() throws(XDRError) -> UInt32 {
        guard bytes.count &- offset >= 4 else { throw .truncated }
        let value = bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)
        offset &+= 4
        return UInt32(bigEndian: value)
    }

    /// An `int`.
    @inlinable @inline(__always)
    public mutating func readInt32() throws(XDRError) -> Int32 {
        Int32(bitPattern: try readUInt32())
    }

    /// An `unsigned hyper`.
    @inlinable @inline(__always)
    public mutating func readUInt64() throws(XDRError) -> UInt64 {
        guard bytes.count &- offset >= 8 else { throw .truncated }
        let value = bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
        offset &+= 8
        return UInt64(bigEndian: value)
    }

    /// A `hyper`.
    @inlinable @inline(__always)
    public mutating func readInt64() throws(XDRError) -> Int64 {
        Int64(bitPattern: try readUInt64())
    }

    /// A `bool`: 0 or 1, anything else is ``XDRError/badBoolean(_:)`` (and the reader does not move).
    @inlinable @inline(__always)
    public mutating func readBool() throws(XDRError) -> Bool {
        guard bytes.count &- offset >= 4 else { throw .truncated }
        let value = UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
        switch value {
        case 0:
            offset &+= 4
            return false
        case 1:
            offset &+= 4
            return true
        default:
            throw .badBoolean(value)
        }
    }

    /// A `float` (IEEE single precision).
    @inlinable @inline(__always)
    public mutating func readFloat() throws(XDRError) -> Float {
        Float(bitPattern: try readUInt32())
    }

    /// A `double` (IEEE double precision).
    @inlinable @inline(__always)
    public mutating func readDouble() throws(XDRError) -> Double {
        Double(bitPattern: try readUInt64())
    }

    // MARK: Opaque data and strings (RFC 4506 §4.9–4.11)

    /// Variable-length `opaque<maxLength>` or `string<maxLength>`: the length word, the bytes, the padding.
    /// The length is checked against `maxLength` and then against what remains before anything is touched.
    @inlinable @inline(__always)
    public mutating func readOpaque(maxLength: UInt32 = .max) throws(XDRError) -> XDROpaque {
        guard bytes.count &- offset >= 4 else { throw .truncated }
        let length = UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
        guard length <= maxLength else {
            throw .lengthTooLong(length: UInt64(length), limit: UInt64(maxLength))
        }
        let count = Int(length)
        let padded = XDRWriter.paddedLength(count)
        guard bytes.count &- offset &- 4 >= padded else { throw .truncated }
        let start = offset &+ 4
        offset = start &+ padded
        return XDROpaque(UnsafeRawBufferPointer(rebasing: bytes[start..<(start &+ count)]))
    }

    /// Fixed-length `opaque[count]` as a view: the bytes and the padding.
    @inlinable @inline(__always)
    public mutating func readFixedOpaque(count: Int) throws(XDRError) -> XDROpaque {
        precondition(count >= 0, "a fixed opaque length comes from the specification and is not negative")
        let padded = XDRWriter.paddedLength(count)
        guard bytes.count &- offset >= padded else { throw .truncated }
        let start = offset
        offset &+= padded
        return XDROpaque(UnsafeRawBufferPointer(rebasing: bytes[start..<(start &+ count)]))
    }

    /// Fixed-length `opaque[count]`, copied inline.
    @inlinable @inline(__always)
    public mutating func readFixedOpaque<let count: Int>(
        _ type: XDRFixedOpaque<count>.Type = XDRFixedOpaque<count>.self
    ) throws(XDRError) -> XDRFixedOpaque<count> {
        let padded = XDRWriter.paddedLength(count)
        guard bytes.count &- offset >= padded else { throw .truncated }
        var value = XDRFixedOpaque<count>()
        for index in 0..<count {
            value.storage[index] = bytes[offset &+ index]
        }
        offset &+= padded
        return value
    }

    // MARK: Arrays and lists (RFC 4506 §4.12–4.13, §4.19)

    /// The element count of a variable-length array `T name<maxCount>`: checked against `maxCount`, then
    /// against what remains given that every element takes at least `minElementSize` bytes, so the caller can
    /// reserve storage for that many elements without trusting the wire.
    @inlinable @inline(__always)
    public mutating func readCount(maxCount: UInt32 = .max, minElementSize: Int) throws(XDRError) -> Int {
        precondition(minElementSize > 0, "array elements take at least one byte on the wire")
        guard bytes.count &- offset >= 4 else { throw .truncated }
        let count = UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
        guard count <= maxCount else {
            throw .lengthTooLong(length: UInt64(count), limit: UInt64(maxCount))
        }
        guard Int(count) <= (bytes.count &- offset &- 4) / minElementSize else { throw .truncated }
        offset &+= 4
        return Int(count)
    }

    /// Skips `count` bytes.
    @inlinable @inline(__always)
    public mutating func skip(_ count: Int) throws(XDRError) {
        guard count >= 0, bytes.count &- offset >= count else { throw .truncated }
        offset &+= count
    }
}
