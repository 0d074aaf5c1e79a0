/// Bytes inside a received request (a name, a symlink target, WRITE data, an xattr value): a view, never a copy.
/// Valid as long as the request's buffer, which the transport keeps until the request is answered.
/// Equal when the bytes are equal, so actions holding them compare in tests.
public struct FUSEBytes: Equatable, @unchecked Sendable, CustomStringConvertible {
    public let raw: UnsafeRawBufferPointer

    public init(_ raw: UnsafeRawBufferPointer) { self.raw = raw }

    public var count: Int { raw.count }

    public static func == (a: Self, b: Self) -> Bool {
        a.raw.count == b.raw.count && a.raw.elementsEqual(b.raw)
    }

    public var description: String {
        String(decoding: raw.prefix(64), as: UTF8.self)
    }
}
