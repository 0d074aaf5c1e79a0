import CChimera

/// A `chimera_status_t`, named as the kit prints it.
struct ConformanceStatus: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    var rawValue: Int32

    init(rawValue: Int32) {
        self.rawValue = rawValue
    }

    static let ok = Self(rawValue: CHIMERA_OK)
    static let perm = Self(rawValue: CHIMERA_PERM)
    static let noent = Self(rawValue: CHIMERA_NOENT)
    static let io = Self(rawValue: CHIMERA_IO)
    static let nxio = Self(rawValue: CHIMERA_NXIO)
    static let badf = Self(rawValue: CHIMERA_BADF)
    static let acces = Self(rawValue: CHIMERA_ACCES)
    static let exist = Self(rawValue: CHIMERA_EXIST)
    static let xdev = Self(rawValue: CHIMERA_XDEV)
    static let notdir = Self(rawValue: CHIMERA_NOTDIR)
    static let isdir = Self(rawValue: CHIMERA_ISDIR)
    static let inval = Self(rawValue: CHIMERA_INVAL)
    static let fbig = Self(rawValue: CHIMERA_FBIG)
    static let nospc = Self(rawValue: CHIMERA_NOSPC)
    static let rofs = Self(rawValue: CHIMERA_ROFS)
    static let mlink = Self(rawValue: CHIMERA_MLINK)
    static let range = Self(rawValue: CHIMERA_RANGE)
    static let nametoolong = Self(rawValue: CHIMERA_NAMETOOLONG)
    static let notempty = Self(rawValue: CHIMERA_NOTEMPTY)
    static let nodata = Self(rawValue: CHIMERA_NODATA)
    static let notsup = Self(rawValue: CHIMERA_NOTSUP)
    static let stale = Self(rawValue: CHIMERA_STALE)
    static let badhandle = Self(rawValue: CHIMERA_BADHANDLE)
    static let notSync = Self(rawValue: CHIMERA_NOT_SYNC)
    static let badcookie = Self(rawValue: CHIMERA_BADCOOKIE)
    static let timedout = Self(rawValue: CHIMERA_TIMEDOUT)
    static let delay = Self(rawValue: CHIMERA_DELAY)
    static let locked = Self(rawValue: CHIMERA_LOCKED)
    static let shareViolation = Self(rawValue: CHIMERA_SHARE_VIOLATION)
    static let expired = Self(rawValue: CHIMERA_EXPIRED)
    static let badState = Self(rawValue: CHIMERA_BAD_STATE)
    static let canceled = Self(rawValue: CHIMERA_CANCELED)
    static let locksHeld = Self(rawValue: CHIMERA_LOCKS_HELD)

    var description: String {
        switch rawValue {
        case CHIMERA_OK: "OK"
        case CHIMERA_PERM: "PERM"
        case CHIMERA_NOENT: "NOENT"
        case CHIMERA_IO: "IO"
        case CHIMERA_NXIO: "NXIO"
        case CHIMERA_BADF: "BADF"
        case CHIMERA_AGAIN: "AGAIN"
        case CHIMERA_ACCES: "ACCES"
        case CHIMERA_EXIST: "EXIST"
        case CHIMERA_XDEV: "XDEV"
        case CHIMERA_NOTDIR: "NOTDIR"
        case CHIMERA_ISDIR: "ISDIR"
        case CHIMERA_INVAL: "INVAL"
        case CHIMERA_FBIG: "FBIG"
        case CHIMERA_NOSPC: "NOSPC"
        case CHIMERA_ROFS: "ROFS"
        case CHIMERA_MLINK: "MLINK"
        case CHIMERA_RANGE: "RANGE"
        case CHIMERA_NAMETOOLONG: "NAMETOOLONG"
        case CHIMERA_NOTEMPTY: "NOTEMPTY"
        case CHIMERA_LOOP: "LOOP"
        case CHIMERA_NODATA: "NODATA"
        case CHIMERA_OVERFLOW: "OVERFLOW"
        case CHIMERA_NOTSUP: "NOTSUP"
        case CHIMERA_STALE: "STALE"
        case CHIMERA_DQUOT: "DQUOT"
        case CHIMERA_BADHANDLE: "BADHANDLE"
        case CHIMERA_NOT_SYNC: "NOT_SYNC"
        case CHIMERA_BADCOOKIE: "BADCOOKIE"
        case CHIMERA_DELAY: "DELAY"
        case CHIMERA_LOCKED: "LOCKED"
        case CHIMERA_SHARE_VIOLATION: "SHARE_VIOLATION"
        case CHIMERA_TIMEDOUT: "TIMEDOUT"
        case CHIMERA_GRACE: "GRACE"
        case CHIMERA_NO_GRACE: "NO_GRACE"
        case CHIMERA_EXPIRED: "EXPIRED"
        case CHIMERA_BAD_STATE: "BAD_STATE"
        case CHIMERA_CANCELED: "CANCELED"
        case CHIMERA_LOCKS_HELD: "LOCKS_HELD"
        default: "status(\(rawValue))"
        }
    }
}
