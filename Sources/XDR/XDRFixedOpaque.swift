/// Fixed-length `opaque[n]` data (RFC 4506 §4.9), held inline: verifiers and cookies the server also makes
/// itself, so they cannot be views into a record.
public struct XDRFixedOpaque<let count: Int>: Sendable {
    /// The bytes.
    public var storage: InlineArray<count, UInt8>

    /// All zero bytes.
    @inlinable
    public init() {
        storage = InlineArray(repeating: 0)
    }

    /// The bytes of `storage`.
    @inlinable
    public init(_ storage: InlineArray<count, UInt8>) {
        self.storage = storage
    }

    /// The first `count` bytes of `bytes`, zero-filled when shorter.
    @inlinable
    public init(copying bytes: some Sequence<UInt8>) {
        var storage = InlineArray<count, UInt8>(repeating: 0)
        var index = 0
        for byte in bytes where index < count {
            storage[index] = byte
            index += 1
        }
        self.storage = storage
    }

    /// The bytes of a big-endian integer, for the common 8-byte verifier or cookie. Only the low `count` bytes
    /// are kept when `count` < 8.
    @inlinable
    public init(bigEndian value: UInt64) {
        var storage = InlineArray<count, UInt8>(repeating: 0)
        var index = 0
        while index < count && index < 8 {
            storage[count - 1 - index] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(index)))
            index += 1
        }
        self.storage = storage
    }

    /// The byte at `index`.
    @inlinable
    public subscript(index: Int) -> UInt8 {
        get { storage[index] }
        set { storage[index] = newValue }
    }

    /// A copy of the bytes.
    public func makeArray() -> [UInt8] {
        var array: [UInt8] = []
        array.reserveCapacity(count)
        for index in 0..<count {
            array.append(storage[index])
        }
        return array
    }

    /// The size on the wire: the bytes and the padding to a multiple of four.
    @inlinable
    public var xdrEncodedSize: Int { XDRWriter.paddedLength(count) }
}

extension XDRFixedOpaque: Equatable {
    @inlinable
    public static func == (lhs: Self, rhs: Self) -> Bool {
        for index in 0..<count where lhs.storage[index] != rhs.storage[index] {
            return false
        }
        return true
    }
}

extension XDRFixedOpaque: Hashable {
    public func hash(into hasher: inout Hasher) {
        for index in 0..<count {
            hasher.combine(storage[index])
        }
    }
}

extension XDRFixedOpaque: CustomStringConvertible {
    public var description: String {
        var text = ""
        for index in 0..<count {
            let digits = String(storage[index], radix: 16)
            text += storage[index] < 16 ? "0" + digits : digits
        }
        return "XDRFixedOpaque<\(count)>(\(text))"
    }
}
