import CChimera
import ChimeraPluginKit

/// Names reserved for front-ends (CHIMERA_VFS_HIDDEN_PREFIX): invisible to
/// requests that do not carry CHIMERA_VFS_REQ_SHOW_HIDDEN, so one
/// protocol's staging area never shows up in another's listing.
enum HiddenNames {
    static let prefix = Array(CHIMERA_VFS_HIDDEN_PREFIX.utf8)

    @inline(__always)
    static func isHidden(_ name: UnsafeRawBufferPointer) -> Bool {
        name.count >= prefix.count && name.starts(with: prefix)
    }

    /// The status for a request that touches a hidden name without the
    /// flag, or nil when it may proceed.
    static func refusal(_ request: UnsafeMutablePointer<chimera_vfs_request>) -> VFSStatus? {
        let r = request.pointee
        switch Int32(r.op) {
        case CHIMERA_VFS_OP_LOOKUP, CHIMERA_VFS_OP_REMOVE:
            return isHidden(VFSRequest(request).name) ? .noEntry : nil
        case CHIMERA_VFS_OP_OPEN_AT:
            guard isHidden(VFSRequest(request).name) else { return nil }
            return r.open_at.flags & CHIMERA_VFS_OPEN_CREATE != 0 ? .access : .noEntry
        case CHIMERA_VFS_OP_MKDIR, CHIMERA_VFS_OP_MKNOD, CHIMERA_VFS_OP_SYMLINK, CHIMERA_VFS_OP_LINK,
            CHIMERA_VFS_OP_LINK_AT:
            return isHidden(VFSRequest(request).name) ? .access : nil
        case CHIMERA_VFS_OP_RENAME:
            if isHidden(VFSRequest(request).name) { return .noEntry }
            return isHidden(VFSRequest.bytes(r.rename.new_name, r.rename.new_name_len)) ? .access : nil
        default:
            return nil
        }
    }
}
