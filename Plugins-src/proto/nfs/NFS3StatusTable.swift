import CChimera
import ChimeraPluginKit
import NFS3

/// The one table from the VFS's status to NFSv3's `nfsstat3` (RFC 1813 §2.6).
enum NFS3StatusTable {
    @inline(__always)
    static func nfsstat(_ status: VFSStatus) -> NFS3Nfsstat {
        switch status.rawValue {
        case CHIMERA_OK: return .ok
        case CHIMERA_PERM: return .perm
        case CHIMERA_NOENT: return .noent
        case CHIMERA_IO: return .io
        case CHIMERA_NXIO: return .nxio
        case CHIMERA_ACCES: return .acces
        case CHIMERA_EXIST: return .exist
        case CHIMERA_XDEV: return .xdev
        case CHIMERA_NOTDIR: return .notdir
        case CHIMERA_ISDIR: return .isdir
        case CHIMERA_INVAL: return .inval
        case CHIMERA_FBIG, CHIMERA_OVERFLOW: return .fbig
        case CHIMERA_NOSPC: return .nospc
        case CHIMERA_ROFS: return .rofs
        case CHIMERA_MLINK: return .mlink
        case CHIMERA_NAMETOOLONG: return .nametoolong
        case CHIMERA_NOTEMPTY: return .notempty
        case CHIMERA_DQUOT: return .dquot
        case CHIMERA_STALE: return .stale
        case CHIMERA_BADHANDLE: return .badhandle
        case CHIMERA_NOT_SYNC: return .notSync
        case CHIMERA_BADCOOKIE: return .badCookie
        case CHIMERA_NOTSUP, CHIMERA_NODATA: return .notsupp
        // A buffer too small for the answer (a symlink target, an xattr).
        case CHIMERA_RANGE: return .toosmall
        // Opening a symlink for I/O: the object is not something this call applies to.
        case CHIMERA_LOOP: return .inval
        case CHIMERA_BADF: return .stale
        // Transient: the client retries later (RFC 1813 §2.6, NFS3ERR_JUKEBOX).
        case CHIMERA_AGAIN, CHIMERA_DELAY, CHIMERA_TIMEDOUT, CHIMERA_LOCKED, CHIMERA_SHARE_VIOLATION: return .jukebox
        default: return .serverfault
        }
    }

    /// Statuses a busy server meets in normal work (a missing name, a name taken): logged at trace, the rest
    /// at info.
    static func isRoutine(_ status: NFS3Nfsstat) -> Bool {
        switch status {
        case .ok, .noent, .exist, .notempty, .notdir, .isdir, .acces, .perm, .nametoolong, .notSync, .jukebox,
            .toosmall, .xdev, .rofs, .mlink, .dquot, .nospc, .fbig, .stale:
            return true
        default:
            return false
        }
    }
}
