// The per-op request structs of linux/fuse.h (protocol 7.31, as negotiated down by INIT), as values. Field names
// follow the C structs; sizes are in each decoder (FUSERequest+Decode.swift).

/// `struct fuse_init_in` (16 bytes before 7.36; 64 with flags2).
public struct FUSEInitIn: Equatable, Sendable {
    public var major: UInt32
    public var minor: UInt32
    public var maxReadahead: UInt32
    public var flags: UInt32
    public var flags2: UInt32
    public init(major: UInt32, minor: UInt32, maxReadahead: UInt32, flags: UInt32, flags2: UInt32 = 0) {
        self.major = major
        self.minor = minor
        self.maxReadahead = maxReadahead
        self.flags = flags
        self.flags2 = flags2
    }
}

/// `struct fuse_forget_one`.
public struct FUSEForgetOne: Equatable, Sendable {
    public var nodeid: UInt64
    public var nlookup: UInt64
    public init(nodeid: UInt64, nlookup: UInt64) {
        self.nodeid = nodeid
        self.nlookup = nlookup
    }
}

/// `struct fuse_setattr_in`: what to change is in `valid` (FATTR_*).
public struct FUSESetattrIn: Equatable, Sendable {
    public static let mode: UInt32 = 1 << 0
    public static let uid: UInt32 = 1 << 1
    public static let gid: UInt32 = 1 << 2
    public static let size: UInt32 = 1 << 3
    public static let atime: UInt32 = 1 << 4
    public static let mtime: UInt32 = 1 << 5
    public static let fh: UInt32 = 1 << 6
    public static let atimeNow: UInt32 = 1 << 7
    public static let mtimeNow: UInt32 = 1 << 8
    public static let lockOwner: UInt32 = 1 << 9
    public static let ctime: UInt32 = 1 << 10

    public var valid: UInt32 = 0
    public var fh: UInt64 = 0
    public var size: UInt64 = 0
    public var atime: UInt64 = 0
    public var mtime: UInt64 = 0
    public var atimensec: UInt32 = 0
    public var mtimensec: UInt32 = 0
    public var mode: UInt32 = 0
    public var uid: UInt32 = 0
    public var gid: UInt32 = 0
    public init() {}
}

/// `struct fuse_open_in` (OPEN, OPENDIR): open(2) flags.
public struct FUSEOpenIn: Equatable, Sendable {
    public var flags: UInt32
    public init(flags: UInt32) { self.flags = flags }
}

/// `struct fuse_create_in` and the name after it.
public struct FUSECreateIn: Equatable, Sendable {
    public var flags: UInt32
    public var mode: UInt32
    public var umask: UInt32
    public var name: FUSEBytes
    public init(flags: UInt32, mode: UInt32, umask: UInt32, name: FUSEBytes) {
        self.flags = flags
        self.mode = mode
        self.umask = umask
        self.name = name
    }
}

/// `struct fuse_read_in` (READ, READDIR, READDIRPLUS).
public struct FUSEReadIn: Equatable, Sendable {
    public var fh: UInt64
    public var offset: UInt64
    public var size: UInt32
    public var flags: UInt32
    public init(fh: UInt64, offset: UInt64, size: UInt32, flags: UInt32 = 0) {
        self.fh = fh
        self.offset = offset
        self.size = size
        self.flags = flags
    }
}

/// `struct fuse_write_in` and its data, a view into the request (never copied).
public struct FUSEWriteIn: Equatable, Sendable {
    public var fh: UInt64
    public var offset: UInt64
    public var writeFlags: UInt32
    public var data: FUSEBytes
    public init(fh: UInt64, offset: UInt64, writeFlags: UInt32, data: FUSEBytes) {
        self.fh = fh
        self.offset = offset
        self.writeFlags = writeFlags
        self.data = data
    }
}

/// `struct fuse_release_in` (RELEASE, RELEASEDIR).
public struct FUSEReleaseIn: Equatable, Sendable {
    public var fh: UInt64
    public var flags: UInt32
    public var releaseFlags: UInt32
    public init(fh: UInt64, flags: UInt32, releaseFlags: UInt32) {
        self.fh = fh
        self.flags = flags
        self.releaseFlags = releaseFlags
    }
}

/// RENAME (flags 0) and RENAME2 (`struct fuse_rename2_in`), with both names.
public struct FUSERenameIn: Equatable, Sendable {
    /// RENAME_NOREPLACE, renameat2(2).
    public static let noReplace: UInt32 = 1 << 0
    /// RENAME_EXCHANGE.
    public static let exchange: UInt32 = 1 << 1

    public var newDirectory: UInt64
    public var flags: UInt32
    public var name: FUSEBytes
    public var newName: FUSEBytes
    public init(newDirectory: UInt64, flags: UInt32, name: FUSEBytes, newName: FUSEBytes) {
        self.newDirectory = newDirectory
        self.flags = flags
        self.name = name
        self.newName = newName
    }
}

/// `struct fuse_copy_file_range_in`: from (header nodeid, fhIn, offsetIn) to (nodeidOut, fhOut, offsetOut).
public struct FUSECopyFileRangeIn: Equatable, Sendable {
    public var fhIn: UInt64
    public var offsetIn: UInt64
    public var nodeidOut: UInt64
    public var fhOut: UInt64
    public var offsetOut: UInt64
    public var length: UInt64
    public init(fhIn: UInt64, offsetIn: UInt64, nodeidOut: UInt64, fhOut: UInt64, offsetOut: UInt64, length: UInt64) {
        self.fhIn = fhIn
        self.offsetIn = offsetIn
        self.nodeidOut = nodeidOut
        self.fhOut = fhOut
        self.offsetOut = offsetOut
        self.length = length
    }
}

/// `struct fuse_lk_in` (GETLK, SETLK, SETLKW): a POSIX lock of `owner` over [start, end], end inclusive
/// (`FUSELockIn.toEnd` for "to the end of the file"). Types are F_RDLCK 0, F_WRLCK 1, F_UNLCK 2.
public struct FUSELockIn: Equatable, Sendable {
    public static let toEnd: UInt64 = 0x7fff_ffff_ffff_ffff
    public static let read: UInt32 = 0
    public static let write: UInt32 = 1
    public static let unlock: UInt32 = 2

    public var fh: UInt64
    public var owner: UInt64
    public var start: UInt64
    public var end: UInt64
    public var type: UInt32
    public var pid: UInt32
    /// FUSE_LK_FLOCK (1): a flock(2) lock (not negotiated: the kernel keeps those).
    public var flags: UInt32
    public init(fh: UInt64, owner: UInt64, start: UInt64, end: UInt64, type: UInt32, pid: UInt32 = 0, flags: UInt32 = 0) {
        self.fh = fh
        self.owner = owner
        self.start = start
        self.end = end
        self.type = type
        self.pid = pid
        self.flags = flags
    }

    /// [start, end] as the VFS's (offset, length), length UINT64_MAX to the end.
    public var vfsRange: (offset: UInt64, length: UInt64) {
        if end >= Self.toEnd || end == UInt64.max { return (start, UInt64.max) }
        return (start, end >= start ? end - start + 1 : 1)
    }
}

/// One decoded request body; the header (`FUSEInHeader`) says whom it is for.
public enum FUSERequest: Equatable, Sendable {
    case initialize(FUSEInitIn)
    case destroy
    case lookup(name: FUSEBytes)
    case forget(nlookup: UInt64)
    case batchForget([FUSEForgetOne])
    /// `fh` when FUSE_GETATTR_FH was set.
    case getattr(fh: UInt64?)
    case setattr(FUSESetattrIn)
    case readlink
    case symlink(name: FUSEBytes, target: FUSEBytes)
    case mknod(mode: UInt32, rdev: UInt32, umask: UInt32, name: FUSEBytes)
    case mkdir(mode: UInt32, umask: UInt32, name: FUSEBytes)
    case unlink(name: FUSEBytes)
    case rmdir(name: FUSEBytes)
    case rename(FUSERenameIn)
    case link(oldNodeid: UInt64, name: FUSEBytes)
    case open(FUSEOpenIn)
    case create(FUSECreateIn)
    case read(FUSEReadIn)
    case write(FUSEWriteIn)
    case statfs
    case release(FUSEReleaseIn)
    case fsync(fh: UInt64, dataOnly: Bool)
    case flush(fh: UInt64, lockOwner: UInt64)
    case opendir(FUSEOpenIn)
    case readdir(FUSEReadIn)
    case readdirplus(FUSEReadIn)
    case releasedir(FUSEReleaseIn)
    case fsyncdir(fh: UInt64)
    /// `name` includes its NUL (the VFS takes a C string).
    case setxattr(name: FUSEBytes, value: FUSEBytes, flags: UInt32)
    case getxattr(name: FUSEBytes, size: UInt32)
    case listxattr(size: UInt32)
    case removexattr(name: FUSEBytes)
    case access(mask: UInt32)
    /// `struct fuse_fallocate_in`: fallocate(2) mode bits (FALLOC_FL_KEEP_SIZE 1, FALLOC_FL_PUNCH_HOLE 2).
    case fallocate(fh: UInt64, offset: UInt64, length: UInt64, mode: UInt32)
    /// `struct fuse_lseek_in`: the kernel asks only for SEEK_DATA (3) and SEEK_HOLE (4).
    case lseek(fh: UInt64, offset: UInt64, whence: UInt32)
    /// `struct fuse_copy_file_range_in`.
    case copyFileRange(FUSECopyFileRangeIn)
    case getlk(FUSELockIn)
    /// SETLK (wait false) and SETLKW (wait true).
    case setlk(FUSELockIn, wait: Bool)
    case interrupt(unique: UInt64)
    /// An op this engine does not implement: ENOSYS.
    case unsupported(FUSEOpcode)
}
