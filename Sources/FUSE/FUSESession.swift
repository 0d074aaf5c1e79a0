/// One FUSE connection's protocol state, pure: no device, no VFS, no clock. The transport decodes a request,
/// hands it to `receive`, and does what the action says; a `.call` comes back through the completion methods
/// (`entry`, `opened`, `created`, `listed`, `entryForListing`), which keep the node and file tables.
///
/// States: awaiting INIT (every other request answers EIO, as the kernel sends none before INIT), running at the
/// negotiated minor, destroyed (after DESTROY; everything answers EIO).
public struct FUSESession: Sendable {
    public struct Configuration: Equatable, Sendable {
        public var policy = FUSEInitPolicy()
        public var maxNodes = 1 << 20
        public var maxOpenFiles = 65536
        /// How long the kernel may cache names and attributes; changes made through other protocols are seen
        /// after that long (until the core's invalidations reach FUSE notifications).
        public var entryTimeoutMilliseconds: UInt64 = 1000
        public var attrTimeoutMilliseconds: UInt64 = 1000
        public init() {}
    }

    private enum State: Equatable, Sendable {
        case awaitingInit
        case running(minor: UInt32, flags: FUSEInitFlags, maxWrite: UInt32)
        case destroyed
    }

    public let configuration: Configuration
    private var state: State = .awaitingInit
    public private(set) var nodes: FUSENodeTable
    public private(set) var files: FUSEFileTable
    /// SETLKW requests waiting in the core, by unique, so INTERRUPT can cancel them.
    private var waitingLocks: [UInt64: FUSECall] = [:]

    public init(root: FUSEHandle, configuration: Configuration = Configuration()) {
        self.configuration = configuration
        nodes = FUSENodeTable(root: root, capacity: configuration.maxNodes)
        files = FUSEFileTable(capacity: configuration.maxOpenFiles)
    }

    /// The negotiated minor version, once INIT is done.
    public var minor: UInt32? {
        if case .running(let minor, _, _) = state { return minor }
        return nil
    }

    public var maxWrite: UInt32? {
        if case .running(_, _, let maxWrite) = state { return maxWrite }
        return nil
    }

    public var isDestroyed: Bool { state == .destroyed }

    /// POSIX locks go to the VFS core (FUSE_POSIX_LOCKS negotiated).
    public var locks: Bool {
        if case .running(_, let flags, _) = state { return flags.contains(.posixLocks) }
        return false
    }

    var entryTimeout: FUSETimeout { FUSETimeout(milliseconds: configuration.entryTimeoutMilliseconds) }
    var attrTimeout: FUSETimeout { FUSETimeout(milliseconds: configuration.attrTimeoutMilliseconds) }

    // MARK: Requests

    public mutating func receive(_ header: FUSEInHeader, _ request: FUSERequest) -> FUSESessionAction {
        switch state {
        case .awaitingInit:
            guard case .initialize(let kernel) = request else { return .reply(.error(.io)) }
            switch configuration.policy.negotiate(kernel) {
            case .accept(let out):
                state = .running(minor: out.minor, flags: FUSEInitFlags(rawValue: out.flags), maxWrite: out.maxWrite)
                return .reply(.initialize(out))
            case .retry(let out):
                return .reply(.initialize(out))
            case .refuse(let errno):
                return .reply(.error(errno))
            }
        case .destroyed:
            return .reply(.error(.io))
        case .running:
            return running(header, request)
        }
    }

    private mutating func running(_ header: FUSEInHeader, _ request: FUSERequest) -> FUSESessionAction {
        // Requests without a node of their own.
        switch request {
        case .initialize: return .reply(.error(.proto))
        case .destroy:
            state = .destroyed
            return .end(.empty)
        case .forget(let n):
            nodes.forget(header.nodeid, count: n)
            return .none
        case .batchForget(let forgets):
            for f in forgets { nodes.forget(f.nodeid, count: f.nlookup) }
            return .none
        case .interrupt(let target):
            // Only a lock waiting in the core can be interrupted; any other request finishes on its own, so its
            // interrupt needs no answer (the kernel waits for the request's reply either way).
            guard case .lock(let handle, let owner, let write, let offset, let length, true)? = waitingLocks[target] else {
                return .none
            }
            return .call(.cancelLock(handle, owner: owner, write: write, offset: offset, length: length))
        case .unsupported:
            return .reply(.error(.nosys))
        default: break
        }
        guard let node = nodes.handle(of: header.nodeid) else { return .reply(.error(.stale)) }
        switch request {
        case .lookup(let name): return .call(.lookup(parent: node, name: name))
        case .getattr: return .call(.getattr(node))
        case .setattr(let s):
            var open: UInt64 = 0
            if s.valid & FUSESetattrIn.fh != 0, let file = files[s.fh] { open = file.vfsOpen }
            return .call(.setattr(node, s, open: open))
        case .readlink: return .call(.readlink(node))
        case .symlink(let name, let target): return .call(.symlink(parent: node, name: name, target: target))
        case .mknod(let mode, let rdev, _, let name): return .call(.mknod(parent: node, name: name, mode: mode, rdev: rdev))
        case .mkdir(let mode, _, let name): return .call(.mkdir(parent: node, name: name, mode: mode))
        case .unlink(let name): return .call(.remove(parent: node, name: name, directory: false))
        case .rmdir(let name): return .call(.remove(parent: node, name: name, directory: true))
        case .rename(let r):
            // EXCHANGE and WHITEOUT need module support the VFS ABI does not have yet.
            guard r.flags & ~FUSERenameIn.noReplace == 0 else { return .reply(.error(.inval)) }
            guard let newParent = nodes.handle(of: r.newDirectory) else { return .reply(.error(.stale)) }
            return .call(.rename(parent: node, name: r.name, newParent: newParent, newName: r.newName,
                                 noReplace: r.flags & FUSERenameIn.noReplace != 0))
        case .link(let old, let name):
            guard let object = nodes.handle(of: old) else { return .reply(.error(.stale)) }
            return .call(.link(object, newParent: node, name: name))
        case .open(let o): return .call(.open(node, nodeid: header.nodeid, flags: o.flags))
        case .create(let c): return .call(.create(parent: node, name: c.name, flags: c.flags, mode: c.mode))
        case .read(let r):
            guard let file = files[r.fh], !file.directory else { return .reply(.error(.badf)) }
            return .call(.read(node, open: file.vfsOpen, offset: r.offset, size: r.size))
        case .write(let w):
            guard let file = files[w.fh], !file.directory else { return .reply(.error(.badf)) }
            return .call(.write(node, open: file.vfsOpen, offset: w.offset, data: w.data))
        case .statfs: return .call(.statfs(node))
        case .release(let r):
            guard let file = files.remove(r.fh) else { return .reply(.empty) }
            return file.vfsOpen == 0 ? .reply(.empty) : .call(.close(node, open: file.vfsOpen))
        case .fsync(let fh, _):
            guard let file = files[fh] else { return .reply(.error(.badf)) }
            return .call(.commit(node, open: file.vfsOpen))
        case .flush(_, let owner):
            // Nothing is buffered here (WRITEs went to the VFS as they came); with POSIX locks on, close(2)
            // releases the owner's locks on the file, as a local file system does.
            guard locks else { return .reply(.empty) }
            return .call(.releaseLocks(node, owner: owner))
        case .getlk(let l):
            guard locks, l.flags & 1 == 0 else { return .reply(.error(.nosys)) }
            let range = l.vfsRange
            return .call(.testLock(node, owner: l.owner, write: l.type == FUSELockIn.write, offset: range.offset,
                                   length: range.length))
        case .setlk(let l, let wait):
            guard locks, l.flags & 1 == 0 else { return .reply(.error(.nosys)) }
            let range = l.vfsRange
            switch l.type {
            case FUSELockIn.unlock:
                return .call(.unlock(node, owner: l.owner, offset: range.offset, length: range.length))
            case FUSELockIn.read, FUSELockIn.write:
                let call = FUSECall.lock(node, owner: l.owner, write: l.type == FUSELockIn.write, offset: range.offset,
                                         length: range.length, wait: wait)
                if wait { waitingLocks[header.unique] = call }
                return .call(call)
            default:
                return .reply(.error(.inval))
            }
        case .opendir:
            // Listing needs no VFS open: READDIR carries the cookie and the verifier kept here.
            guard let fh = files.insert(FUSEOpenFile(nodeid: header.nodeid, vfsOpen: 0, directory: true)) else {
                return .reply(.error(.nfile))
            }
            return .reply(.open(FUSEOpenOut(fh: fh)))
        case .readdir(let r), .readdirplus(let r):
            guard let file = files[r.fh], file.directory else { return .reply(.error(.badf)) }
            var plus = false
            if case .readdirplus = request { plus = true }
            let verifier = r.offset == 0 ? 0 : file.verifier
            return .call(.readdir(node, fh: r.fh, cookie: r.offset, verifier: verifier, size: r.size, plus: plus))
        case .releasedir(let r):
            _ = files.remove(r.fh)
            return .reply(.empty)
        case .fsyncdir: return .reply(.empty)
        case .setxattr(let name, let value, let flags): return .call(.setxattr(node, name: name, value: value, flags: flags))
        case .getxattr(let name, let size): return .call(.getxattr(node, name: name, size: size))
        case .listxattr(let size): return .call(.listxattr(node, size: size))
        case .removexattr(let name): return .call(.removexattr(node, name: name))
        case .access(let mask):
            let rwx = mask & 7
            return rwx == 0 ? .reply(.empty) : .call(.access(node, mask: rwx))
        case .fallocate(let fh, let offset, let length, let mode):
            guard let file = files[fh], !file.directory else { return .reply(.error(.badf)) }
            switch mode {
            case 0, 1:
                return .call(.allocate(node, open: file.vfsOpen, offset: offset, length: length, keepSize: mode == 1))
            case 3:
                return .call(.deallocate(node, open: file.vfsOpen, offset: offset, length: length))
            default:
                return .reply(.error(.opnotsupp))
            }
        case .lseek(let fh, let offset, let whence):
            guard let file = files[fh], !file.directory else { return .reply(.error(.badf)) }
            guard whence == 3 || whence == 4 else { return .reply(.error(.inval)) }
            return .call(.seek(node, open: file.vfsOpen, offset: offset, hole: whence == 4))
        case .copyFileRange(let c):
            guard let from = files[c.fhIn], !from.directory, let to = files[c.fhOut], !to.directory else {
                return .reply(.error(.badf))
            }
            guard let target = nodes.handle(of: c.nodeidOut) else { return .reply(.error(.stale)) }
            // The reply's size is 32 bits: copy at most 1 GiB per call (the kernel loops).
            return .call(.copy(node, open: from.vfsOpen, offset: c.offsetIn, to: target, toOpen: to.vfsOpen,
                               toOffset: c.offsetOut, length: min(c.length, 1 << 30)))
        case .initialize, .destroy, .forget, .batchForget, .interrupt, .unsupported:
            return .reply(.error(.nosys))
        }
    }

    // MARK: Completions

    /// The call made for request `unique` completed (whatever its outcome).
    public mutating func completed(unique: UInt64) {
        if !waitingLocks.isEmpty { waitingLocks[unique] = nil }
    }

    /// SETLKWs waiting in the core.
    public var waitingLockCount: Int { waitingLocks.count }

    /// The VFS gave an entry (LOOKUP, MKNOD, MKDIR, SYMLINK, LINK): count a lookup and answer it.
    public mutating func entry(_ handle: FUSEHandle, attr: FUSEAttr) -> FUSEReply {
        guard let out = entryOut(handle, attr: attr) else { return .error(.nfile) }
        return .entry(out)
    }

    /// A READDIRPLUS entry (counts a lookup, as the kernel will); nil when the node table is full (the entry is
    /// then sent with nodeid 0, which the kernel does not count).
    public mutating func entryForListing(_ handle: FUSEHandle, attr: FUSEAttr) -> FUSEEntryOut? {
        entryOut(handle, attr: attr)
    }

    private mutating func entryOut(_ handle: FUSEHandle, attr: FUSEAttr) -> FUSEEntryOut? {
        guard let nodeid = nodes.remember(handle) else { return nil }
        var attr = attr
        attr.ino = attr.ino == 0 ? nodeid : attr.ino
        return FUSEEntryOut(nodeid: nodeid, entryValid: entryTimeout, attrValid: attrTimeout, attr: attr)
    }

    /// GETATTR / SETATTR answered.
    public func attributes(_ attr: FUSEAttr) -> FUSEReply {
        .attr(attr, valid: attrTimeout)
    }

    /// OPEN succeeded in the VFS with `vfsOpen`. An error reply means the engine must close `vfsOpen` again.
    public mutating func opened(nodeid: UInt64, vfsOpen: UInt64) -> FUSEReply {
        guard let fh = files.insert(FUSEOpenFile(nodeid: nodeid, vfsOpen: vfsOpen, directory: false)) else {
            return .error(.nfile)
        }
        return .open(FUSEOpenOut(fh: fh))
    }

    /// CREATE succeeded. An error reply means the engine must close `vfsOpen` again.
    public mutating func created(_ handle: FUSEHandle, attr: FUSEAttr, vfsOpen: UInt64) -> FUSEReply {
        guard let entry = entryOut(handle, attr: attr) else { return .error(.nfile) }
        guard let fh = files.insert(FUSEOpenFile(nodeid: entry.nodeid, vfsOpen: vfsOpen, directory: false)) else {
            nodes.forget(entry.nodeid, count: 1)
            return .error(.nfile)
        }
        return .create(entry, FUSEOpenOut(fh: fh))
    }

    /// GETLK answered: `conflict` is the VFS's conflicting lock (write, offset, length), nil when none.
    public func lockTested(_ conflict: (write: Bool, offset: UInt64, length: UInt64)?) -> FUSEReply {
        guard let conflict else { return .lock(FUSELockOut(start: 0, end: 0, type: FUSELockIn.unlock)) }
        let end = conflict.length == UInt64.max ? FUSELockIn.toEnd : conflict.offset &+ conflict.length &- 1
        return .lock(FUSELockOut(start: conflict.offset, end: end, type: conflict.write ? FUSELockIn.write : FUSELockIn.read))
    }

    /// A READDIR page was listed: keep the listing's verifier for the next page.
    public mutating func listed(fh: UInt64, verifier: UInt64) {
        guard var file = files[fh] else { return }
        file.verifier = verifier
        files[fh] = file
    }
}
