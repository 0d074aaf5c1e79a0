import XDR

/// The arguments of an NFSv3 call, by procedure (RFC 1813 §3.3): decodes the generated `<PROC>3args` type the
/// procedure number selects. Views (file handles, names, WRITE data) point into the record.
public enum NFS3Arguments: XDREncodable, Hashable {
    case null
    case getattr(NFS3GetattrArgs)
    case setattr(NFS3SetattrArgs)
    case lookup(NFS3LookupArgs)
    case access(NFS3AccessArgs)
    case readlink(NFS3ReadlinkArgs)
    case read(NFS3ReadArgs)
    case write(NFS3WriteArgs)
    case create(NFS3CreateArgs)
    case mkdir(NFS3MkdirArgs)
    case symlink(NFS3SymlinkArgs)
    case mknod(NFS3MknodArgs)
    case remove(NFS3RemoveArgs)
    case rmdir(NFS3RmdirArgs)
    case rename(NFS3RenameArgs)
    case link(NFS3LinkArgs)
    case readdir(NFS3ReaddirArgs)
    case readdirplus(NFS3ReaddirplusArgs)
    case fsstat(NFS3FsstatArgs)
    case fsinfo(NFS3FsinfoArgs)
    case pathconf(NFS3PathconfArgs)
    case commit(NFS3CommitArgs)

    /// Decodes the arguments of `procedure`; nil for a procedure NFSv3 does not define (reply PROC_UNAVAIL).
    @inlinable
    public init?(procedure: NFS3Program.V3.Procedure, from reader: inout XDRReader) throws(XDRError) {
        switch procedure {
        case .null: self = .null
        case .getattr: self = .getattr(try NFS3GetattrArgs(from: &reader))
        case .setattr: self = .setattr(try NFS3SetattrArgs(from: &reader))
        case .lookup: self = .lookup(try NFS3LookupArgs(from: &reader))
        case .access: self = .access(try NFS3AccessArgs(from: &reader))
        case .readlink: self = .readlink(try NFS3ReadlinkArgs(from: &reader))
        case .read: self = .read(try NFS3ReadArgs(from: &reader))
        case .write: self = .write(try NFS3WriteArgs(from: &reader))
        case .create: self = .create(try NFS3CreateArgs(from: &reader))
        case .mkdir: self = .mkdir(try NFS3MkdirArgs(from: &reader))
        case .symlink: self = .symlink(try NFS3SymlinkArgs(from: &reader))
        case .mknod: self = .mknod(try NFS3MknodArgs(from: &reader))
        case .remove: self = .remove(try NFS3RemoveArgs(from: &reader))
        case .rmdir: self = .rmdir(try NFS3RmdirArgs(from: &reader))
        case .rename: self = .rename(try NFS3RenameArgs(from: &reader))
        case .link: self = .link(try NFS3LinkArgs(from: &reader))
        case .readdir: self = .readdir(try NFS3ReaddirArgs(from: &reader))
        case .readdirplus: self = .readdirplus(try NFS3ReaddirplusArgs(from: &reader))
        case .fsstat: self = .fsstat(try NFS3FsstatArgs(from: &reader))
        case .fsinfo: self = .fsinfo(try NFS3FsinfoArgs(from: &reader))
        case .pathconf: self = .pathconf(try NFS3PathconfArgs(from: &reader))
        case .commit: self = .commit(try NFS3CommitArgs(from: &reader))
        default: return nil
        }
    }

    /// The procedure these arguments belong to.
    @inlinable
    public var procedure: NFS3Program.V3.Procedure {
        switch self {
        case .null: return .null
        case .getattr(_): return .getattr
        case .setattr(_): return .setattr
        case .lookup(_): return .lookup
        case .access(_): return .access
        case .readlink(_): return .readlink
        case .read(_): return .read
        case .write(_): return .write
        case .create(_): return .create
        case .mkdir(_): return .mkdir
        case .symlink(_): return .symlink
        case .mknod(_): return .mknod
        case .remove(_): return .remove
        case .rmdir(_): return .rmdir
        case .rename(_): return .rename
        case .link(_): return .link
        case .readdir(_): return .readdir
        case .readdirplus(_): return .readdirplus
        case .fsstat(_): return .fsstat
        case .fsinfo(_): return .fsinfo
        case .pathconf(_): return .pathconf
        case .commit(_): return .commit
        }
    }

    /// Writes the arguments (what a client sends after the call header).
    @inlinable
    public func encode(to writer: inout XDRWriter) throws(XDRError) {
        switch self {
        case .null: break
        case .getattr(let arguments): try arguments.encode(to: &writer)
        case .setattr(let arguments): try arguments.encode(to: &writer)
        case .lookup(let arguments): try arguments.encode(to: &writer)
        case .access(let arguments): try arguments.encode(to: &writer)
        case .readlink(let arguments): try arguments.encode(to: &writer)
        case .read(let arguments): try arguments.encode(to: &writer)
        case .write(let arguments): try arguments.encode(to: &writer)
        case .create(let arguments): try arguments.encode(to: &writer)
        case .mkdir(let arguments): try arguments.encode(to: &writer)
        case .symlink(let arguments): try arguments.encode(to: &writer)
        case .mknod(let arguments): try arguments.encode(to: &writer)
        case .remove(let arguments): try arguments.encode(to: &writer)
        case .rmdir(let arguments): try arguments.encode(to: &writer)
        case .rename(let arguments): try arguments.encode(to: &writer)
        case .link(let arguments): try arguments.encode(to: &writer)
        case .readdir(let arguments): try arguments.encode(to: &writer)
        case .readdirplus(let arguments): try arguments.encode(to: &writer)
        case .fsstat(let arguments): try arguments.encode(to: &writer)
        case .fsinfo(let arguments): try arguments.encode(to: &writer)
        case .pathconf(let arguments): try arguments.encode(to: &writer)
        case .commit(let arguments): try arguments.encode(to: &writer)
        }
    }

    /// The size of the encoded arguments.
    @inlinable
    public var xdrEncodedSize: Int {
        switch self {
        case .null: return 0
        case .getattr(let arguments): return arguments.xdrEncodedSize
        case .setattr(let arguments): return arguments.xdrEncodedSize
        case .lookup(let arguments): return arguments.xdrEncodedSize
        case .access(let arguments): return arguments.xdrEncodedSize
        case .readlink(let arguments): return arguments.xdrEncodedSize
        case .read(let arguments): return arguments.xdrEncodedSize
        case .write(let arguments): return arguments.xdrEncodedSize
        case .create(let arguments): return arguments.xdrEncodedSize
        case .mkdir(let arguments): return arguments.xdrEncodedSize
        case .symlink(let arguments): return arguments.xdrEncodedSize
        case .mknod(let arguments): return arguments.xdrEncodedSize
        case .remove(let arguments): return arguments.xdrEncodedSize
        case .rmdir(let arguments): return arguments.xdrEncodedSize
        case .rename(let arguments): return arguments.xdrEncodedSize
        case .link(let arguments): return arguments.xdrEncodedSize
        case .readdir(let arguments): return arguments.xdrEncodedSize
        case .readdirplus(let arguments): return arguments.xdrEncodedSize
        case .fsstat(let arguments): return arguments.xdrEncodedSize
        case .fsinfo(let arguments): return arguments.xdrEncodedSize
        case .pathconf(let arguments): return arguments.xdrEncodedSize
        case .commit(let arguments): return arguments.xdrEncodedSize
        }
    }
}
