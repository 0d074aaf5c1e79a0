#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Variable-length `opaque<>` or `string<>` data (RFC 4506 §4.10, §4.11): a view, not a copy.
///
/// A decoded value points into the record the ``XDRReader`` was made over and is valid only while that memory is
/// (for a plugin: until it releases the message). Encoding writes the viewed bytes. Keep one past that lifetime
/// by copying it with ``makeArray()`` or ``makeString()``.
///
/// Equality compares the bytes, not the addresses.
public struct XDROpaque {
    /// The viewed bytes.
    public let bytes: UnsafeRawBufferPointer

    /// Views `bytes`; the caller keeps them alive for as long as the view is used.
    @inlinable
    public init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    /// No bytes.
    @inlinable
    public static var empty: XDROpaque { XDROpaque(UnsafeRawBufferPointer(start: nil, count: 0)) }

    /// The number of bytes, without padding.
    @inlinable
    public var count: Int { bytes.count }

    /// Whether there are no bytes.
    @inlinable
    public var isEmpty: Bool { bytes.isEmpty }

    /// The size on the wire: the length word, the bytes and the padding to a multiple of four.
    @inlinable
    public var xdrEncodedSize: Int { 4 + XDRWriter.paddedLength(bytes.count) }

    /// The byte at `index` (0 ..< count).
    @inlinable
    public subscript(index: Int) -> UInt8 {
        precondition(index >= 0 && index < bytes.count, "XDROpaque index out of range")
        return bytes[index]
    }

    /// A copy of the bytes.
    public func makeArray() -> [UInt8] {
        Array(bytes)
    }

    /// The bytes as UTF-8, with invalid sequences repaired (names on the wire are bytes, not guaranteed UTF-8).
    public func makeString() -> String {
        String(decoding: bytes, as: UTF8.self)
    }

    /// Whether the bytes equal `other`'s.
    @inlinable
    public func elementsEqual(_ other: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count == other.count else { return false }
        guard let lhs = bytes.baseAddress, let rhs = other.baseAddress else { return true }
        return memcmp(lhs, rhs, bytes.count) == 0
    }

    /// Whether the bytes equal the UTF-8 of `string`.
    public func elementsEqual(_ string: String) -> Bool {
        var copy = string
        return copy.withUTF8 { elementsEqual(UnsafeRawBufferPointer($0)) }
    }

    /// Whether the bytes equal `array`.
    public func elementsEqual(_ array: [UInt8]) -> Bool {
        array.withUnsafeBytes { elementsEqual($0) }
    }
}

extension XDROpaque: Equatable {
    @inlinable
    public static func == (lhs: XDROpaque, rhs: XDROpaque) -> Bool {
        lhs.elementsEqual(rhs.bytes)
    }
}

extension XDROpaque: Hashable {
    public func hash(into hasher: inout Hasher) {
        hasher.combine(bytes: bytes)
    }
}

extension XDROpaque: CustomStringConvertible {
    /// The length and up to 32 bytes in hex, for logs and test failures.
    public var description: String {
        let shown = bytes.prefix(32).map { byte in
            let digits = String(byte, radix: 16)
            return byte < 16 ? "0" + digits : digits
        }
        let more = bytes.count > 32 ? "…" : ""
        return "XDROpaque(\(bytes.count): \(shown.joined())\(more))"
    }
}
