import CChimera

/// Which results a request asks for: each `r_*.req_mask`.
public struct VFSResultMasks: Sendable, Equatable {
    public var attrs: UInt64
    public var preAttrs: UInt64
    public var dirPre: UInt64
    public var dirPost: UInt64
    /// RENAME's new directory, before and after.
    public var newDir: UInt64

    public init(attrs: UInt64 = 0, preAttrs: UInt64 = 0, dirPre: UInt64 = 0, dirPost: UInt64 = 0, newDir: UInt64 = 0) {
        self.attrs = attrs
        self.preAttrs = preAttrs
        self.dirPre = dirPre
        self.dirPost = dirPost
        self.newDir = newDir
    }

    /// Every mask set to `mask`.
    public static func all(_ mask: UInt64) -> Self {
        Self(attrs: mask, preAttrs: mask, dirPre: mask, dirPost: mask, newDir: mask)
    }
}

extension VFSArguments {
    /// Fill a zeroed request: the op and its arguments, then the fields
    /// every op shares (handle copied into `arena`, credential, flags,
    /// result masks). The one place requests are built from Swift values.
    public func prepare(
        _ request: UnsafeMutablePointer<chimera_vfs_request>,
        handle: [UInt8]?,
        credential: UnsafePointer<chimera_cred>?,
        flags: UInt32 = 0,
        masks: VFSResultMasks,
        arena: VFSArena
    ) {
        if let handle {
            request.pointee.fh = UnsafePointer(arena.bytes(handle))
            request.pointee.fh_len = UInt32(handle.count)
        }
        request.pointee.cred = credential
        request.pointee.flags = flags
        request.pointee.r_attrs.req_mask = masks.attrs
        request.pointee.r_pre_attrs.req_mask = masks.preAttrs
        request.pointee.r_dir_pre_attrs.req_mask = masks.dirPre
        request.pointee.r_dir_post_attrs.req_mask = masks.dirPost
        fill(request, arena: arena)
        if op == CHIMERA_VFS_OP_RENAME {
            request.pointee.rename.r_new_dir_pre_attrs.req_mask = masks.newDir
            request.pointee.rename.r_new_dir_post_attrs.req_mask = masks.newDir
        }
    }
}

/// The VFS as a Swift front-end calls it off its hot path: one
/// ``perform(_:on:flags:masks:arena:done:)`` for every op, answering with a
/// ``VFSReply`` on the loop the client belongs to (possibly before perform
/// returns: a module may complete inline).
///
/// Each call allocates (its arena, the completion closure); a front-end's
/// per-byte data path (NFS READ/WRITE) instead fills the pooled request in
/// place and submits with a C completion through ``FrontEndVFS``, and
/// reads its results with ``VFSReply/init(reading:)`` where it wants them
/// as values.
public struct VFSClient {
    public let vfs: FrontEndVFS
    /// The loop this client submits on (and is called back on).
    public let thread: UInt32
    /// The credential requests carry; nil acts as the host (no credential).
    public let credential: UnsafePointer<chimera_cred>?

    public init(vfs: FrontEndVFS, thread: UInt32, credential: UnsafePointer<chimera_cred>?) {
        self.vfs = vfs
        self.thread = thread
        self.credential = credential
    }

    /// The same client acting as `credential`.
    public func acting(as credential: UnsafePointer<chimera_cred>?) -> VFSClient {
        VFSClient(vfs: vfs, thread: thread, credential: credential)
    }

    /// Allocate, build, submit; `done` gets the reply once the request was
    /// read and freed. No request to give (the pool is dry): `done` at once
    /// with DELAY. `arena` (and anything borrowed in `arguments`) stays
    /// alive until `done` has been called.
    public func perform(
        _ arguments: VFSArguments,
        on handle: [UInt8]?,
        flags: UInt32 = 0,
        masks: VFSResultMasks,
        arena: VFSArena = VFSArena(),
        done: @escaping (VFSReply) -> Void
    ) {
        guard let request = vfs.allocate(thread: thread) else {
            done(VFSReply(status: .delay))
            return
        }
        arguments.prepare(request, handle: handle, credential: credential, flags: flags, masks: masks, arena: arena)
        let vfs = self.vfs
        vfs.submit(request) { request in
            let reply = VFSReply(reading: request)
            vfs.free(request)
            withExtendedLifetime(arena) {}
            done(reply)
        }
    }
}
