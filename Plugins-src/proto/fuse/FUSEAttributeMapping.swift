import CChimera
import FUSE

/// chimera_attrs → fuse_attr.
enum FUSEAttributeMapping {
    static func attr(_ a: chimera_attrs) -> FUSEAttr {
        var f = FUSEAttr()
        f.ino = a.fileid
        f.size = a.size
        f.blocks = (a.space_used + 511) / 512
        f.atime = UInt64(bitPattern: a.atime.sec)
        f.atimensec = a.atime.nsec
        f.mtime = UInt64(bitPattern: a.mtime.sec)
        f.mtimensec = a.mtime.nsec
        f.ctime = UInt64(bitPattern: a.ctime.sec)
        f.ctimensec = a.ctime.nsec
        f.mode = a.mode
        f.nlink = a.nlink
        f.uid = a.uid
        f.gid = a.gid
        f.rdev = FUSEAttr.encodeDevice(major: UInt32(truncatingIfNeeded: a.rdev >> 32), minor: UInt32(truncatingIfNeeded: a.rdev))
        f.blksize = 4096
        return f
    }

    /// The DT_* type of a fuse_dirent.
    static func direntType(mode: UInt32) -> UInt32 { (mode & 0o170000) >> 12 }
}
