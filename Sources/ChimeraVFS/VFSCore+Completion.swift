import CChimera
import CoreMetrics
import Logging
import ChimeraPluginKit

/// The completion of requests the core issues itself: calls the boxed
/// closure on the request's loop, then frees the request.
let coreInternalCompletion: chimera_vfs_complete_fn = { request in
    guard let request, let box = request.pointee.caller_data else { return }
    let completion = Unmanaged<InternalCompletion>.fromOpaque(box).takeRetainedValue()
    completion.body(request)
    completion.core.freeRequest(request)
}

/// A closure run when an internal request completes.
final class InternalCompletion {
    let core: VFSCore
    let body: (UnsafeMutablePointer<chimera_vfs_request>) -> Void

    init(core: VFSCore, body: @escaping (UnsafeMutablePointer<chimera_vfs_request>) -> Void) {
        self.core = core
        self.body = body
    }
}

extension VFSCore {
    /// A module finished (on any thread): continue on the loop that asked.
    func moduleCompleted(_ request: UnsafeMutablePointer<chimera_vfs_request>) {
        let thread = request.pointee.thread_index
        if executor.currentThread() == thread {
            finishModule(request)
        } else {
            let boxed = RequestBox(request)
            executor.execute(onLoop: thread) { [unowned self] in
                self.finishModule(boxed.request)
            }
        }
    }

    /// Back on the asking loop: fall back, fix results up, update caches,
    /// answer the front-end.
    func finishModule(_ request: UnsafeMutablePointer<chimera_vfs_request>) {
        if request.flags.contains(.direct) {
            coreInternalCompletion(request)
            return
        }
        restoreHandles(request)
        if request.flags.contains(.wrappedEmit) {
            unwrapReaddirEmit(request)
        }
        let status = VFSStatus(rawValue: request.pointee.status)
        let mountIndex = Int(request.scratch[Scratch.mount]) - 1
        guard mountIndex >= 0 else {
            complete(request, status)
            return
        }
        let mount = mounts[mountIndex]
        if status == .notSupported, Fallbacks.attempt(request, mount, core: self) {
            return
        }
        if status == .ok {
            prefixResultHandle(request, mount)
            stampFileSystemID(request, mount)
        }
        updateCaches(request, mount, status: status)
        if status == .ok && request.pointee.op == UInt32(CHIMERA_VFS_OP_WRITE) && clearPrivilegesAfterWrite(request) {
            return
        }
        complete(request, status)
    }

    /// Put the mount id in front of the module's result handle.
    @inline(__always)
    func prefixResultHandle(_ request: UnsafeMutablePointer<chimera_vfs_request>, _ mount: Mount) {
        let length = Int(request.pointee.r_fh_len)
        guard length > 0 else { return }
        guard length <= Int(CHIMERA_MODULE_FH_MAX) else {
            // A module broke the ABI; do not let it overflow the wire handle.
            logger.error(
                "module returned an oversized handle",
                metadata: ["vfs.module": "\(mount.module.name)", "vfs.handle_length": "\(length)"])
            request.pointee.r_fh_len = 0
            request.pointee.status = VFSStatus.io.rawValue
            return
        }
        let base = request.resultHandlePointer
        (base + MountID.length).copyMemory(from: base, byteCount: length)
        mount.id.write(to: base)
        request.pointee.r_fh_len = UInt32(length + MountID.length)
    }

    /// Attributes carry the mount's fsid, not the module's.
    @inline(__always)
    func stampFileSystemID(_ request: UnsafeMutablePointer<chimera_vfs_request>, _ mount: Mount) {
        let fsid = mount.id.fsid
        request.pointee.r_attrs.fsid = fsid
        request.pointee.r_pre_attrs.fsid = fsid
        request.pointee.r_dir_pre_attrs.fsid = fsid
        request.pointee.r_dir_post_attrs.fsid = fsid
        if request.pointee.op == UInt32(CHIMERA_VFS_OP_RENAME) {
            request.pointee.rename.r_new_dir_pre_attrs.fsid = fsid
            request.pointee.rename.r_new_dir_post_attrs.fsid = fsid
        }
    }

    /// Answer the front-end: restore its op, completion and caller data,
    /// and call it. Runs on the request's loop.
    func complete(_ request: UnsafeMutablePointer<chimera_vfs_request>, _ status: VFSStatus) {
        var status = status
        if status == .exists && request.flags.contains(.exclusiveAdded) {
            if retryRacedCreate(request) { return }
            status = .delay
        }
        if request.flags.contains(.borrowedOpen) {
            returnOpenFile(request)
        }
        finishReplacedTarget(request, succeeded: status == .ok)
        request.flags.subtract([.authorized, .exclusiveAdded, .authorizationRetried, .replacedLookedUp])
        request.pointee.status = status.rawValue
        let original = request.scratch[Scratch.originalOp]
        if original != 0 {
            request.pointee.op = UInt32(original)
            request.scratch[Scratch.originalOp] = 0
        }
        inFlight[Int(request.pointee.thread_index)].remove(request)
        let s = request.scratch
        request.pointee.complete = unsafeBitCast(Int(bitPattern: UInt(s[Scratch.frontComplete])), to: chimera_vfs_complete_fn?.self)
        request.pointee.caller_data = UnsafeMutableRawPointer(bitPattern: UInt(s[Scratch.frontCallerData]))
        if status != .ok { metrics.countError(op: request.pointee.op) }
        request.pointee.complete?(request)
    }

    // MARK: Requests the core issues

    /// Allocate a request on loop `thread` whose completion runs `body`
    /// there (then the request is freed). Fill it and ``submit(_:)`` it.
    func makeInternalRequest(
        thread: UInt32,
        _ body: @escaping (UnsafeMutablePointer<chimera_vfs_request>) -> Void
    ) -> UnsafeMutablePointer<chimera_vfs_request> {
        let request = allocateRequest(thread: thread)
        request.pointee.complete = coreInternalCompletion
        request.pointee.caller_data = Unmanaged.passRetained(InternalCompletion(core: self, body: body)).toOpaque()
        return request
    }

    /// Run one request on loop `thread` and wait for it (control plane:
    /// start-up, the conformance kit). `prepare` fills the request (memory
    /// it points the request at must outlive the call); `direct` sends it
    /// (default: ``submit(_:)``); `finish` reads the results on the loop.
    public func perform<R: Sendable>(
        on thread: UInt32,
        prepare: @escaping (UnsafeMutablePointer<chimera_vfs_request>) -> Void,
        direct: ((UnsafeMutablePointer<chimera_vfs_request>) -> Void)? = nil,
        finish: @escaping (UnsafeMutablePointer<chimera_vfs_request>) -> R
    ) async -> R {
        let send = SendableBox((prepare, direct, finish))
        return await withCheckedContinuation { (continuation: CheckedContinuation<R, Never>) in
            executor.execute(onLoop: thread) { [unowned self] in
                let (prepare, direct, finish) = send.value
                let request = self.makeInternalRequest(thread: thread) { request in
                    continuation.resume(returning: finish(request))
                }
                prepare(request)
                if let direct {
                    direct(request)
                } else {
                    self.submit(request)
                }
            }
        }
    }
}

/// Moves a non-Sendable value to the loop that will use it alone.
struct SendableBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
