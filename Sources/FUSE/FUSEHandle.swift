/// A wire handle of the VFS core (mount id + module handle, at most 64 bytes) as the FUSE session keeps it.
public struct FUSEHandle: Hashable, Sendable, CustomStringConvertible {
    public var bytes: [UInt8]
    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    public init(_ raw: UnsafeRawBufferPointer) { self.bytes = Array(raw) }

    public var description: String {
        bytes.map { b in
            let s = String(b, radix: 16)
            return b < 16 ? "0" + s : s
        }.joined()
    }
}
