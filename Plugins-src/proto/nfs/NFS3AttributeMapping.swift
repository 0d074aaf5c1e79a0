import CChimera
import ChimeraPluginKit
import NFS3

/// `chimera_attrs` to NFSv3's `fattr3` / `wcc_attr`, and `sattr3` back (RFC 1813 §2.5, §2.6).
enum NFS3AttributeMapping {
    /// What every reply asks the VFS for.
    static let statMask =
        UInt64(CHIMERA_ATTR_MODE | CHIMERA_ATTR_NLINK | CHIMERA_ATTR_UID | CHIMERA_ATTR_GID)
        | UInt64(CHIMERA_ATTR_RDEV | CHIMERA_ATTR_SIZE | CHIMERA_ATTR_SPACE_USED | CHIMERA_ATTR_FILEID)
        | UInt64(CHIMERA_ATTR_FSID | CHIMERA_ATTR_ATIME | CHIMERA_ATTR_MTIME | CHIMERA_ATTR_CTIME)
    static let wccMask = UInt64(CHIMERA_ATTR_SIZE | CHIMERA_ATTR_MTIME | CHIMERA_ATTR_CTIME)

    @inline(__always)
    static func fileType(_ mode: UInt32) -> NFS3Ftype {
        switch mode & UInt32(CHIMERA_S_IFMT) {
        case UInt32(CHIMERA_S_IFREG): return .reg
        case UInt32(CHIMERA_S_IFDIR): return .dir
        case UInt32(CHIMERA_S_IFLNK): return .lnk
        case UInt32(CHIMERA_S_IFBLK): return .blk
        case UInt32(CHIMERA_S_IFCHR): return .chr
        case UInt32(CHIMERA_S_IFSOCK): return .sock
        case UInt32(CHIMERA_S_IFIFO): return .fifo
        default: return .reg
        }
    }

    /// NFSv3 times are unsigned 32-bit seconds: earlier than 1970 is 0, past 2106 is the largest.
    @inline(__always)
    static func time(_ t: chimera_timespec) -> NFS3Nfstime {
        let seconds: UInt32 = t.sec < 0 ? 0 : (t.sec > Int64(UInt32.max) ? .max : UInt32(t.sec))
        return NFS3Nfstime(seconds: seconds, nseconds: min(t.nsec, 999_999_999))
    }

    @inline(__always)
    static func fattr(_ a: chimera_attrs) -> NFS3Fattr {
        NFS3Fattr(
            type: fileType(a.mode),
            mode: a.mode & 0o7777,
            nlink: a.nlink,
            uid: a.uid,
            gid: a.gid,
            size: a.size,
            used: a.space_used,
            rdev: NFS3Specdata(
                specdata1: UInt32(truncatingIfNeeded: a.rdev >> 32),
                specdata2: UInt32(truncatingIfNeeded: a.rdev)
            ),
            fsid: a.fsid,
            fileid: a.fileid,
            atime: time(a.atime),
            mtime: time(a.mtime),
            ctime: time(a.ctime)
        )
    }

    /// `post_op_attr`: present when the VFS gave at least the type and the file id.
    @inline(__always)
    static func postOp(_ a: chimera_attrs) -> NFS3PostOpAttr {
        let needed = UInt64(CHIMERA_ATTR_MODE | CHIMERA_ATTR_FILEID)
        return a.valid_mask & needed == needed ? fattr(a) : nil
    }

    /// `pre_op_attr`: present when the VFS gave size, mtime and ctime from before the change.
    @inline(__always)
    static func preOp(_ a: chimera_attrs) -> NFS3PreOpAttr {
        guard a.valid_mask & wccMask == wccMask else { return nil }
        return NFS3WccAttr(size: a.size, mtime: time(a.mtime), ctime: time(a.ctime))
    }

    @inline(__always)
    static func wcc(pre: chimera_attrs, post: chimera_attrs) -> NFS3WccData {
        NFS3WccData(before: preOp(pre), after: postOp(post))
    }

    /// A client's `sattr3` as the attributes to set (`valid_mask` says which); nil when a `time_how` is not
    /// one RFC 1813 defines.
    static func settable(_ s: NFS3Sattr) -> chimera_attrs? {
        var a = chimera_attrs()
        var mask: UInt64 = 0
        if let mode = s.mode {
            a.mode = mode & 0o7777
            mask |= UInt64(CHIMERA_ATTR_MODE)
        }
        if let uid = s.uid {
            a.uid = uid
            mask |= UInt64(CHIMERA_ATTR_UID)
        }
        if let gid = s.gid {
            a.gid = gid
            mask |= UInt64(CHIMERA_ATTR_GID)
        }
        if let size = s.size {
            a.size = size
            mask |= UInt64(CHIMERA_ATTR_SIZE)
        }
        switch s.atime {
        case .setToClientTime(let t):
            a.atime = chimera_timespec(seconds: Int64(t.seconds), nanoseconds: t.nseconds)
            mask |= UInt64(CHIMERA_ATTR_ATIME)
        case .default(let how):
            if how == .setToServerTime {
                mask |= CHIMERA_ATTR_ATIME_NOW
            } else if how != .dontChange {
                return nil
            }
        }
        switch s.mtime {
        case .setToClientTime(let t):
            a.mtime = chimera_timespec(seconds: Int64(t.seconds), nanoseconds: t.nseconds)
            mask |= UInt64(CHIMERA_ATTR_MTIME)
        case .default(let how):
            if how == .setToServerTime {
                mask |= CHIMERA_ATTR_MTIME_NOW
            } else if how != .dontChange {
                return nil
            }
        }
        a.valid_mask = mask
        return a
    }
}
