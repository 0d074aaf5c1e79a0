import CChimera
import Glibc
import ChimeraPluginKit

/// What the core knows about the objects a request touches while it
/// decides whether the caller may make it.
struct AuthorizationFacts {
    enum Child {
        case unknown
        case absent
        case present(chimera_attrs)
    }

    /// The object named by `req->fh` (the directory, for ops on names).
    var object: chimera_attrs?
    /// The op's second handle: rename's and link's destination directory,
    /// copy's destination file.
    var second: chimera_attrs?
    /// The entry the op names in the object directory.
    var child = Child.unknown
    /// Rename's entry in the destination directory (the one it replaces).
    var secondChild = Child.unknown
}

/// The permission rules of a local Linux file system, as a pure function
/// of a request, its caller and the facts gathered so far (chimera_vfs.h,
/// "Permissions").
enum Authorization {
    enum Verdict: Equatable {
        case allow
        case deny(VFSStatus)
        case needObject
        case needSecond
        case needChild
        case needSecondChild
    }

    static let read = CHIMERA_VFS_ACCESS_READ
    static let write = CHIMERA_VFS_ACCESS_WRITE
    static let execute = CHIMERA_VFS_ACCESS_EXECUTE

    static func decide(
        _ request: UnsafeMutablePointer<chimera_vfs_request>, caller: Caller, facts: AuthorizationFacts
    ) -> Verdict {
        let op = Int32(request.pointee.op)
        // Creating ops need the directory even for uid 0: a set-group-ID
        // directory hands its group on to whoever creates in it.
        switch op {
        case CHIMERA_VFS_OP_MKDIR, CHIMERA_VFS_OP_MKNOD, CHIMERA_VFS_OP_SYMLINK, CHIMERA_VFS_OP_CREATE_UNLINKED:
            guard let directory = facts.object else { return .needObject }
            if caller.isRoot { return .allow }
            if op == CHIMERA_VFS_OP_MKNOD {
                let type = FileMode.type(request.pointee.mknod.attrs.mode)
                if type == UInt32(CHIMERA_S_IFCHR) || type == UInt32(CHIMERA_S_IFBLK) { return .deny(.permission) }
            }
            return require(write | execute, on: directory, caller)
        case CHIMERA_VFS_OP_OPEN_AT:
            return openAt(request, caller, facts)
        case CHIMERA_VFS_OP_SETATTR:
            return setattr(request, caller, facts)
        default:
            break
        }
        if caller.isRoot { return .allow }
        switch op {
        case CHIMERA_VFS_OP_LOOKUP, CHIMERA_VFS_OP_LOOKUP_PARENT:
            guard let directory = facts.object else { return .needObject }
            return require(execute, on: directory, caller)
        case CHIMERA_VFS_OP_READDIR:
            guard let directory = facts.object else { return .needObject }
            return require(read, on: directory, caller)
        case CHIMERA_VFS_OP_OPEN:
            let flags = request.pointee.open.flags
            let wanted = access(for: flags)
            guard wanted != 0 else { return .allow }
            guard let object = facts.object else { return .needObject }
            return require(wanted, on: object, caller)
        case CHIMERA_VFS_OP_READ, CHIMERA_VFS_OP_SEEK:
            // With an open handle the open was checked. Without one
            // (stateless NFSv3), knfsd's rules: the owner may, and a file
            // one may execute may be read (a client pages executables in).
            guard request.pointee.open_handle == 0 else { return .allow }
            guard let object = facts.object else { return .needObject }
            if caller.owns(object) { return .allow }
            if op == CHIMERA_VFS_OP_READ && caller.may(execute, on: object) { return .allow }
            return require(read, on: object, caller)
        case CHIMERA_VFS_OP_WRITE, CHIMERA_VFS_OP_COMMIT, CHIMERA_VFS_OP_ALLOCATE, CHIMERA_VFS_OP_DEALLOCATE:
            guard request.pointee.open_handle == 0 else { return .allow }
            guard let object = facts.object else { return .needObject }
            return caller.owns(object) ? .allow : require(write, on: object, caller)
        case CHIMERA_VFS_OP_COPY_RANGE, CHIMERA_VFS_OP_CLONE_RANGE:
            if request.pointee.open_handle == 0 {
                guard let source = facts.object else { return .needObject }
                if !caller.owns(source) && !caller.may(read, on: source) { return .deny(.access) }
            }
            if request.pointee.copy.dst_open_handle == 0 {
                guard let destination = facts.second else { return .needSecond }
                if !caller.owns(destination) && !caller.may(write, on: destination) { return .deny(.access) }
            }
            return .allow
        case CHIMERA_VFS_OP_GETXATTR:
            guard let object = facts.object else { return .needObject }
            return require(read, on: object, caller)
        case CHIMERA_VFS_OP_SETXATTR, CHIMERA_VFS_OP_REMOVEXATTR:
            guard let object = facts.object else { return .needObject }
            return require(write, on: object, caller)
        case CHIMERA_VFS_OP_LINK_AT:
            guard let directory = facts.second else { return .needSecond }
            return require(write | execute, on: directory, caller)
        case CHIMERA_VFS_OP_REMOVE:
            return remove(caller, facts)
        case CHIMERA_VFS_OP_RENAME:
            return rename(request, caller, facts)
        case CHIMERA_VFS_OP_LINK:
            return link(caller, facts)
        case CHIMERA_VFS_OP_STATE_OPEN:
            // A share reservation needs the access it reserves: no denying
            // others a file one may not open.
            guard let object = facts.object else { return .needObject }
            var wanted: UInt32 = 0
            if request.pointee.state_open.access & CHIMERA_VFS_SHARE_READ != 0 { wanted |= read }
            if request.pointee.state_open.access & CHIMERA_VFS_SHARE_WRITE != 0 { wanted |= write }
            return require(wanted, on: object, caller)
        default:
            // GETATTR, READLINK, FSSTAT, CLOSE, LISTXATTR, the KV store,
            // locks, ACCESS: no mode bits guard them.
            return .allow
        }
    }

    /// r/w bits an open with these CHIMERA_VFS_OPEN_* flags needs.
    static func access(for flags: UInt32) -> UInt32 {
        var wanted: UInt32 = 0
        if flags & CHIMERA_VFS_OPEN_READ != 0 { wanted |= read }
        if flags & (CHIMERA_VFS_OPEN_WRITE | CHIMERA_VFS_OPEN_TRUNCATE | CHIMERA_VFS_OPEN_APPEND) != 0 {
            wanted |= write
        }
        return wanted
    }

    static func require(_ wanted: UInt32, on attrs: chimera_attrs, _ caller: Caller) -> Verdict {
        caller.may(wanted, on: attrs) ? .allow : .deny(.access)
    }

    /// Search on the directory; an existing file is opened by its own
    /// bits, a missing one is created with write + search on the directory.
    static func openAt(
        _ request: UnsafeMutablePointer<chimera_vfs_request>, _ caller: Caller, _ facts: AuthorizationFacts
    ) -> Verdict {
        let flags = request.pointee.open_at.flags
        let creates = flags & CHIMERA_VFS_OPEN_CREATE != 0
        guard let directory = facts.object else { return .needObject }
        if caller.isRoot { return .allow }
        if case .deny(let status) = require(execute, on: directory, caller) { return .deny(status) }
        switch facts.child {
        case .unknown:
            return .needChild
        case .absent:
            return creates ? require(write | execute, on: directory, caller) : .allow
        case .present(let child):
            // An exclusive create of an existing name gets EXIST (or, with
            // the same verifier, the earlier create's answer) from the module.
            if creates && flags & CHIMERA_VFS_OPEN_EXCLUSIVE != 0 { return .allow }
            if creates && flags & CHIMERA_VFS_OPEN_VERIFIER != 0 { return .allow }
            let wanted = access(for: flags & ~CHIMERA_VFS_OPEN_NONE)
            return wanted == 0 ? .allow : require(wanted, on: child, caller)
        }
    }

    /// Write + search on the directory; in a sticky directory only the
    /// directory's or the entry's owner removes it.
    static func remove(_ caller: Caller, _ facts: AuthorizationFacts) -> Verdict {
        guard let directory = facts.object else { return .needObject }
        if case .deny(let status) = require(write | execute, on: directory, caller) { return .deny(status) }
        return stickyCheck(directory: directory, child: facts.child, caller, need: .needChild)
    }

    static func stickyCheck(
        directory: chimera_attrs, child: AuthorizationFacts.Child, _ caller: Caller, need: Verdict
    ) -> Verdict {
        guard directory.mode & FileMode.sticky != 0, !caller.owns(directory) else { return .allow }
        switch child {
        case .unknown: return need
        case .absent: return .allow
        case .present(let attrs): return caller.owns(attrs) ? .allow : .deny(.permission)
        }
    }

    /// Write + search on both directories, the sticky rule on both names,
    /// and write on a directory that moves to another parent (its ".."
    /// changes).
    static func rename(
        _ request: UnsafeMutablePointer<chimera_vfs_request>, _ caller: Caller, _ facts: AuthorizationFacts
    ) -> Verdict {
        guard let source = facts.object else { return .needObject }
        guard let destination = facts.second else { return .needSecond }
        if case .deny(let status) = require(write | execute, on: source, caller) { return .deny(status) }
        if case .deny(let status) = require(write | execute, on: destination, caller) { return .deny(status) }
        let moved: chimera_attrs
        switch facts.child {
        case .unknown: return .needChild
        case .absent: return .allow  // the module answers NOENT
        case .present(let attrs): moved = attrs
        }
        let verdict = stickyCheck(directory: source, child: facts.child, caller, need: .needChild)
        guard verdict == .allow else { return verdict }
        let sameParent =
            request.pointee.fh_len == request.pointee.rename.new_dir_fh_len
            && memcmp(request.pointee.fh, request.pointee.rename.new_dir_fh, Int(request.pointee.fh_len)) == 0
        if FileMode.isDirectory(moved.mode) && !sameParent && !caller.may(write, on: moved) { return .deny(.access) }
        return stickyCheck(directory: destination, child: facts.secondChild, caller, need: .needSecondChild)
    }

    /// Write + search on the destination; with fs.protected_hardlinks (on
    /// in Debian), only the owner links a file, or anyone who may read and
    /// write a regular file that is not set-ID.
    static func link(_ caller: Caller, _ facts: AuthorizationFacts) -> Verdict {
        guard let file = facts.object else { return .needObject }
        guard let directory = facts.second else { return .needSecond }
        if case .deny(let status) = require(write | execute, on: directory, caller) { return .deny(status) }
        if caller.owns(file) { return .allow }
        let safe = FileMode.isRegular(file.mode) && FileMode.privileges(file.mode) == 0 && file.mode & FileMode.setUID == 0
        return safe && caller.may(read | write, on: file) ? .allow : .deny(.permission)
    }

    /// Ownership rules for mode, owner, group and times; write (or, without
    /// an open handle, ownership) for the size.
    static func setattr(
        _ request: UnsafeMutablePointer<chimera_vfs_request>, _ caller: Caller, _ facts: AuthorizationFacts
    ) -> Verdict {
        let new = request.pointee.setattr.attrs
        let valid = new.valid_mask
        let owners = CHIMERA_ATTR_UID | CHIMERA_ATTR_GID
        if caller.isRoot {
            // uid 0 may do anything, but a change of owner still clears
            // set-ID bits, which needs the current mode.
            return valid & owners != 0 && facts.object == nil ? .needObject : .allow
        }
        guard let object = facts.object else { return .needObject }
        let owner = caller.owns(object)
        if valid & CHIMERA_ATTR_MODE != 0 && !owner { return .deny(.permission) }
        if valid & CHIMERA_ATTR_UID != 0 && (new.uid != object.uid || !owner) { return .deny(.permission) }
        if valid & CHIMERA_ATTR_GID != 0 && (!owner || (new.gid != object.gid && !caller.isMember(of: new.gid))) {
            return .deny(.permission)
        }
        let explicitTimes =
            (valid & CHIMERA_ATTR_ATIME != 0 && valid & CHIMERA_ATTR_ATIME_NOW == 0)
            || (valid & CHIMERA_ATTR_MTIME != 0 && valid & CHIMERA_ATTR_MTIME_NOW == 0)
            || valid & CHIMERA_ATTR_BTIME != 0
        if explicitTimes && !owner { return .deny(.permission) }
        let touches = valid & (CHIMERA_ATTR_ATIME_NOW | CHIMERA_ATTR_MTIME_NOW | CHIMERA_ATTR_DOS) != 0
        if touches && !owner && !caller.may(write, on: object) { return .deny(.access) }
        if valid & CHIMERA_ATTR_SIZE != 0 && request.pointee.open_handle == 0 && !owner
            && !caller.may(write, on: object)
        {
            return .deny(.access)
        }
        return .allow
    }
}
