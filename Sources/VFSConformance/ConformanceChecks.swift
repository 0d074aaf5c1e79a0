import CChimera

/// Every check of the kit, in the order they run. The restart checks come
/// last: they replace the module instance under every later check.
enum ConformanceChecks {
    static var all: [ConformanceCheck] {
        handles + lookups + creates + directories + readdirs + links + renames + data + attributes + times
            + xattrs + keyValues + unlinked + concurrency + permissions + state + readOnly + restart
    }
}

/// ABI constants with the types the checks use.
enum VFS {
    static let read = UInt32(CHIMERA_VFS_OPEN_READ)
    static let write = UInt32(CHIMERA_VFS_OPEN_WRITE)
    static let create = UInt32(CHIMERA_VFS_OPEN_CREATE)
    static let exclusive = UInt32(CHIMERA_VFS_OPEN_EXCLUSIVE)
    static let truncate = UInt32(CHIMERA_VFS_OPEN_TRUNCATE)
    static let directory = UInt32(CHIMERA_VFS_OPEN_DIRECTORY)
    static let verifier = UInt32(CHIMERA_VFS_OPEN_VERIFIER)
    static let noOpen = UInt32(CHIMERA_VFS_OPEN_NONE)

    static let typeRegular = UInt32(CHIMERA_S_IFREG)
    static let typeDirectory = UInt32(CHIMERA_S_IFDIR)
    static let typeSymlink = UInt32(CHIMERA_S_IFLNK)
    static let typeFIFO = UInt32(CHIMERA_S_IFIFO)
    static let typeCharacter = UInt32(CHIMERA_S_IFCHR)

    static let removeDirectory = UInt32(CHIMERA_VFS_REMOVE_DIR)
    static let removeNotDirectory = UInt32(CHIMERA_VFS_REMOVE_NOT_DIR)
    static let noReplace = UInt32(CHIMERA_VFS_RENAME_NOREPLACE)
    static let linkReplace = UInt32(CHIMERA_VFS_LINK_REPLACE)

    static let unstable = UInt32(CHIMERA_VFS_UNSTABLE)
    static let dataSync = UInt32(CHIMERA_VFS_DATA_SYNC)
    static let fileSync = UInt32(CHIMERA_VFS_FILE_SYNC)

    static let seekData = UInt32(CHIMERA_VFS_SEEK_DATA)
    static let seekHole = UInt32(CHIMERA_VFS_SEEK_HOLE)
    static let keepSize = UInt32(CHIMERA_VFS_ALLOC_KEEP_SIZE)

    static let xattrCreate = UInt32(CHIMERA_VFS_XATTR_CREATE)
    static let xattrReplace = UInt32(CHIMERA_VFS_XATTR_REPLACE)

    static let hardlinks = CHIMERA_VFS_CAP_HARDLINKS
    static let symlinks = CHIMERA_VFS_CAP_SYMLINKS
    static let xattrs = CHIMERA_VFS_CAP_XATTRS
    static let keyValue = CHIMERA_VFS_CAP_KV
    static let persistentHandles = CHIMERA_VFS_CAP_PERSISTENT_HANDLES
    static let readOnly = CHIMERA_VFS_CAP_READ_ONLY

    static let gib: UInt64 = 1 << 30

    /// CHIMERA_ATTR_STAT (a macro Swift does not import).
    static let attrStat: UInt64 =
        CHIMERA_ATTR_MODE | CHIMERA_ATTR_NLINK | CHIMERA_ATTR_UID | CHIMERA_ATTR_GID | CHIMERA_ATTR_RDEV
        | CHIMERA_ATTR_SIZE | CHIMERA_ATTR_SPACE_USED | CHIMERA_ATTR_FILEID | CHIMERA_ATTR_FSID | CHIMERA_ATTR_ATIME
        | CHIMERA_ATTR_MTIME | CHIMERA_ATTR_CTIME
}
