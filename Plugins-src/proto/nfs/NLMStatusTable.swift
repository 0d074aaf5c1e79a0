import CChimera
import ChimeraPluginKit
import NFS3

/// The one table from the VFS's status to NLM v4's `nlm4_stats` (RFC 1813 §6.1.1).
enum NLMStatusTable {
    static func stats(_ status: VFSStatus) -> NLM4Stats {
        switch status.rawValue {
        case CHIMERA_OK: return .granted
        case CHIMERA_LOCKED, CHIMERA_AGAIN, CHIMERA_SHARE_VIOLATION, CHIMERA_NO_GRACE: return .denied
        case CHIMERA_GRACE: return .deniedGracePeriod
        case CHIMERA_NOSPC, CHIMERA_NOTSUP, CHIMERA_DELAY: return .deniedNolocks
        case CHIMERA_ROFS: return .rofs
        case CHIMERA_STALE, CHIMERA_BADHANDLE, CHIMERA_NOENT: return .staleFh
        case CHIMERA_FBIG, CHIMERA_OVERFLOW, CHIMERA_RANGE: return .fbig
        default: return .failed
        }
    }
}
