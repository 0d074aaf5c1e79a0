import CChimera
import ChimeraPluginKit

/// The C completion the core installs on every request it routes to a
/// module. Called on any thread; hops to the loop that asked.
let coreModuleCompletion: chimera_vfs_complete_fn = { request in
    guard let request else { return }
    let core = Unmanaged<VFSCore>.fromOpaque(UnsafeRawPointer(bitPattern: UInt(request.scratch[Scratch.core]))!)
        .takeUnretainedValue()
    core.moduleCompleted(request)
}

extension VFSCore {
    /// Take a request from a front-end (on its loop `thread_index`).
    public func submit(_ request: UnsafeMutablePointer<chimera_vfs_request>) {
        let s = request.scratch
        s[Scratch.frontComplete] = UInt64(UInt(bitPattern: unsafeBitCast(request.pointee.complete, to: Int.self)))
        s[Scratch.frontCallerData] = UInt64(UInt(bitPattern: request.pointee.caller_data))
        s[Scratch.core] = selfBits
        // Only the core sets .authorized, on requests it issues itself.
        s[Scratch.flags] &= RequestFlags.authorized.rawValue
        s[Scratch.mount] = 0
        s[Scratch.originalOp] = 0
        s[Scratch.started] = monotonicNanoseconds()
        request.pointee.status = CHIMERA_OK
        if request.trailer.pointee.legacyCredential, let cred = request.pointee.cred {
            request.pointee.cred = upgradeLegacyCredential(cred, request)
        }
        clearResults(request)
        inFlight[Int(request.pointee.thread_index)].insert(request)
        metrics.count(op: request.pointee.op)
        route(request)
    }

    /// Copy a 1.0-shaped credential into the request's trailer as a full one.
    func upgradeLegacyCredential(
        _ cred: UnsafePointer<chimera_cred>, _ request: UnsafeMutablePointer<chimera_vfs_request>
    ) -> UnsafePointer<chimera_cred> {
        let full = UnsafeMutableRawPointer(request.trailer) + MemoryLayout<RequestTrailer>.offset(of: \.credential)!
        let copy = full.assumingMemoryBound(to: chimera_cred.self)
        copy.initialize(to: chimera_cred())
        let legacySize = MemoryLayout<chimera_cred>.offset(of: \.struct_size)!
        UnsafeMutableRawPointer(copy).copyMemory(from: UnsafeRawPointer(cred), byteCount: legacySize)
        copy.pointee.struct_size = UInt32(MemoryLayout<chimera_cred>.size)
        copy.pointee.ngroups = min(copy.pointee.ngroups, UInt32(CHIMERA_GROUPS_MAX))
        return UnsafePointer(copy)
    }

    /// Submit a request the core issues on behalf of a caller it already
    /// authorized (a fallback's steps, a stateless I/O's open).
    func submitAuthorized(_ request: UnsafeMutablePointer<chimera_vfs_request>) {
        request.flags.insert(.authorized)
        submit(request)
    }

    @inline(__always)
    func clearResults(_ request: UnsafeMutablePointer<chimera_vfs_request>) {
        request.pointee.r_fh_len = 0
        request.pointee.r_attrs.valid_mask = 0
        request.pointee.r_pre_attrs.valid_mask = 0
        request.pointee.r_dir_pre_attrs.valid_mask = 0
        request.pointee.r_dir_post_attrs.valid_mask = 0
    }

    func route(_ request: UnsafeMutablePointer<chimera_vfs_request>) {
        let op = request.pointee.op
        if op == UInt32(CHIMERA_VFS_OP_LOOKUP_PATH) {
            PathWalker.start(request, core: self)
            return
        }
        let handle = request.handleBytes
        guard handle.count >= MountID.length, handle.count <= Int(CHIMERA_FH_MAX) else {
            complete(request, .badHandle)
            return
        }
        let id = MountID(prefixOf: handle)
        if id == .root {
            guard handle.count == MountID.length else {
                complete(request, .badHandle)
                return
            }
            SyntheticRoot.handle(request, core: self)
            return
        }
        guard let mount = mountsByID[id] else {
            complete(request, .stale)
            return
        }
        request.scratch[Scratch.mount] = UInt64(mount.index + 1)
        if handle.count == MountID.length {
            complete(request, .badHandle)
            return
        }
        routeToMount(request, mount)
    }

    /// Everything the core decides before a module sees the request.
    func routeToMount(_ request: UnsafeMutablePointer<chimera_vfs_request>, _ mount: Mount) {
        if request.pointee.flags & CHIMERA_VFS_REQ_SHOW_HIDDEN == 0, let status = HiddenNames.refusal(request) {
            complete(request, status)
            return
        }
        guard authorize(request, mount) else { return }
        guard admitState(request, mount) else { return }
        routeAdmitted(request, mount)
    }

    /// What the core decides once the caller may make the request and the
    /// open state lets it run: answers from caches, then the module.
    func routeAdmitted(_ request: UnsafeMutablePointer<chimera_vfs_request>, _ mount: Mount) {
        let op = request.pointee.op
        switch Int32(op) {
        case CHIMERA_VFS_OP_GETATTR:
            if answerGetattrFromCache(request) { return }
        case CHIMERA_VFS_OP_LOOKUP:
            let name = VFSRequest.bytes(request.pointee.lookup.name, request.pointee.lookup.name_len)
            if name.count == 1 && name[0] == UInt8(ascii: ".") {
                // "." is the directory itself.
                rewrite(request, to: CHIMERA_VFS_OP_GETATTR)
                if answerGetattrFromCache(request) { return }
            } else if name.count == 2 && name[0] == UInt8(ascii: ".") && name[1] == UInt8(ascii: ".") {
                rewrite(request, to: CHIMERA_VFS_OP_LOOKUP_PARENT)
                if mount.isRoot(stripped(request.handleBytes)) {
                    answerNamespaceRoot(request)
                    return
                }
            } else {
                if let status = Self.validate(name: name) {
                    complete(request, status)
                    return
                }
                if answerLookupFromCache(request, mount) { return }
            }
        case CHIMERA_VFS_OP_READDIR:
            if mount.module.cachePolicy.snapshotDirectories && !isSnapshotFill(request)
                && answerReaddirFromSnapshot(request, mount)
            {
                return
            }
        case CHIMERA_VFS_OP_LOOKUP_PARENT:
            if mount.isRoot(stripped(request.handleBytes)) {
                answerNamespaceRoot(request)
                return
            }
        case CHIMERA_VFS_OP_READ, CHIMERA_VFS_OP_WRITE, CHIMERA_VFS_OP_COMMIT:
            if request.pointee.open_handle == 0 && mount.module.capabilities & CHIMERA_VFS_CAP_STATELESS_IO == 0 {
                borrowOpenFile(request, mount)
                return
            }
        case _ where OpTraits.of(op).namesEntry:
            if let status = Self.validate(name: VFSRequest(request).name) {
                complete(request, status)
                return
            }
            if op == UInt32(CHIMERA_VFS_OP_RENAME),
                let status = Self.validate(
                    name: VFSRequest.bytes(request.pointee.rename.new_name, request.pointee.rename.new_name_len))
            {
                complete(request, status)
                return
            }
        default:
            break
        }
        if replacesCachedOpen(request, mount) {
            lookUpReplacedTarget(request, mount)
            return
        }
        dispatchToModule(request, mount)
    }

    /// Names a module may be asked about: 1 to 255 bytes, no "/" or NUL, not
    /// "." or ".." (the core resolves those).
    static func validate(name: UnsafeRawBufferPointer) -> VFSStatus? {
        if name.isEmpty { return .invalid }
        if name.count > Int(CHIMERA_NAME_MAX) { return .nameTooLong }
        if name.count <= 2 && name.allSatisfy({ $0 == UInt8(ascii: ".") }) { return .invalid }
        if name.contains(0) || name.contains(UInt8(ascii: "/")) { return .invalid }
        return nil
    }

    /// The module part of a wire handle.
    @inline(__always)
    func stripped(_ handle: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: handle[MountID.length...])
    }

    /// Change the op the module sees; the front-end gets its own op back.
    func rewrite(_ request: UnsafeMutablePointer<chimera_vfs_request>, to op: Int32) {
        if request.scratch[Scratch.originalOp] == 0 {
            request.scratch[Scratch.originalOp] = UInt64(request.pointee.op)
        }
        request.pointee.op = UInt32(op)
    }

    /// Answer with the namespace root (".." of a mount root).
    func answerNamespaceRoot(_ request: UnsafeMutablePointer<chimera_vfs_request>) {
        request.resultHandlePointer.initializeMemory(as: UInt8.self, repeating: 0, count: MountID.length)
        request.pointee.r_fh_len = UInt32(MountID.length)
        request.pointee.r_attrs = rootAttributes
        complete(request, .ok)
    }

    // MARK: Dispatch

    /// Translate handles, record cache versions and run the module.
    func dispatchToModule(_ request: UnsafeMutablePointer<chimera_vfs_request>, _ mount: Mount) {
        recordVersions(request, mount)
        guard translateSecondHandle(request, mount) else { return }
        request.pointee.fh = request.pointee.fh.map { $0 + MountID.length }
        request.pointee.fh_len -= UInt32(MountID.length)
        request.flags.insert(.strippedHandle)
        if request.pointee.op == UInt32(CHIMERA_VFS_OP_READDIR) {
            wrapReaddirEmit(request)
        }
        request.pointee.complete = coreModuleCompletion
        let module = mount.module
        if module.isBlocking(request.pointee.op) {
            request.flags.insert(.delegated)
            let boxed = RequestBox(request)
            executor.delegate { thread in
                module.dispatch(boxed.request, onThread: thread)
            }
        } else {
            module.dispatch(request, onThread: request.pointee.thread_index)
        }
    }

    /// Run a module op directly, without routing or result processing
    /// (MOUNT at start-up). The request's internal completion runs on its
    /// loop.
    func dispatchDirect(_ request: UnsafeMutablePointer<chimera_vfs_request>, module: VFSModuleInstance) {
        request.pointee.complete = coreModuleCompletion
        request.scratch[Scratch.core] = selfBits
        request.flags.insert(.direct)
        if module.isBlocking(request.pointee.op) {
            request.flags.insert(.delegated)
            let boxed = RequestBox(request)
            executor.delegate { thread in module.dispatch(boxed.request, onThread: thread) }
        } else {
            module.dispatch(request, onThread: request.pointee.thread_index)
        }
    }

    /// Check and strip the mount id of an op's second handle (rename's
    /// destination directory, link's directory, copy's destination).
    func translateSecondHandle(_ request: UnsafeMutablePointer<chimera_vfs_request>, _ mount: Mount) -> Bool {
        let second = OpTraits.of(request.pointee.op).second
        if case .none = second { return true }
        let bytes = second.bytes(request)
        let fail: VFSStatus?
        if bytes.count > MountID.length, bytes.count <= Int(CHIMERA_FH_MAX) {
            let id = MountID(prefixOf: bytes)
            fail = id == mount.id ? nil : (mountsByID[id] == nil && id != .root ? .stale : .crossDevice)
        } else if bytes.count == MountID.length && MountID(prefixOf: bytes) == .root {
            // The namespace root as a destination is read-only.
            fail = .crossDevice
        } else {
            fail = .badHandle
        }
        if let fail {
            complete(request, fail)
            return false
        }
        second.shift(request, by: MountID.length)
        request.flags.insert(.strippedSecond)
        return true
    }

    /// Undo the handle translations before the front-end sees the request.
    func restoreHandles(_ request: UnsafeMutablePointer<chimera_vfs_request>) {
        var flags = request.flags
        if flags.contains(.strippedHandle) {
            request.pointee.fh = request.pointee.fh.map { $0 - MountID.length }
            request.pointee.fh_len += UInt32(MountID.length)
            flags.remove(.strippedHandle)
        }
        if flags.contains(.strippedSecond) {
            OpTraits.of(request.pointee.op).second.shift(request, by: -MountID.length)
            flags.remove(.strippedSecond)
        }
        request.flags = flags
    }
}

/// A request pointer carried across threads. The request has one owner at
/// a time (chimera_vfs.h), which is what makes this sound.
struct RequestBox: @unchecked Sendable {
    let request: UnsafeMutablePointer<chimera_vfs_request>
    init(_ request: UnsafeMutablePointer<chimera_vfs_request>) { self.request = request }
}
