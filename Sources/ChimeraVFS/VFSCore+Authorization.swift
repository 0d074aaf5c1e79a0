import CChimera
import ChimeraPluginKit

/// A check waiting for attributes the caches did not have.
final class AuthorizationTask {
    let request: UnsafeMutablePointer<chimera_vfs_request>
    let mount: Mount
    var facts: AuthorizationFacts

    init(request: UnsafeMutablePointer<chimera_vfs_request>, mount: Mount, facts: AuthorizationFacts) {
        self.request = request
        self.mount = mount
        self.facts = facts
    }
}

extension VFSCore {
    /// Check the caller's permissions before a module or a cache answers
    /// (chimera_vfs.h, "Permissions"). True: route on now. False: the core
    /// answered (a denial, ACCESS) or waits for attributes and routes the
    /// request again itself.
    func authorize(_ request: UnsafeMutablePointer<chimera_vfs_request>, _ mount: Mount) -> Bool {
        if request.flags.contains(.authorized) { return true }
        if mount.module.capabilities & CHIMERA_VFS_CAP_ENFORCES_PERMISSIONS != 0 {
            request.flags.insert(.authorized)
            return true
        }
        var facts = AuthorizationFacts()
        return evaluate(request, mount, &facts)
    }

    /// Run the rules, taking what they need from the caches; on a miss,
    /// fetch it and come back.
    private func evaluate(
        _ request: UnsafeMutablePointer<chimera_vfs_request>, _ mount: Mount, _ facts: inout AuthorizationFacts
    ) -> Bool {
        let caller = Caller(request.pointee.cred)
        let isAccess = request.pointee.op == UInt32(CHIMERA_VFS_OP_ACCESS)
        // Each round adds one fact; there are four.
        for _ in 0..<6 {
            var verdict = Authorization.decide(request, caller: caller, facts: facts)
            if isAccess && facts.object == nil { verdict = .needObject }
            switch verdict {
            case .allow:
                if isAccess, let object = facts.object {
                    request.pointee.access.r_granted = caller.granted(request.pointee.access.requested, on: object)
                    request.pointee.r_attrs = object
                    complete(request, .ok)
                    return false
                }
                if let status = amend(request, caller, facts) {
                    complete(request, status)
                    return false
                }
                request.flags.insert(.authorized)
                return true
            case .deny(let status):
                complete(request, status)
                return false
            case .needObject:
                if let attrs = cachedAttributes(request.handleBytes) {
                    facts.object = attrs
                } else {
                    fetchAttributes(request.handleBytes, AuthorizationTask(request: request, mount: mount, facts: facts)) {
                        $0.object = $1
                    }
                    return false
                }
            case .needSecond:
                let second = secondHandle(request)
                if let attrs = cachedAttributes(second) {
                    facts.second = attrs
                } else {
                    fetchAttributes(second, AuthorizationTask(request: request, mount: mount, facts: facts)) {
                        $0.second = $1
                    }
                    return false
                }
            case .needChild:
                let name = VFSRequest(request).name
                if let child = cachedChild(directory: request.handleBytes, name: name) {
                    facts.child = child
                } else {
                    fetchChild(
                        directory: request.handleBytes, name: name,
                        AuthorizationTask(request: request, mount: mount, facts: facts)
                    ) { $0.child = $1 }
                    return false
                }
            case .needSecondChild:
                let directory = secondHandle(request)
                let name = VFSRequest.bytes(request.pointee.rename.new_name, request.pointee.rename.new_name_len)
                if let child = cachedChild(directory: directory, name: name) {
                    facts.secondChild = child
                } else {
                    fetchChild(
                        directory: directory, name: name,
                        AuthorizationTask(request: request, mount: mount, facts: facts)
                    ) { $0.secondChild = $1 }
                    return false
                }
            }
        }
        complete(request, .io)
        return false
    }

    /// Back from a fetch: decide again, and route when allowed.
    private func resume(_ task: AuthorizationTask) {
        if evaluate(task.request, task.mount, &task.facts) {
            routeToMount(task.request, task.mount)
        }
    }

    /// Rename's and link's destination directory, copy's destination.
    private func secondHandle(_ request: UnsafeMutablePointer<chimera_vfs_request>) -> UnsafeRawBufferPointer {
        OpTraits.of(request.pointee.op).second.bytes(request)
    }

    static let ownershipMask = CHIMERA_ATTR_MODE | CHIMERA_ATTR_UID | CHIMERA_ATTR_GID

    private func cachedAttributes(_ handle: UnsafeRawBufferPointer) -> chimera_attrs? {
        if handle.count == MountID.length && MountID(prefixOf: handle) == .root { return rootAttributes }
        guard handle.count > MountID.length, handle.count <= Int(CHIMERA_FH_MAX) else { return nil }
        return attributes.lookup(
            handle: handle, hash: keyHash(handle), mask: Self.ownershipMask, now: monotonicNanoseconds())
    }

    private func cachedChild(directory: UnsafeRawBufferPointer, name: UnsafeRawBufferPointer)
        -> AuthorizationFacts.Child?
    {
        guard directory.count > MountID.length, directory.count <= Int(CHIMERA_FH_MAX) else { return nil }
        let now = monotonicNanoseconds()
        let found: AuthorizationFacts.Child?? = names.lookup(
            directory: directory, name: name, hash: keyHash(directory, name), now: now
        ) { answer in
            switch answer {
            case .absent:
                return .absent
            case .child(let child):
                return attributes.lookup(handle: child, hash: keyHash(child), mask: Self.ownershipMask, now: now)
                    .map { .present($0) }
            }
        }
        return found ?? nil
    }

    /// GETATTR on the caller's behalf (handles the front-end keeps valid
    /// until the request completes).
    private func fetchAttributes(
        _ handle: UnsafeRawBufferPointer, _ task: AuthorizationTask,
        store: @escaping (inout AuthorizationFacts, chimera_attrs) -> Void
    ) {
        let step = makeInternalRequest(thread: task.request.pointee.thread_index) { [unowned self] step in
            let status = VFSStatus(rawValue: step.pointee.status)
            guard status == .ok else {
                complete(task.request, status)
                return
            }
            store(&task.facts, step.pointee.r_attrs)
            resume(task)
        }
        step.pointee.op = UInt32(CHIMERA_VFS_OP_GETATTR)
        step.pointee.cred = task.request.pointee.cred
        step.pointee.fh = handle.baseAddress?.assumingMemoryBound(to: UInt8.self)
        step.pointee.fh_len = UInt32(handle.count)
        step.pointee.r_attrs.req_mask = VFSAttributeMask.stat.rawValue
        submitAuthorized(step)
    }

    /// LOOKUP of the entry an op names, on the caller's behalf.
    private func fetchChild(
        directory: UnsafeRawBufferPointer, name: UnsafeRawBufferPointer, _ task: AuthorizationTask,
        store: @escaping (inout AuthorizationFacts, AuthorizationFacts.Child) -> Void
    ) {
        let step = makeInternalRequest(thread: task.request.pointee.thread_index) { [unowned self] step in
            switch VFSStatus(rawValue: step.pointee.status) {
            case .ok:
                store(&task.facts, .present(step.pointee.r_attrs))
            case .noEntry:
                store(&task.facts, .absent)
            case let status:
                complete(task.request, status)
                return
            }
            resume(task)
        }
        step.pointee.op = UInt32(CHIMERA_VFS_OP_LOOKUP)
        step.pointee.cred = task.request.pointee.cred
        step.pointee.flags = task.request.pointee.flags
        step.pointee.fh = directory.baseAddress?.assumingMemoryBound(to: UInt8.self)
        step.pointee.fh_len = UInt32(directory.count)
        step.pointee.lookup.name = name.baseAddress?.assumingMemoryBound(to: CChar.self)
        step.pointee.lookup.name_len = UInt32(name.count)
        step.pointee.r_attrs.req_mask = VFSAttributeMask.stat.rawValue
        submitAuthorized(step)
    }

    // MARK: What a local file system does besides refusing

    /// Adjust an allowed request as Linux would: set-group-ID inheritance,
    /// S_ISGID dropped by a chmod from outside the group, set-ID bits
    /// cleared by a change of owner, a creating OPEN_AT made exclusive when
    /// the check saw no such name. Returns a denial the initial attributes
    /// of a create deserve, or nil.
    private func amend(
        _ request: UnsafeMutablePointer<chimera_vfs_request>, _ caller: Caller, _ facts: AuthorizationFacts
    ) -> VFSStatus? {
        switch Int32(request.pointee.op) {
        case CHIMERA_VFS_OP_OPEN_AT:
            let flags = request.pointee.open_at.flags
            guard flags & CHIMERA_VFS_OPEN_CREATE != 0 else { return nil }
            if let status = inherit(&request.pointee.open_at.attrs, from: facts.object, caller, directory: false) {
                return status
            }
            if case .absent = facts.child, !caller.isRoot,
                flags & (CHIMERA_VFS_OPEN_EXCLUSIVE | CHIMERA_VFS_OPEN_VERIFIER) == 0
            {
                // The name was absent when checked: create it only if it
                // still is, or check again (an existing file is opened by
                // its own permissions, which nobody checked yet).
                request.pointee.open_at.flags = flags | CHIMERA_VFS_OPEN_EXCLUSIVE
                request.flags.insert(.exclusiveAdded)
            }
        case CHIMERA_VFS_OP_MKDIR:
            return inherit(&request.pointee.mkdir.attrs, from: facts.object, caller, directory: true)
        case CHIMERA_VFS_OP_MKNOD:
            return inherit(&request.pointee.mknod.attrs, from: facts.object, caller, directory: false)
        case CHIMERA_VFS_OP_SYMLINK:
            return inherit(&request.pointee.symlink.attrs, from: facts.object, caller, directory: false)
        case CHIMERA_VFS_OP_CREATE_UNLINKED:
            return inherit(&request.pointee.create_unlinked.attrs, from: facts.object, caller, directory: false)
        case CHIMERA_VFS_OP_SETATTR:
            guard let object = facts.object else { return nil }
            var attrs = request.pointee.setattr.attrs
            let valid = attrs.valid_mask
            if valid & CHIMERA_ATTR_MODE != 0 && !caller.isRoot {
                let group = valid & CHIMERA_ATTR_GID != 0 ? attrs.gid : object.gid
                if !caller.isMember(of: group) { attrs.mode &= ~FileMode.setGID }
            }
            if valid & (CHIMERA_ATTR_UID | CHIMERA_ATTR_GID) != 0 && valid & CHIMERA_ATTR_MODE == 0 {
                let privileges = FileMode.privileges(object.mode)
                if privileges != 0 {
                    attrs.mode = object.mode & 0o7777 & ~privileges
                    attrs.valid_mask |= CHIMERA_ATTR_MODE
                }
            }
            request.pointee.setattr.attrs = attrs
        case CHIMERA_VFS_OP_WRITE:
            // Set-ID bits a write takes away are seen in the result's mode.
            if !caller.isRoot { request.pointee.r_attrs.req_mask |= CHIMERA_ATTR_MODE }
        default:
            break
        }
        return nil
    }

    /// Initial attributes of a new entry: only uid 0 gives it to someone
    /// else or to a group it is not in; a set-group-ID directory gives its
    /// group (and, to subdirectories, the bit).
    private func inherit(
        _ attrs: inout chimera_attrs, from directory: chimera_attrs?, _ caller: Caller, directory isDirectory: Bool
    ) -> VFSStatus? {
        if !caller.isRoot {
            if attrs.valid_mask & CHIMERA_ATTR_UID != 0 && attrs.uid != caller.uid { return .permission }
            if attrs.valid_mask & CHIMERA_ATTR_GID != 0 && !caller.isMember(of: attrs.gid)
                && attrs.gid != directory?.gid
            {
                return .permission
            }
        }
        if let directory, directory.mode & FileMode.setGID != 0 {
            if attrs.valid_mask & CHIMERA_ATTR_GID == 0 {
                attrs.gid = directory.gid
                attrs.valid_mask |= CHIMERA_ATTR_GID
            }
            if isDirectory {
                attrs.mode = (attrs.valid_mask & CHIMERA_ATTR_MODE != 0 ? attrs.mode : 0o755) | FileMode.setGID
                attrs.valid_mask |= CHIMERA_ATTR_MODE
            }
        }
        if !isDirectory && !caller.isRoot && attrs.valid_mask & CHIMERA_ATTR_MODE != 0
            && attrs.mode & FileMode.setGID != 0
        {
            let group = attrs.valid_mask & CHIMERA_ATTR_GID != 0 ? attrs.gid : caller.gid
            if !caller.isMember(of: group) { attrs.mode &= ~FileMode.setGID }
        }
        return nil
    }

    /// A creating OPEN_AT the core made exclusive met a name another
    /// creator made meanwhile: check again against the file now there.
    /// False when it already tried once (the caller answers DELAY).
    func retryRacedCreate(_ request: UnsafeMutablePointer<chimera_vfs_request>) -> Bool {
        request.pointee.open_at.flags &= ~CHIMERA_VFS_OPEN_EXCLUSIVE
        let retried = request.flags.contains(.authorizationRetried)
        request.flags.subtract([.exclusiveAdded, .authorized])
        let index = Int(request.scratch[Scratch.mount]) - 1
        guard !retried, index >= 0 else { return false }
        request.flags.insert(.authorizationRetried)
        request.pointee.status = CHIMERA_OK
        clearResults(request)
        routeToMount(request, mounts[index])
        return true
    }

    /// After a WRITE by anyone but uid 0: take S_ISUID (and group-executable
    /// S_ISGID) from the file, as Linux does, then answer. True when it took
    /// over the request.
    func clearPrivilegesAfterWrite(_ request: UnsafeMutablePointer<chimera_vfs_request>) -> Bool {
        let attrs = request.pointee.r_attrs
        guard attrs.valid_mask & CHIMERA_ATTR_MODE != 0 else { return false }
        let privileges = FileMode.privileges(attrs.mode)
        guard privileges != 0, !Caller(request.pointee.cred).isRoot else { return false }
        let step = makeInternalRequest(thread: request.pointee.thread_index) { [unowned self] step in
            if step.pointee.status == CHIMERA_OK {
                request.pointee.r_attrs = step.pointee.r_attrs
            } else {
                request.pointee.r_attrs.mode &= ~privileges
            }
            complete(request, .ok)
        }
        step.pointee.op = UInt32(CHIMERA_VFS_OP_SETATTR)
        step.pointee.cred = request.pointee.cred
        step.pointee.fh = request.pointee.fh
        step.pointee.fh_len = request.pointee.fh_len
        step.pointee.setattr.attrs.valid_mask = CHIMERA_ATTR_MODE
        step.pointee.setattr.attrs.mode = attrs.mode & 0o7777 & ~privileges
        step.pointee.r_attrs.req_mask = request.pointee.r_attrs.req_mask | VFSAttributeMask.stat.rawValue
        submitAuthorized(step)
        return true
    }
}
