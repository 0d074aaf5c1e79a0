import CChimera

/// A VFS opcode (`chimera_vfs_op_t`). Open, like ``VFSStatus``: a module
/// answers ``VFSStatus/notSupported`` for ops it does not know.
public struct VFSOp: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32

    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    public static let mount = VFSOp(rawValue: UInt32(CHIMERA_VFS_OP_MOUNT))
    public static let umount = VFSOp(rawValue: UInt32(CHIMERA_VFS_OP_UMOUNT))
    public static let getattr = VFSOp(rawValue: UInt32(CHIMERA_VFS_OP_GETATTR))
    public static let setattr = VFSOp(rawValue: UInt32(CHIMERA_VFS_OP_SETATTR))
    public static let lookup = VFSOp(rawValue: UInt32(CHIMERA_VFS_OP_LOOKUP))
    public static let lookupParent = VFSOp(rawValue: UInt32(CHIMERA_VFS_OP_LOOKUP_PARENT))
    public static let readdir = VFSOp(rawValue: UInt32(CHIMERA_VFS_OP_READDIR))
    public static let open = VFSOp(rawValue: UInt32(CHIMERA_VFS_OP_OPEN))
    public static let openAt = VFSOp(rawValue: UInt32(CHIMERA_VFS_OP_OPEN_AT))
    public static let createUnlinked = VFSOp(rawValue: UInt32(CHIMERA_VFS_OP_CREATE_UNLINKED))
    public static let linkAt = VFSOp(rawValue: UInt32(CHIMERA_VFS_OP_LINK_AT))
    public static let close = VFSOp(rawValue: UInt32(CHIMERA_VFS_OP_CLOSE))
    public static let read = VFSOp(rawValue: UInt32(CHIMERA_VFS_OP_READ))
    public static let write = VFSOp(rawValue: UInt32(CHIMERA_VFS_OP_WRITE))
    public static let commit = VFSOp(rawValue: UInt32(CHIMERA_VFS_OP_COMMIT))
    public static let allocate = VFSOp(rawValue: UInt32(CHIMERA_VFS_OP_ALLOCATE))
    public static let deallocate = VFSOp(rawValue: UInt32(CHIMERA_VFS_OP_DEALLOCATE))
    public static let seek = VFSOp(rawValue: UInt32(CHIMERA_VFS_OP_SEEK))
    public static let mkdir = VFSOp(rawValue: UInt32(CHIMERA_VFS_OP_MKDIR))
    public static let mknod = VFSOp(rawValue: UInt32(CHIMERA_VFS_OP_MKNOD))
    public static let symlink = VFSOp(rawValue: UInt32(CHIMERA_VFS_OP_SYMLINK))
    public static let readlink = VFSOp(rawValue: UInt32(CHIMERA_VFS_OP_READLINK))
    public static let link = VFSOp(rawValue: UInt32(CHIMERA_VFS_OP_LINK))
    public static let remove = VFSOp(rawValue: UInt32(CHIMERA_VFS_OP_REMOVE))
    public static let rename = VFSOp(rawValue: UInt32(CHIMERA_VFS_OP_RENAME))
    public static let copyRange = VFSOp(rawValue: UInt32(CHIMERA_VFS_OP_COPY_RANGE))
    public static let cloneRange = VFSOp(rawValue: UInt32(CHIMERA_VFS_OP_CLONE_RANGE))
    public static let fsstat = VFSOp(rawValue: UInt32(CHIMERA_VFS_OP_FSSTAT))
    public static let getxattr = VFSOp(rawValue: UInt32(CHIMERA_VFS_OP_GETXATTR))
    public static let setxattr = VFSOp(rawValue: UInt32(CHIMERA_VFS_OP_SETXATTR))
    public static let listxattr = VFSOp(rawValue: UInt32(CHIMERA_VFS_OP_LISTXATTR))
    public static let removexattr = VFSOp(rawValue: UInt32(CHIMERA_VFS_OP_REMOVEXATTR))
    public static let kvGet = VFSOp(rawValue: UInt32(CHIMERA_VFS_OP_KV_GET))
    public static let kvPut = VFSOp(rawValue: UInt32(CHIMERA_VFS_OP_KV_PUT))
    public static let kvDelete = VFSOp(rawValue: UInt32(CHIMERA_VFS_OP_KV_DELETE))
    public static let lock = VFSOp(rawValue: UInt32(CHIMERA_VFS_OP_LOCK))
    public static let unlock = VFSOp(rawValue: UInt32(CHIMERA_VFS_OP_UNLOCK))
    public static let testLock = VFSOp(rawValue: UInt32(CHIMERA_VFS_OP_TEST_LOCK))
    public static let access = VFSOp(rawValue: UInt32(CHIMERA_VFS_OP_ACCESS))
    public static let stateOpen = VFSOp(rawValue: UInt32(CHIMERA_VFS_OP_STATE_OPEN))
    public static let stateClose = VFSOp(rawValue: UInt32(CHIMERA_VFS_OP_STATE_CLOSE))
    public static let stateDowngrade = VFSOp(rawValue: UInt32(CHIMERA_VFS_OP_STATE_DOWNGRADE))
    public static let lease = VFSOp(rawValue: UInt32(CHIMERA_VFS_OP_LEASE))
    public static let lockCancel = VFSOp(rawValue: UInt32(CHIMERA_VFS_OP_LOCK_CANCEL))
    public static let lookupPath = VFSOp(rawValue: UInt32(CHIMERA_VFS_OP_LOOKUP_PATH))

    /// The bit of this op in `chimera_vfs_module.blocking_ops`.
    public var bit: UInt64 { 1 << UInt64(rawValue & 63) }

    public var description: String {
        switch self {
        case .mount: "mount"
        case .umount: "umount"
        case .getattr: "getattr"
        case .setattr: "setattr"
        case .lookup: "lookup"
        case .lookupParent: "lookup_parent"
        case .readdir: "readdir"
        case .open: "open"
        case .openAt: "open_at"
        case .createUnlinked: "create_unlinked"
        case .linkAt: "link_at"
        case .close: "close"
        case .read: "read"
        case .write: "write"
        case .commit: "commit"
        case .allocate: "allocate"
        case .deallocate: "deallocate"
        case .seek: "seek"
        case .mkdir: "mkdir"
        case .mknod: "mknod"
        case .symlink: "symlink"
        case .readlink: "readlink"
        case .link: "link"
        case .remove: "remove"
        case .rename: "rename"
        case .copyRange: "copy_range"
        case .cloneRange: "clone_range"
        case .fsstat: "fsstat"
        case .getxattr: "getxattr"
        case .setxattr: "setxattr"
        case .listxattr: "listxattr"
        case .removexattr: "removexattr"
        case .access: "access"
        case .kvGet: "kv_get"
        case .kvPut: "kv_put"
        case .kvDelete: "kv_delete"
        case .lock: "lock"
        case .unlock: "unlock"
        case .testLock: "test_lock"
        case .stateOpen: "state_open"
        case .stateClose: "state_close"
        case .stateDowngrade: "state_downgrade"
        case .lease: "lease"
        case .lockCancel: "lock_cancel"
        case .lookupPath: "lookup_path"
        default: "op(\(rawValue))"
        }
    }
}
