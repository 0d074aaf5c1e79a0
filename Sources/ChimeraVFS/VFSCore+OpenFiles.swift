import CChimera
import CoreMetrics
import ChimeraPluginKit
import Logging

extension VFSCore {
    /// READ / WRITE / COMMIT without an open handle: borrow a cached open,
    /// or open the file first.
    func borrowOpenFile(_ request: UnsafeMutablePointer<chimera_vfs_request>, _ mount: Mount) {
        let handle = request.handleBytes
        let hash = keyHash(handle)
        let write = request.pointee.op == UInt32(CHIMERA_VFS_OP_WRITE)
        if let entry = openFiles.acquire(handle: handle, hash: hash, write: write) {
            lend(entry, to: request)
            dispatchToModule(request, mount)
            return
        }
        open(request, mount, hash: hash, flags: CHIMERA_VFS_OPEN_READ | CHIMERA_VFS_OPEN_WRITE, write: write)
    }

    private func open(
        _ request: UnsafeMutablePointer<chimera_vfs_request>, _ mount: Mount, hash: UInt64, flags: UInt32, write: Bool
    ) {
        let thread = request.pointee.thread_index
        let opener = makeInternalRequest(thread: thread) { [unowned self] opened in
            let status = VFSStatus(rawValue: opened.pointee.status)
            guard status == .ok else {
                // A file we may only read (or a directory): try read-only
                // for a READ; anything else is the answer.
                let retry = status == .access || status == .readOnly || status == .permission || status == .isDirectory
                if retry && !write && flags & CHIMERA_VFS_OPEN_WRITE != 0 {
                    self.open(request, mount, hash: hash, flags: CHIMERA_VFS_OPEN_READ, write: false)
                } else {
                    self.complete(request, status)
                }
                return
            }
            let entry = OpenFileCache.Entry(
                mount: mount, handle: request.handleBytes, hash: hash,
                openHandle: opened.pointee.open.r_open_handle, writable: flags & CHIMERA_VFS_OPEN_WRITE != 0,
                now: monotonicNanoseconds())
            let (used, inserted) = self.openFiles.insert(entry, write: write)
            if !inserted { self.close([entry], thread: thread) }
            self.lend(used, to: request)
            self.dispatchToModule(request, mount)
        }
        opener.pointee.op = UInt32(CHIMERA_VFS_OP_OPEN)
        opener.pointee.cred = request.pointee.cred
        opener.pointee.fh = request.pointee.fh
        opener.pointee.fh_len = request.pointee.fh_len
        opener.pointee.open.flags = flags
        // The I/O itself was checked; the open is the core's, shared by
        // every caller of stateless I/O on the file.
        submitAuthorized(opener)
    }

    private func lend(_ entry: OpenFileCache.Entry, to request: UnsafeMutablePointer<chimera_vfs_request>) {
        request.pointee.open_handle = entry.openHandle
        request.scratch[Scratch.borrowed] = UInt64(UInt(bitPattern: Unmanaged.passRetained(entry).toOpaque()))
        request.flags.insert(.borrowedOpen)
    }

    /// The I/O finished: give the open back (closing it if it was evicted
    /// meanwhile) and hide it from the front-end again.
    func returnOpenFile(_ request: UnsafeMutablePointer<chimera_vfs_request>) {
        let entry = Unmanaged<OpenFileCache.Entry>.fromOpaque(
            UnsafeRawPointer(bitPattern: UInt(request.scratch[Scratch.borrowed]))!
        ).takeRetainedValue()
        request.scratch[Scratch.borrowed] = 0
        request.flags.remove(.borrowedOpen)
        request.pointee.open_handle = 0
        if openFiles.release(entry, now: monotonicNanoseconds()) {
            close([entry], thread: request.pointee.thread_index)
        }
    }

    /// Close module opens on loop `thread`.
    func close(_ entries: [OpenFileCache.Entry], thread: UInt32) {
        for entry in entries {
            let closer = makeInternalRequest(thread: thread) { _ in }
            closer.pointee.op = UInt32(CHIMERA_VFS_OP_CLOSE)
            closer.pointee.open_handle = entry.openHandle
            // The handle bytes must outlive the request: the entry holds
            // them, and the completion closure keeps the entry alive.
            let keep = makeInternalRequestKeepingAlive(closer, entry)
            keep.pointee.fh = entry.handle.baseAddress?.assumingMemoryBound(to: UInt8.self)
            keep.pointee.fh_len = UInt32(entry.handle.count)
            submit(keep)
        }
    }

    /// Tie `object`'s lifetime to the internal request's completion.
    private func makeInternalRequestKeepingAlive(
        _ request: UnsafeMutablePointer<chimera_vfs_request>, _ object: AnyObject
    ) -> UnsafeMutablePointer<chimera_vfs_request> {
        let old = Unmanaged<InternalCompletion>.fromOpaque(request.pointee.caller_data!).takeRetainedValue()
        let body = old.body
        request.pointee.caller_data = Unmanaged.passRetained(
            InternalCompletion(core: self) { request in
                withExtendedLifetime(object) { body(request) }
            }
        ).toOpaque()
        return request
    }

    /// Periodic work on each loop: close idle opens (loop 0), report
    /// requests a module has held too long.
    func sweep(loop: UInt32) {
        let now = monotonicNanoseconds()
        if loop == 0 {
            // An eighth of the cache per tick: bounded work on the loop
            // however many files are open; idle ones close within eight
            // ticks past their idle time.
            let idle = openFiles.sweep(idleBefore: now &- configuration.openFileIdleNanoseconds, shardCount: 8)
            if !idle.isEmpty { close(idle, thread: 0) }
            metrics.exportCacheCounters()
            sweepState()
        }
        inFlight[Int(loop)].forEach { request in
            let age = now &- request.scratch[Scratch.started]
            // A parked request waits for open state, bounded by the table.
            guard age > configuration.requestTimeoutNanoseconds, !request.flags.contains(.reported),
                !request.flags.contains(.parked)
            else { return }
            request.flags.insert(.reported)
            metrics.stuck.increment()
            let mountIndex = Int(request.scratch[Scratch.mount]) - 1
            let module = mountIndex >= 0 ? mounts[mountIndex].module.name : "-"
            // The wire handle, as clients and the other logs show it.
            var handleBytes = request.handleBytes
            if request.flags.contains(.strippedHandle), let fh = request.pointee.fh {
                handleBytes = UnsafeRawBufferPointer(start: fh - MountID.length, count: handleBytes.count + MountID.length)
            }
            let handle = handleBytes.map { String($0, radix: 16).leftPadded(2) }.joined()
            logger.warning(
                "VFS request not completed",
                metadata: [
                    "vfs.op": "\(VFSOp(rawValue: request.pointee.op))", "vfs.module": "\(module)",
                    "vfs.handle": "\(handle)", "vfs.age_ms": "\(age / 1_000_000)",
                ])
        }
    }

    func closeAllOpenFiles() async {
        let entries = openFiles.drain()
        guard !entries.isEmpty else { return }
        let box = SendableBox(entries)
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            executor.execute(onLoop: 0) { [unowned self] in
                let remaining = Counter(box.value.count, done)
                for entry in box.value {
                    let closer = self.makeInternalRequest(thread: 0) { _ in remaining.decrement() }
                    closer.pointee.op = UInt32(CHIMERA_VFS_OP_CLOSE)
                    closer.pointee.open_handle = entry.openHandle
                    let keep = self.makeInternalRequestKeepingAlive(closer, entry)
                    keep.pointee.fh = entry.handle.baseAddress?.assumingMemoryBound(to: UInt8.self)
                    keep.pointee.fh_len = UInt32(entry.handle.count)
                    self.submit(keep)
                }
            }
        }
    }
}

/// Counts completions down on one loop, then resumes a waiter.
private final class Counter: @unchecked Sendable {
    var remaining: Int
    let done: CheckedContinuation<Void, Never>
    init(_ remaining: Int, _ done: CheckedContinuation<Void, Never>) {
        self.remaining = remaining
        self.done = done
    }
    func decrement() {
        remaining -= 1
        if remaining == 0 { done.resume() }
    }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}

/// The file a RENAME or a replacing LINK unlinks, held while the op runs.
final class ReplacedTarget {
    let handle: [UInt8]
    init(_ handle: [UInt8]) { self.handle = handle }
}

extension VFSCore {
    /// RENAME, and LINK / LINK_AT with LINK_REPLACE, unlink the file the
    /// destination name held. An open the core cached for stateless I/O
    /// would keep that file alive and its handle answering (an unlinked
    /// file stays reachable while open), so the core looks the name up
    /// first and drops the file's cached opens once the op succeeded, as
    /// it does for REMOVE.
    func replacesCachedOpen(_ request: UnsafeMutablePointer<chimera_vfs_request>, _ mount: Mount) -> Bool {
        guard !request.flags.contains(.replacedLookedUp), openFiles.count > 0,
            mount.module.capabilities & CHIMERA_VFS_CAP_STATELESS_IO == 0
        else { return false }
        switch Int32(request.pointee.op) {
        case CHIMERA_VFS_OP_RENAME: return true
        case CHIMERA_VFS_OP_LINK: return request.pointee.link.flags & CHIMERA_VFS_LINK_REPLACE != 0
        case CHIMERA_VFS_OP_LINK_AT: return request.pointee.link_at.flags & CHIMERA_VFS_LINK_REPLACE != 0
        default: return false
        }
    }

    func lookUpReplacedTarget(_ request: UnsafeMutablePointer<chimera_vfs_request>, _ mount: Mount) {
        request.flags.insert(.replacedLookedUp)
        let directory = OpTraits.of(request.pointee.op).second.bytes(request)
        let name =
            request.pointee.op == UInt32(CHIMERA_VFS_OP_RENAME)
            ? VFSRequest.bytes(request.pointee.rename.new_name, request.pointee.rename.new_name_len)
            : VFSRequest(request).name
        let step = makeInternalRequest(thread: request.pointee.thread_index) { [unowned self] step in
            if step.pointee.status == CHIMERA_OK && step.pointee.r_fh_len > UInt32(MountID.length) {
                let target = ReplacedTarget(Array(step.resultHandleBytes))
                request.scratch[Scratch.borrowed] = UInt64(UInt(bitPattern: Unmanaged.passRetained(target).toOpaque()))
                request.flags.insert(.replacedTarget)
            }
            routeAdmitted(request, mount)
        }
        step.pointee.op = UInt32(CHIMERA_VFS_OP_LOOKUP)
        step.pointee.cred = request.pointee.cred
        step.pointee.flags = request.pointee.flags
        step.pointee.fh = directory.baseAddress?.assumingMemoryBound(to: UInt8.self)
        step.pointee.fh_len = UInt32(directory.count)
        step.pointee.lookup.name = name.baseAddress?.assumingMemoryBound(to: CChar.self)
        step.pointee.lookup.name_len = UInt32(name.count)
        submitAuthorized(step)
    }

    /// At completion: drop the replaced file's cached opens when the op
    /// succeeded; let the held handle go either way.
    func finishReplacedTarget(_ request: UnsafeMutablePointer<chimera_vfs_request>, succeeded: Bool) {
        guard request.flags.contains(.replacedTarget),
            let raw = UnsafeRawPointer(bitPattern: UInt(request.scratch[Scratch.borrowed]))
        else { return }
        request.flags.remove(.replacedTarget)
        request.scratch[Scratch.borrowed] = 0
        let target = Unmanaged<ReplacedTarget>.fromOpaque(raw).takeRetainedValue()
        guard succeeded else { return }
        let closing = target.handle.withUnsafeBytes { openFiles.evict(handle: $0) }
        if !closing.isEmpty { close(closing, thread: request.pointee.thread_index) }
    }
}
