/// A FUSE request's opcode (`enum fuse_opcode`, linux/fuse.h). Open: an opcode this engine does not know stays
/// representable, and is answered ENOSYS.
public struct FUSEOpcode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let lookup = FUSEOpcode(rawValue: 1)
    public static let forget = FUSEOpcode(rawValue: 2)
    public static let getattr = FUSEOpcode(rawValue: 3)
    public static let setattr = FUSEOpcode(rawValue: 4)
    public static let readlink = FUSEOpcode(rawValue: 5)
    public static let symlink = FUSEOpcode(rawValue: 6)
    public static let mknod = FUSEOpcode(rawValue: 8)
    public static let mkdir = FUSEOpcode(rawValue: 9)
    public static let unlink = FUSEOpcode(rawValue: 10)
    public static let rmdir = FUSEOpcode(rawValue: 11)
    public static let rename = FUSEOpcode(rawValue: 12)
    public static let link = FUSEOpcode(rawValue: 13)
    public static let open = FUSEOpcode(rawValue: 14)
    public static let read = FUSEOpcode(rawValue: 15)
    public static let write = FUSEOpcode(rawValue: 16)
    public static let statfs = FUSEOpcode(rawValue: 17)
    public static let release = FUSEOpcode(rawValue: 18)
    public static let fsync = FUSEOpcode(rawValue: 20)
    public static let setxattr = FUSEOpcode(rawValue: 21)
    public static let getxattr = FUSEOpcode(rawValue: 22)
    public static let listxattr = FUSEOpcode(rawValue: 23)
    public static let removexattr = FUSEOpcode(rawValue: 24)
    public static let flush = FUSEOpcode(rawValue: 25)
    public static let `init` = FUSEOpcode(rawValue: 26)
    public static let opendir = FUSEOpcode(rawValue: 27)
    public static let readdir = FUSEOpcode(rawValue: 28)
    public static let releasedir = FUSEOpcode(rawValue: 29)
    public static let fsyncdir = FUSEOpcode(rawValue: 30)
    public static let getlk = FUSEOpcode(rawValue: 31)
    public static let setlk = FUSEOpcode(rawValue: 32)
    public static let setlkw = FUSEOpcode(rawValue: 33)
    public static let access = FUSEOpcode(rawValue: 34)
    public static let create = FUSEOpcode(rawValue: 35)
    public static let interrupt = FUSEOpcode(rawValue: 36)
    public static let bmap = FUSEOpcode(rawValue: 37)
    public static let destroy = FUSEOpcode(rawValue: 38)
    public static let ioctl = FUSEOpcode(rawValue: 39)
    public static let poll = FUSEOpcode(rawValue: 40)
    public static let notifyReply = FUSEOpcode(rawValue: 41)
    public static let batchForget = FUSEOpcode(rawValue: 42)
    public static let fallocate = FUSEOpcode(rawValue: 43)
    public static let readdirplus = FUSEOpcode(rawValue: 44)
    public static let rename2 = FUSEOpcode(rawValue: 45)
    public static let lseek = FUSEOpcode(rawValue: 46)
    public static let copyFileRange = FUSEOpcode(rawValue: 47)

    /// A bounded label for metrics and logs.
    public var description: String {
        switch self {
        case .lookup: "LOOKUP"
        case .forget: "FORGET"
        case .getattr: "GETATTR"
        case .setattr: "SETATTR"
        case .readlink: "READLINK"
        case .symlink: "SYMLINK"
        case .mknod: "MKNOD"
        case .mkdir: "MKDIR"
        case .unlink: "UNLINK"
        case .rmdir: "RMDIR"
        case .rename: "RENAME"
        case .link: "LINK"
        case .open: "OPEN"
        case .read: "READ"
        case .write: "WRITE"
        case .statfs: "STATFS"
        case .release: "RELEASE"
        case .fsync: "FSYNC"
        case .setxattr: "SETXATTR"
        case .getxattr: "GETXATTR"
        case .listxattr: "LISTXATTR"
        case .removexattr: "REMOVEXATTR"
        case .flush: "FLUSH"
        case .`init`: "INIT"
        case .opendir: "OPENDIR"
        case .readdir: "READDIR"
        case .releasedir: "RELEASEDIR"
        case .fsyncdir: "FSYNCDIR"
        case .access: "ACCESS"
        case .create: "CREATE"
        case .interrupt: "INTERRUPT"
        case .destroy: "DESTROY"
        case .batchForget: "BATCH_FORGET"
        case .readdirplus: "READDIRPLUS"
        case .rename2: "RENAME2"
        default: "OTHER"
        }
    }
}
