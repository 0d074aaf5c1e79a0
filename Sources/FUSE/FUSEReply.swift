/// `struct fuse_entry_out` (128 bytes): LOOKUP, MKNOD, MKDIR, SYMLINK, LINK, CREATE, and each READDIRPLUS entry.
public struct FUSEEntryOut: Equatable, Sendable {
    public static let size = 40 + FUSEAttr.size

    public var nodeid: UInt64
    public var generation: UInt64
    public var entryValid: FUSETimeout
    public var attrValid: FUSETimeout
    public var attr: FUSEAttr

    public init(nodeid: UInt64, generation: UInt64 = 0, entryValid: FUSETimeout, attrValid: FUSETimeout, attr: FUSEAttr) {
        self.nodeid = nodeid
        self.generation = generation
        self.entryValid = entryValid
        self.attrValid = attrValid
        self.attr = attr
    }

    public func encode(into w: inout FUSEWriter) {
        w.u64(nodeid)
        w.u64(generation)
        w.u64(entryValid.seconds)
        w.u64(attrValid.seconds)
        w.u32(entryValid.nanoseconds)
        w.u32(attrValid.nanoseconds)
        attr.encode(into: &w)
    }
}

/// `struct fuse_file_lock` in `fuse_lk_out` (24 bytes): the conflicting lock, or type F_UNLCK for none.
public struct FUSELockOut: Equatable, Sendable {
    public var start: UInt64
    public var end: UInt64
    public var type: UInt32
    public var pid: UInt32
    public init(start: UInt64, end: UInt64, type: UInt32, pid: UInt32 = 0) {
        self.start = start
        self.end = end
        self.type = type
        self.pid = pid
    }
}

/// `struct fuse_open_out` (16 bytes).
public struct FUSEOpenOut: Equatable, Sendable {
    public static let directIO: UInt32 = 1 << 0
    public static let keepCache: UInt32 = 1 << 1

    public var fh: UInt64
    public var openFlags: UInt32
    public init(fh: UInt64, openFlags: UInt32 = 0) {
        self.fh = fh
        self.openFlags = openFlags
    }

    public func encode(into w: inout FUSEWriter) {
        w.u64(fh)
        w.u32(openFlags)
        w.u32(0)
    }
}

/// `struct fuse_kstatfs` inside `fuse_statfs_out` (80 bytes).
public struct FUSEStatfs: Equatable, Sendable {
    public var blocks: UInt64 = 0
    public var bfree: UInt64 = 0
    public var bavail: UInt64 = 0
    public var files: UInt64 = 0
    public var ffree: UInt64 = 0
    public var bsize: UInt32 = 4096
    public var namelen: UInt32 = 255
    public var frsize: UInt32 = 4096
    public init() {}

    public func encode(into w: inout FUSEWriter) {
        w.u64(blocks)
        w.u64(bfree)
        w.u64(bavail)
        w.u64(files)
        w.u64(ffree)
        w.u32(bsize)
        w.u32(namelen)
        w.u32(frsize)
        w.u32(0)
        w.zeros(24)
    }
}

/// A reply body: what follows `fuse_out_header` (empty for errors and for ops that answer nothing but success).
public enum FUSEReply: Equatable, Sendable {
    case error(FUSEErrno)
    case empty
    case initialize(FUSEInitOut)
    case entry(FUSEEntryOut)
    case attr(FUSEAttr, valid: FUSETimeout)
    case open(FUSEOpenOut)
    case create(FUSEEntryOut, FUSEOpenOut)
    case write(size: UInt32)
    case statfs(FUSEStatfs)
    /// GETXATTR / LISTXATTR asked with size 0: the size needed.
    case xattrSize(UInt32)
    /// Raw bytes (READLINK, GETXATTR / LISTXATTR data, READDIR's packed dirents).
    case bytes([UInt8])
    /// `struct fuse_lk_out`.
    case lock(FUSELockOut)
    /// `struct fuse_lseek_out`.
    case lseek(offset: UInt64)

    /// The whole reply, header included.
    public func encode(unique: UInt64) -> [UInt8] {
        var body = FUSEWriter(capacity: 160)
        var error = FUSEErrno.ok
        switch self {
        case .error(let e): error = e
        case .empty: break
        case .initialize(let out): out.encode(into: &body)
        case .entry(let e): e.encode(into: &body)
        case .attr(let a, let valid):
            body.u64(valid.seconds)
            body.u32(valid.nanoseconds)
            body.u32(0)
            a.encode(into: &body)
        case .open(let o): o.encode(into: &body)
        case .create(let e, let o):
            e.encode(into: &body)
            o.encode(into: &body)
        case .write(let size):
            body.u32(size)
            body.u32(0)
        case .statfs(let s): s.encode(into: &body)
        case .xattrSize(let size):
            body.u32(size)
            body.u32(0)
        case .bytes(let b): b.withUnsafeBytes { body.append($0) }
        case .lseek(let offset): body.u64(offset)
        case .lock(let l):
            body.u64(l.start)
            body.u64(l.end)
            body.u32(l.type)
            body.u32(l.pid)
        }
        var w = FUSEWriter(capacity: FUSEOutHeader.size + body.count)
        FUSEOutHeader(length: UInt32(FUSEOutHeader.size + body.count), error: error, unique: unique).encode(into: &w)
        body.bytes.withUnsafeBytes { w.append($0) }
        return w.bytes
    }
}
