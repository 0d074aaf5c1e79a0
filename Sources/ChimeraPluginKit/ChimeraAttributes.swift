import CChimera

/// File types as they sit in the `S_IFMT` bits of `chimera_attrs.mode`.
public struct VFSFileType: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue & UInt32(CHIMERA_S_IFMT) }

    public static let regular = VFSFileType(rawValue: UInt32(CHIMERA_S_IFREG))
    public static let directory = VFSFileType(rawValue: UInt32(CHIMERA_S_IFDIR))
    public static let symlink = VFSFileType(rawValue: UInt32(CHIMERA_S_IFLNK))
    public static let blockDevice = VFSFileType(rawValue: UInt32(CHIMERA_S_IFBLK))
    public static let characterDevice = VFSFileType(rawValue: UInt32(CHIMERA_S_IFCHR))
    public static let fifo = VFSFileType(rawValue: UInt32(CHIMERA_S_IFIFO))
    public static let socket = VFSFileType(rawValue: UInt32(CHIMERA_S_IFSOCK))
}

/// Attribute mask bits (`CHIMERA_ATTR_*`).
public struct VFSAttributeMask: OptionSet, Hashable, Sendable {
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    public static let mode = VFSAttributeMask(rawValue: CHIMERA_ATTR_MODE)
    public static let nlink = VFSAttributeMask(rawValue: CHIMERA_ATTR_NLINK)
    public static let uid = VFSAttributeMask(rawValue: CHIMERA_ATTR_UID)
    public static let gid = VFSAttributeMask(rawValue: CHIMERA_ATTR_GID)
    public static let rdev = VFSAttributeMask(rawValue: CHIMERA_ATTR_RDEV)
    public static let size = VFSAttributeMask(rawValue: CHIMERA_ATTR_SIZE)
    public static let spaceUsed = VFSAttributeMask(rawValue: CHIMERA_ATTR_SPACE_USED)
    public static let fileid = VFSAttributeMask(rawValue: CHIMERA_ATTR_FILEID)
    public static let generation = VFSAttributeMask(rawValue: CHIMERA_ATTR_GENERATION)
    public static let fsid = VFSAttributeMask(rawValue: CHIMERA_ATTR_FSID)
    public static let atime = VFSAttributeMask(rawValue: CHIMERA_ATTR_ATIME)
    public static let mtime = VFSAttributeMask(rawValue: CHIMERA_ATTR_MTIME)
    public static let ctime = VFSAttributeMask(rawValue: CHIMERA_ATTR_CTIME)
    public static let btime = VFSAttributeMask(rawValue: CHIMERA_ATTR_BTIME)
    public static let change = VFSAttributeMask(rawValue: CHIMERA_ATTR_CHANGE)
    public static let dos = VFSAttributeMask(rawValue: CHIMERA_ATTR_DOS)
    public static let atimeNow = VFSAttributeMask(rawValue: CHIMERA_ATTR_ATIME_NOW)
    public static let mtimeNow = VFSAttributeMask(rawValue: CHIMERA_ATTR_MTIME_NOW)

    /// What NFSv3's fattr3 and POSIX stat need.
    public static let stat: VFSAttributeMask = [
        .mode, .nlink, .uid, .gid, .rdev, .size, .spaceUsed, .fileid, .fsid, .atime, .mtime, .ctime,
    ]
    /// Weak cache consistency (NFSv3 wcc_attr).
    public static let wcc: VFSAttributeMask = [.size, .mtime, .ctime]
    /// Every attribute a module can report.
    public static let all: VFSAttributeMask = [
        .stat, .generation, .btime, .change, .dos,
    ]
}

extension chimera_attrs {
    /// Masks as an option set.
    @inlinable
    public var valid: VFSAttributeMask {
        get { VFSAttributeMask(rawValue: valid_mask) }
        set { valid_mask = newValue.rawValue }
    }

    @inlinable
    public var requested: VFSAttributeMask {
        get { VFSAttributeMask(rawValue: req_mask) }
        set { req_mask = newValue.rawValue }
    }

    @inlinable
    public var fileType: VFSFileType { VFSFileType(rawValue: mode) }

    /// Permission bits (and set-id, sticky) without the type.
    @inlinable
    public var permissions: UInt32 { mode & 0o7777 }
}

extension chimera_timespec {
    @inlinable
    public init(seconds: Int64, nanoseconds: UInt32) {
        self.init(sec: seconds, nsec: nanoseconds, reserved: 0)
    }

    /// Nanoseconds since the epoch (saturating far outside 1678...2262).
    @inlinable
    public var nanosecondsSinceEpoch: Int64 {
        let (s, o) = sec.multipliedReportingOverflow(by: 1_000_000_000)
        if o { return sec < 0 ? .min : .max }
        return s.addingReportingOverflow(Int64(nsec)).partialValue
    }
}

extension chimera_timespec: @retroactive Equatable {
    @inlinable
    public static func == (a: chimera_timespec, b: chimera_timespec) -> Bool {
        a.sec == b.sec && a.nsec == b.nsec
    }
}

extension chimera_timespec: @retroactive Comparable {
    @inlinable
    public static func < (a: chimera_timespec, b: chimera_timespec) -> Bool {
        a.sec != b.sec ? a.sec < b.sec : a.nsec < b.nsec
    }
}
