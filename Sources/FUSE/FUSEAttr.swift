/// `struct fuse_attr` (88 bytes).
public struct FUSEAttr: Equatable, Sendable {
    public static let size = 88

    public var ino: UInt64 = 0
    public var size: UInt64 = 0
    public var blocks: UInt64 = 0
    public var atime: UInt64 = 0
    public var mtime: UInt64 = 0
    public var ctime: UInt64 = 0
    public var atimensec: UInt32 = 0
    public var mtimensec: UInt32 = 0
    public var ctimensec: UInt32 = 0
    public var mode: UInt32 = 0
    public var nlink: UInt32 = 0
    public var uid: UInt32 = 0
    public var gid: UInt32 = 0
    /// new_encode_dev form of the device number.
    public var rdev: UInt32 = 0
    public var blksize: UInt32 = 4096
    public var flags: UInt32 = 0

    public init() {}

    /// The kernel's `new_encode_dev(MKDEV(major, minor))`.
    public static func encodeDevice(major: UInt32, minor: UInt32) -> UInt32 {
        (minor & 0xff) | ((major & 0xfff) << 8) | ((minor & ~0xff) << 12)
    }

    /// The kernel's `new_decode_dev`: (major, minor).
    public static func decodeDevice(_ dev: UInt32) -> (major: UInt32, minor: UInt32) {
        ((dev & 0xfff00) >> 8, (dev & 0xff) | ((dev >> 12) & 0xfff00))
    }

    public func encode(into w: inout FUSEWriter) {
        w.u64(ino)
        w.u64(size)
        w.u64(blocks)
        w.u64(atime)
        w.u64(mtime)
        w.u64(ctime)
        w.u32(atimensec)
        w.u32(mtimensec)
        w.u32(ctimensec)
        w.u32(mode)
        w.u32(nlink)
        w.u32(uid)
        w.u32(gid)
        w.u32(rdev)
        w.u32(blksize)
        w.u32(flags)
    }

    public static func decode(_ r: inout FUSEReader) throws(FUSEDecodeError) -> FUSEAttr {
        var a = FUSEAttr()
        a.ino = try r.u64()
        a.size = try r.u64()
        a.blocks = try r.u64()
        a.atime = try r.u64()
        a.mtime = try r.u64()
        a.ctime = try r.u64()
        a.atimensec = try r.u32()
        a.mtimensec = try r.u32()
        a.ctimensec = try r.u32()
        a.mode = try r.u32()
        a.nlink = try r.u32()
        a.uid = try r.u32()
        a.gid = try r.u32()
        a.rdev = try r.u32()
        a.blksize = try r.u32()
        a.flags = try r.u32()
        return a
    }
}

/// A cache timeout as FUSE splits it (seconds + nanoseconds).
public struct FUSETimeout: Equatable, Sendable {
    public var seconds: UInt64
    public var nanoseconds: UInt32
    public init(milliseconds: UInt64) {
        seconds = milliseconds / 1000
        nanoseconds = UInt32(milliseconds % 1000) * 1_000_000
    }
}
