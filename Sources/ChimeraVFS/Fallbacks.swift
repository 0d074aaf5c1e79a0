import CChimera
import ChimeraPluginKit

/// What the core does when a module answers NOTSUP to an op it can build
/// from others (chimera_vfs.h): OPEN_AT from LOOKUP + MKNOD + SETATTR +
/// OPEN, and byte-range locks kept in the core.
enum Fallbacks {
    /// Start a fallback for `request` (handles restored, on its loop);
    /// false when there is none and NOTSUP stands.
    static func attempt(_ request: UnsafeMutablePointer<chimera_vfs_request>, _ mount: Mount, core: VFSCore) -> Bool {
        switch Int32(request.pointee.op) {
        case CHIMERA_VFS_OP_OPEN_AT:
            // An exclusive create with a verifier needs the verifier stored
            // with the file, which only the module can do.
            guard request.pointee.open_at.flags & CHIMERA_VFS_OPEN_VERIFIER == 0 else { return false }
            OpenAtFallback(request: request, core: core).lookup()
            return true
        case CHIMERA_VFS_OP_LOCK, CHIMERA_VFS_OP_UNLOCK, CHIMERA_VFS_OP_TEST_LOCK:
            // A 1.0 / 1.1 module without lock state: the core's table.
            core.lockOp(request)
            return true
        default:
            return false
        }
    }
}

/// OPEN_AT as LOOKUP, then MKNOD (create) or SETATTR (truncate), then OPEN.
final class OpenAtFallback {
    let request: UnsafeMutablePointer<chimera_vfs_request>
    let core: VFSCore
    let flags: UInt32
    var child = [UInt8]()
    var created = false

    init(request: UnsafeMutablePointer<chimera_vfs_request>, core: VFSCore) {
        self.request = request
        self.core = core
        self.flags = request.pointee.open_at.flags
    }

    var thread: UInt32 { request.pointee.thread_index }

    func lookup() {
        let step = core.makeInternalRequest(thread: thread) { [self] step in
            let status = VFSStatus(rawValue: step.pointee.status)
            switch status {
            case .ok:
                if flags & CHIMERA_VFS_OPEN_CREATE != 0 && flags & CHIMERA_VFS_OPEN_EXCLUSIVE != 0 {
                    core.complete(request, .exists)
                    return
                }
                child = Array(step.resultHandleBytes)
                request.pointee.r_attrs = step.pointee.r_attrs
                let type = step.pointee.r_attrs.mode & UInt32(CHIMERA_S_IFMT)
                if flags & CHIMERA_VFS_OPEN_DIRECTORY != 0 && type != UInt32(CHIMERA_S_IFDIR) {
                    core.complete(request, .notDirectory)
                } else if flags & CHIMERA_VFS_OPEN_TRUNCATE != 0 && type == UInt32(CHIMERA_S_IFREG) {
                    truncate()
                } else {
                    open()
                }
            case .noEntry where flags & CHIMERA_VFS_OPEN_CREATE != 0:
                create()
            default:
                core.complete(request, status)
            }
        }
        step.pointee.op = UInt32(CHIMERA_VFS_OP_LOOKUP)
        step.pointee.cred = request.pointee.cred
        step.pointee.flags = request.pointee.flags
        step.pointee.fh = request.pointee.fh
        step.pointee.fh_len = request.pointee.fh_len
        step.pointee.lookup.name = request.pointee.open_at.name
        step.pointee.lookup.name_len = request.pointee.open_at.name_len
        step.pointee.r_attrs.req_mask = VFSAttributeMask.stat.rawValue
        core.submitAuthorized(step)
    }

    func create() {
        let step = core.makeInternalRequest(thread: thread) { [self] step in
            let status = VFSStatus(rawValue: step.pointee.status)
            guard status == .ok else {
                // Lost a race with another creator: it exists now.
                if status == .exists && flags & CHIMERA_VFS_OPEN_EXCLUSIVE == 0 {
                    lookup()
                } else {
                    core.complete(request, status)
                }
                return
            }
            created = true
            child = Array(step.resultHandleBytes)
            request.pointee.r_attrs = step.pointee.r_attrs
            request.pointee.r_dir_pre_attrs = step.pointee.r_dir_pre_attrs
            request.pointee.r_dir_post_attrs = step.pointee.r_dir_post_attrs
            open()
        }
        step.pointee.op = UInt32(CHIMERA_VFS_OP_MKNOD)
        step.pointee.cred = request.pointee.cred
        step.pointee.flags = request.pointee.flags
        step.pointee.fh = request.pointee.fh
        step.pointee.fh_len = request.pointee.fh_len
        step.pointee.mknod.name = request.pointee.open_at.name
        step.pointee.mknod.name_len = request.pointee.open_at.name_len
        var attrs = request.pointee.open_at.attrs
        attrs.mode = UInt32(CHIMERA_S_IFREG) | (attrs.valid_mask & CHIMERA_ATTR_MODE != 0 ? attrs.mode & 0o7777 : 0o644)
        attrs.valid_mask |= CHIMERA_ATTR_MODE
        step.pointee.mknod.attrs = attrs
        step.pointee.r_attrs.req_mask = VFSAttributeMask.stat.rawValue
        step.pointee.r_dir_pre_attrs.req_mask = request.pointee.r_dir_pre_attrs.req_mask
        step.pointee.r_dir_post_attrs.req_mask = request.pointee.r_dir_post_attrs.req_mask
        core.submitAuthorized(step)
    }

    func truncate() {
        let step = core.makeInternalRequest(thread: thread) { [self] step in
            let status = VFSStatus(rawValue: step.pointee.status)
            guard status == .ok else {
                core.complete(request, status)
                return
            }
            request.pointee.r_attrs = step.pointee.r_attrs
            open()
        }
        step.pointee.op = UInt32(CHIMERA_VFS_OP_SETATTR)
        step.pointee.cred = request.pointee.cred
        step.pointee.flags = request.pointee.flags
        pointAtChild(step)
        step.pointee.setattr.attrs.valid_mask = CHIMERA_ATTR_SIZE
        step.pointee.setattr.attrs.size = 0
        step.pointee.r_attrs.req_mask = VFSAttributeMask.stat.rawValue
        core.submitAuthorized(step)
    }

    func open() {
        let mode = flags & (CHIMERA_VFS_OPEN_READ | CHIMERA_VFS_OPEN_WRITE)
        guard flags & CHIMERA_VFS_OPEN_NONE == 0, mode != 0 else {
            finish(openHandle: 0)
            return
        }
        let step = core.makeInternalRequest(thread: thread) { [self] step in
            let status = VFSStatus(rawValue: step.pointee.status)
            guard status == .ok else {
                core.complete(request, status)
                return
            }
            finish(openHandle: step.pointee.open.r_open_handle)
        }
        step.pointee.op = UInt32(CHIMERA_VFS_OP_OPEN)
        step.pointee.cred = request.pointee.cred
        step.pointee.flags = request.pointee.flags
        pointAtChild(step)
        step.pointee.open.flags = mode | (flags & CHIMERA_VFS_OPEN_APPEND)
        core.submitAuthorized(step)
    }

    /// The child's handle lives in `child` until this fallback ends.
    func pointAtChild(_ step: UnsafeMutablePointer<chimera_vfs_request>) {
        child.withUnsafeBufferPointer { bytes in
            step.pointee.fh = bytes.baseAddress
            step.pointee.fh_len = UInt32(bytes.count)
        }
    }

    func finish(openHandle: UInt64) {
        child.withUnsafeBytes { request.resultHandlePointer.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        request.pointee.r_fh_len = UInt32(child.count)
        request.pointee.open_at.r_open_handle = openHandle
        request.pointee.open_at.r_created = created ? 1 : 0
        core.complete(request, .ok)
    }
}
