import CChimera

/// A status from the Chimera ABI (`chimera_status_t`).
///
/// Open: an unknown value from a newer plugin stays representable. Values
/// equal Linux errnos where one exists, so a POSIX module maps `errno`
/// with ``init(errno:)``.
public struct VFSStatus: RawRepresentable, Hashable, Sendable, CustomStringConvertible, Error {
    public var rawValue: Int32

    public init(rawValue: Int32) {
        self.rawValue = rawValue
    }

    /// The status for a Linux `errno`, folding the ones the ABI does not name.
    public init(errno: Int32) {
        switch errno {
        case 0: self = .ok
        case 35 /* EDEADLK */, 37 /* ENOLCK */: self = .locked
        case 4 /* EINTR */: self = .again
        case 12 /* ENOMEM */: self = .noSpace
        case 16 /* EBUSY */, 26 /* ETXTBSY */: self = .delay
        case 1, 2, 5, 6, 9, 11, 13, 17, 18, 20, 21, 22, 27, 28, 30, 31, 34, 36, 39, 40, 61, 75, 95, 116, 122:
            self.init(rawValue: errno)
        case 38 /* ENOSYS */: self = .notSupported
        case 7 /* E2BIG */, 90 /* EMSGSIZE */: self = .range
        default: self = .io
        }
    }

    public static let ok = VFSStatus(rawValue: CHIMERA_OK)
    public static let permission = VFSStatus(rawValue: CHIMERA_PERM)
    public static let noEntry = VFSStatus(rawValue: CHIMERA_NOENT)
    public static let io = VFSStatus(rawValue: CHIMERA_IO)
    public static let noDevice = VFSStatus(rawValue: CHIMERA_NXIO)
    public static let badOpenHandle = VFSStatus(rawValue: CHIMERA_BADF)
    public static let again = VFSStatus(rawValue: CHIMERA_AGAIN)
    public static let access = VFSStatus(rawValue: CHIMERA_ACCES)
    public static let exists = VFSStatus(rawValue: CHIMERA_EXIST)
    public static let crossDevice = VFSStatus(rawValue: CHIMERA_XDEV)
    public static let notDirectory = VFSStatus(rawValue: CHIMERA_NOTDIR)
    public static let isDirectory = VFSStatus(rawValue: CHIMERA_ISDIR)
    public static let invalid = VFSStatus(rawValue: CHIMERA_INVAL)
    public static let fileTooBig = VFSStatus(rawValue: CHIMERA_FBIG)
    public static let noSpace = VFSStatus(rawValue: CHIMERA_NOSPC)
    public static let readOnly = VFSStatus(rawValue: CHIMERA_ROFS)
    public static let tooManyLinks = VFSStatus(rawValue: CHIMERA_MLINK)
    public static let range = VFSStatus(rawValue: CHIMERA_RANGE)
    public static let nameTooLong = VFSStatus(rawValue: CHIMERA_NAMETOOLONG)
    public static let notEmpty = VFSStatus(rawValue: CHIMERA_NOTEMPTY)
    public static let loop = VFSStatus(rawValue: CHIMERA_LOOP)
    public static let noData = VFSStatus(rawValue: CHIMERA_NODATA)
    public static let overflow = VFSStatus(rawValue: CHIMERA_OVERFLOW)
    public static let notSupported = VFSStatus(rawValue: CHIMERA_NOTSUP)
    public static let stale = VFSStatus(rawValue: CHIMERA_STALE)
    public static let quota = VFSStatus(rawValue: CHIMERA_DQUOT)
    public static let badHandle = VFSStatus(rawValue: CHIMERA_BADHANDLE)
    public static let notSync = VFSStatus(rawValue: CHIMERA_NOT_SYNC)
    public static let badCookie = VFSStatus(rawValue: CHIMERA_BADCOOKIE)
    public static let delay = VFSStatus(rawValue: CHIMERA_DELAY)
    public static let locked = VFSStatus(rawValue: CHIMERA_LOCKED)
    public static let shareViolation = VFSStatus(rawValue: CHIMERA_SHARE_VIOLATION)
    public static let timedOut = VFSStatus(rawValue: CHIMERA_TIMEDOUT)
    public static let grace = VFSStatus(rawValue: CHIMERA_GRACE)
    public static let noGrace = VFSStatus(rawValue: CHIMERA_NO_GRACE)
    public static let expired = VFSStatus(rawValue: CHIMERA_EXPIRED)
    public static let badState = VFSStatus(rawValue: CHIMERA_BAD_STATE)
    public static let canceled = VFSStatus(rawValue: CHIMERA_CANCELED)
    public static let locksHeld = VFSStatus(rawValue: CHIMERA_LOCKS_HELD)

    public var description: String {
        switch self {
        case .ok: "OK"
        case .permission: "PERM"
        case .noEntry: "NOENT"
        case .io: "IO"
        case .noDevice: "NXIO"
        case .badOpenHandle: "BADF"
        case .again: "AGAIN"
        case .access: "ACCES"
        case .exists: "EXIST"
        case .crossDevice: "XDEV"
        case .notDirectory: "NOTDIR"
        case .isDirectory: "ISDIR"
        case .invalid: "INVAL"
        case .fileTooBig: "FBIG"
        case .noSpace: "NOSPC"
        case .readOnly: "ROFS"
        case .tooManyLinks: "MLINK"
        case .range: "RANGE"
        case .nameTooLong: "NAMETOOLONG"
        case .notEmpty: "NOTEMPTY"
        case .loop: "LOOP"
        case .noData: "NODATA"
        case .overflow: "OVERFLOW"
        case .notSupported: "NOTSUP"
        case .stale: "STALE"
        case .quota: "DQUOT"
        case .badHandle: "BADHANDLE"
        case .notSync: "NOT_SYNC"
        case .badCookie: "BADCOOKIE"
        case .delay: "DELAY"
        case .locked: "LOCKED"
        case .shareViolation: "SHARE_VIOLATION"
        case .timedOut: "TIMEDOUT"
        case .grace: "GRACE"
        case .noGrace: "NO_GRACE"
        case .expired: "EXPIRED"
        case .badState: "BAD_STATE"
        case .canceled: "CANCELED"
        case .locksHeld: "LOCKS_HELD"
        default: "status(\(rawValue))"
        }
    }
}
