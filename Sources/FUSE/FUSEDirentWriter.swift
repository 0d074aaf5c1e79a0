/// Packs READDIR (`struct fuse_dirent`) and READDIRPLUS (`struct fuse_direntplus`) entries into a reply of at most
/// the size the kernel asked for. Each entry is 8-byte aligned (FUSE_DIRENT_ALIGN).
public struct FUSEDirentWriter {
    public let limit: Int
    public let plus: Bool
    public private(set) var writer: FUSEWriter

    public init(limit: Int, plus: Bool) {
        self.limit = limit
        self.plus = plus
        writer = FUSEWriter(capacity: min(limit, 64 * 1024))
    }

    /// Bytes one entry with a name of `nameLength` bytes takes.
    public static func entrySize(nameLength: Int, plus: Bool) -> Int {
        let dirent = (24 + nameLength + 7) & ~7
        return plus ? FUSEEntryOut.size + dirent : dirent
    }

    public func fits(nameLength: Int) -> Bool {
        writer.count + Self.entrySize(nameLength: nameLength, plus: plus) <= limit
    }

    /// `type` is the DT_* value (mode >> 12). `entry` only for READDIRPLUS (nodeid 0: the kernel takes no lookup).
    public mutating func append(
        ino: UInt64, offset: UInt64, type: UInt32, name: UnsafeRawBufferPointer, entry: FUSEEntryOut?
    ) {
        if plus {
            (entry ?? FUSEEntryOut(nodeid: 0, entryValid: FUSETimeout(milliseconds: 0),
                                   attrValid: FUSETimeout(milliseconds: 0), attr: FUSEAttr())).encode(into: &writer)
        }
        writer.u64(ino)
        writer.u64(offset)
        writer.u32(UInt32(name.count))
        writer.u32(type)
        writer.append(name)
        writer.align(8)
    }

    public var bytes: [UInt8] { writer.bytes }
}
