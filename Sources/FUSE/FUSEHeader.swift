/// `struct fuse_in_header` (linux/fuse.h): 40 bytes before every request.
public struct FUSEInHeader: Equatable, Sendable {
    public static let size = 40

    public var length: UInt32
    public var opcode: FUSEOpcode
    public var unique: UInt64
    public var nodeid: UInt64
    public var uid: UInt32
    public var gid: UInt32
    public var pid: UInt32
    /// 7.36: length of extensions after the op's arguments, in 8-byte units (we negotiate none).
    public var totalExtensionLength: UInt16

    public init(
        length: UInt32, opcode: FUSEOpcode, unique: UInt64, nodeid: UInt64, uid: UInt32 = 0, gid: UInt32 = 0,
        pid: UInt32 = 0, totalExtensionLength: UInt16 = 0
    ) {
        self.length = length
        self.opcode = opcode
        self.unique = unique
        self.nodeid = nodeid
        self.uid = uid
        self.gid = gid
        self.pid = pid
        self.totalExtensionLength = totalExtensionLength
    }

    /// Decode the header of one message of `bytes.count` bytes (one read(2) of /dev/fuse gives exactly one).
    public static func decode(_ bytes: UnsafeRawBufferPointer) throws(FUSEDecodeError) -> FUSEInHeader {
        var r = FUSEReader(bytes)
        let length = try r.u32("fuse_in_header.len")
        let opcode = FUSEOpcode(rawValue: try r.u32("fuse_in_header.opcode"))
        let header = FUSEInHeader(
            length: length, opcode: opcode, unique: try r.u64("fuse_in_header.unique"),
            nodeid: try r.u64("fuse_in_header.nodeid"), uid: try r.u32("fuse_in_header.uid"),
            gid: try r.u32("fuse_in_header.gid"), pid: try r.u32("fuse_in_header.pid"),
            totalExtensionLength: try r.u16("fuse_in_header.total_extlen"))
        guard Int(length) == bytes.count, length >= UInt32(size) else {
            throw FUSEDecodeError(opcode, "fuse_in_header.len \(length) but the message has \(bytes.count) bytes")
        }
        return header
    }

    public func encode(into w: inout FUSEWriter) {
        w.u32(length)
        w.u32(opcode.rawValue)
        w.u64(unique)
        w.u64(nodeid)
        w.u32(uid)
        w.u32(gid)
        w.u32(pid)
        w.u16(totalExtensionLength)
        w.u16(0)
    }
}

/// `struct fuse_out_header`: 16 bytes before every reply; `error` is 0 or a negative errno.
public struct FUSEOutHeader: Equatable, Sendable {
    public static let size = 16

    public var length: UInt32
    public var error: FUSEErrno
    public var unique: UInt64

    public init(length: UInt32, error: FUSEErrno, unique: UInt64) {
        self.length = length
        self.error = error
        self.unique = unique
    }

    public func encode(into w: inout FUSEWriter) {
        w.u32(length)
        w.i32(error.wireValue)
        w.u64(unique)
    }

    /// The header as 16 bytes written in place (for replies whose payload is elsewhere, as READ data).
    public func store(to p: UnsafeMutableRawPointer) {
        p.storeBytes(of: length.littleEndian, toByteOffset: 0, as: UInt32.self)
        p.storeBytes(of: error.wireValue.littleEndian, toByteOffset: 4, as: Int32.self)
        p.storeBytes(of: unique.littleEndian, toByteOffset: 8, as: UInt64.self)
    }

    public static func decode(_ bytes: UnsafeRawBufferPointer) throws(FUSEDecodeError) -> FUSEOutHeader {
        var r = FUSEReader(bytes)
        let length = try r.u32("fuse_out_header.len")
        let error = Int32(bitPattern: try r.u32("fuse_out_header.error"))
        return FUSEOutHeader(length: length, error: FUSEErrno(rawValue: -error), unique: try r.u64("fuse_out_header.unique"))
    }
}
