import CChimera
import ChimeraPluginKit
import FUSE

/// The one table from VFS status to the errno FUSE carries (negated in fuse_out_header.error). Statuses below
/// 10000 are Linux errnos already (chimera_common.h); the core's own ones map to what a local file system
/// would give.
enum FUSEStatusTable {
    static func errno(_ status: VFSStatus) -> FUSEErrno {
        let raw = status.rawValue
        if raw > 0 && raw < 10000 { return FUSEErrno(rawValue: raw) }
        switch raw {
        case CHIMERA_OK: return .ok
        case CHIMERA_BADHANDLE: return .stale
        case CHIMERA_NOT_SYNC: return .inval
        case CHIMERA_BADCOOKIE: return .inval
        case CHIMERA_DELAY, CHIMERA_LOCKED, CHIMERA_GRACE: return .again
        case CHIMERA_SHARE_VIOLATION, CHIMERA_LOCKS_HELD: return .busy
        case CHIMERA_TIMEDOUT: return .timedout
        case CHIMERA_NO_GRACE: return .inval
        case CHIMERA_BAD_STATE: return .badf
        case CHIMERA_CANCELED: return .canceled
        default: return .io
        }
    }
}
