import CChimera
import Glibc
import ChimeraPluginKit

/// The namespace root: a read-only directory that lists the mounts.
enum SyntheticRoot {
    static let fileID: UInt64 = 1

    static func attributes(mountCount: Int) -> chimera_attrs {
        var attrs = chimera_attrs()
        attrs.valid_mask = VFSAttributeMask.stat.rawValue | CHIMERA_ATTR_CHANGE | CHIMERA_ATTR_GENERATION | CHIMERA_ATTR_BTIME
        attrs.mode = UInt32(CHIMERA_S_IFDIR) | 0o555
        attrs.nlink = UInt32(2 + mountCount)
        attrs.size = 4096
        attrs.space_used = 4096
        attrs.fileid = fileID
        attrs.fsid = MountID.root.fsid
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let time = chimera_timespec(seconds: Int64(now.tv_sec), nanoseconds: UInt32(now.tv_nsec))
        attrs.atime = time
        attrs.mtime = time
        attrs.ctime = time
        attrs.btime = time
        attrs.change = 1
        return attrs
    }

    static func handle(_ request: UnsafeMutablePointer<chimera_vfs_request>, core: VFSCore) {
        switch Int32(request.pointee.op) {
        case CHIMERA_VFS_OP_GETATTR, CHIMERA_VFS_OP_LOOKUP_PARENT:
            answerRoot(request, core)
        case CHIMERA_VFS_OP_LOOKUP:
            lookup(request, core, name: VFSRequest(request).name)
        case CHIMERA_VFS_OP_OPEN_AT:
            if request.pointee.open_at.flags & (CHIMERA_VFS_OPEN_CREATE | CHIMERA_VFS_OPEN_TRUNCATE) != 0 {
                core.complete(request, .readOnly)
            } else {
                lookup(request, core, name: VFSRequest(request).name)
            }
        case CHIMERA_VFS_OP_READDIR:
            readdir(request, core)
        case CHIMERA_VFS_OP_OPEN:
            request.pointee.open.r_open_handle = 0
            request.pointee.r_attrs = core.rootAttributes
            core.complete(request, .ok)
        case CHIMERA_VFS_OP_CLOSE:
            core.complete(request, .ok)
        case CHIMERA_VFS_OP_ACCESS:
            // A read-only directory anyone may list and search.
            request.pointee.access.r_granted =
                request.pointee.access.requested & (CHIMERA_VFS_ACCESS_READ | CHIMERA_VFS_ACCESS_EXECUTE)
            request.pointee.r_attrs = core.rootAttributes
            core.complete(request, .ok)
        case CHIMERA_VFS_OP_FSSTAT:
            var stat = chimera_fsstat()
            stat.max_name = UInt32(CHIMERA_NAME_MAX)
            stat.time_delta = chimera_timespec(seconds: 0, nanoseconds: 1)
            request.pointee.fsstat.r_fsstat = stat
            request.pointee.r_attrs = core.rootAttributes
            core.complete(request, .ok)
        case CHIMERA_VFS_OP_READ, CHIMERA_VFS_OP_WRITE, CHIMERA_VFS_OP_COMMIT:
            core.complete(request, .isDirectory)
        case CHIMERA_VFS_OP_READLINK:
            core.complete(request, .invalid)
        case CHIMERA_VFS_OP_GETXATTR:
            core.complete(request, .noData)
        case CHIMERA_VFS_OP_LISTXATTR:
            request.pointee.xattr.r_length = 0
            core.complete(request, .ok)
        case CHIMERA_VFS_OP_SETATTR, CHIMERA_VFS_OP_MKDIR, CHIMERA_VFS_OP_MKNOD, CHIMERA_VFS_OP_SYMLINK,
            CHIMERA_VFS_OP_LINK, CHIMERA_VFS_OP_LINK_AT, CHIMERA_VFS_OP_REMOVE, CHIMERA_VFS_OP_RENAME,
            CHIMERA_VFS_OP_CREATE_UNLINKED, CHIMERA_VFS_OP_SETXATTR, CHIMERA_VFS_OP_REMOVEXATTR:
            core.complete(request, .readOnly)
        default:
            core.complete(request, .notSupported)
        }
    }

    static func answerRoot(_ request: UnsafeMutablePointer<chimera_vfs_request>, _ core: VFSCore) {
        request.resultHandlePointer.initializeMemory(as: UInt8.self, repeating: 0, count: MountID.length)
        request.pointee.r_fh_len = UInt32(MountID.length)
        request.pointee.r_attrs = core.rootAttributes
        core.complete(request, .ok)
    }

    static func lookup(_ request: UnsafeMutablePointer<chimera_vfs_request>, _ core: VFSCore, name: UnsafeRawBufferPointer) {
        request.pointee.r_dir_post_attrs = core.rootAttributes
        if name.elementsEqual(".".utf8) || name.elementsEqual("..".utf8) {
            answerRoot(request, core)
            return
        }
        if let status = VFSCore.validate(name: name) {
            core.complete(request, status)
            return
        }
        guard let mount = core.mounts.first(where: { $0.name.utf8.elementsEqual(name) }) else {
            core.complete(request, .noEntry)
            return
        }
        let handle = mount.rootHandle
        handle.withUnsafeBytes { request.resultHandlePointer.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        request.pointee.r_fh_len = UInt32(handle.count)
        request.pointee.r_attrs = currentRootAttributes(of: mount, core)
        core.complete(request, .ok)
    }

    /// A mount root's attributes: cached if fresh, else those seen at mount.
    static func currentRootAttributes(of mount: Mount, _ core: VFSCore) -> chimera_attrs {
        mount.rootHandle.withUnsafeBytes { handle in
            core.attributes.lookup(
                handle: handle, hash: keyHash(handle), mask: VFSAttributeMask.stat.rawValue, now: monotonicNanoseconds())
        } ?? mount.rootAttributes
    }

    /// Mounts in config order; cookie n resumes after the n-th.
    static func readdir(_ request: UnsafeMutablePointer<chimera_vfs_request>, _ core: VFSCore) {
        let start = request.pointee.readdir.cookie
        let wantAttributes = request.pointee.readdir.flags & CHIMERA_VFS_READDIR_ATTRS != 0
        var eof: UInt32 = 1
        if start > UInt64(core.mounts.count) {
            core.complete(request, .badCookie)
            return
        }
        if let emit = request.pointee.readdir.emit {
            for index in Int(start)..<core.mounts.count {
                let mount = core.mounts[index]
                var attrs = currentRootAttributes(of: mount, core)
                let handle = mount.rootHandle
                let rc = mount.name.utf8CString.withUnsafeBufferPointer { name in
                    handle.withUnsafeBufferPointer { fh in
                        withUnsafePointer(to: &attrs) { attrsPointer in
                            emit(
                                request, name.baseAddress, UInt32(name.count - 1), UInt64(index + 1), fh.baseAddress,
                                UInt32(fh.count), wantAttributes ? attrsPointer : nil)
                        }
                    }
                }
                if rc != 0 {
                    eof = 0
                    break
                }
            }
        }
        request.pointee.readdir.r_eof = eof
        request.pointee.r_dir_post_attrs = core.rootAttributes
        core.complete(request, .ok)
    }
}
