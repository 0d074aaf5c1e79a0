import CChimera
import ChimeraPluginKit
import CLinuxShims
import Glibc
import Synchronization

extension PosixFileSystem {
    /// MOUNT: `args.mount.path` is a directory beneath the root ("/" is the
    /// root), resolved with openat2 so no `..`, symlink or other file system
    /// leads out of it.
    func mount(_ request: VFSRequest) throws(PosixError) {
        let args = request.raw.pointee.mount
        guard args.path_len <= UInt32(PATH_MAX) else { throw PosixError(.nameTooLong) }
        let raw = UnsafeRawBufferPointer(start: args.path, count: args.path == nil ? 0 : Int(args.path_len))
        var path = [CChar]()
        path.reserveCapacity(raw.count + 1)
        for b in raw {
            guard b != 0 else { throw .invalid }
            path.append(CChar(bitPattern: b))
        }
        while path.first == CChar(UInt8(ascii: "/")) { path.removeFirst() }
        path.append(0)
        let fd: Int32
        if path.count == 1 {
            fd = try PosixCall.openAt(rootFD, ".", clinux_O_PATH | clinux_O_DIRECTORY)
        } else {
            fd = try PosixCall.shim {
                clinux_open_beneath(rootFD, path, clinux_O_PATH | clinux_O_DIRECTORY | clinux_O_NOFOLLOW, 0, 1)
            }
        }
        let object = try adopt(fd)
        guard PosixAttributes.isDirectory(object.stat) else { throw PosixError(.notDirectory) }
        mountRoots.withLock { $0[object.stat.stx_ino, default: 0] += 1 }
        setResult(request, object)
    }

    func umount(_ request: VFSRequest) throws(PosixError) {
        let object = try object(request)
        mountRoots.withLock { roots in
            let inode = object.stat.stx_ino
            if let count = roots[inode] {
                roots[inode] = count > 1 ? count - 1 : nil
            }
        }
    }

    func getattr(_ request: VFSRequest) throws(PosixError) {
        let object = try object(request)
        PosixAttributes.fill(&request.raw.pointee.r_attrs, from: object.stat)
    }

    /// SETATTR (RFC 1813 3.3.2): owner first (chown clears set-ID bits),
    /// then mode, size, and times last (truncation moves mtime). BTIME and
    /// DOS cannot be set on Linux and are ignored.
    func setattr(_ request: VFSRequest) throws(PosixError) {
        var object = try object(request)
        PosixAttributes.fill(&request.raw.pointee.r_pre_attrs, from: object.stat)
        let args = request.raw.pointee.setattr
        if let guardTime = args.guard_ctime {
            guard guardTime.pointee == PosixAttributes.time(object.stat.stx_ctime) else {
                throw PosixError(.notSync)
            }
        }
        let attrs = args.attrs
        let valid = attrs.valid
        if valid.contains(.uid) || valid.contains(.gid) {
            let uid = valid.contains(.uid) ? attrs.uid : UInt32.max
            let gid = valid.contains(.gid) ? attrs.gid : UInt32.max
            _ = try PosixCall.shim { clinux_fchown_path_fd(object.fd, uid, gid) }
        }
        if valid.contains(.mode) && !PosixAttributes.isSymlink(object.stat) {
            _ = try PosixCall.shim { clinux_fchmod_path_fd(object.fd, attrs.mode & 0o7777) }
        }
        if valid.contains(.size) {
            if PosixAttributes.isDirectory(object.stat) { throw PosixError(.isDirectory) }
            guard PosixAttributes.isRegular(object.stat) else { throw .invalid }
            // By path (through /proc) even with an open handle: that one
            // may be read-only, and the server may truncate any file.
            try truncate(object.fd, to: attrs.size)
        }
        if !valid.intersection([.atime, .mtime, .atimeNow, .mtimeNow]).isEmpty {
            try setTimes(object.fd, attrs)
        }
        object.stat = try PosixCall.stat(object.fd)
        PosixAttributes.fill(&request.raw.pointee.r_attrs, from: object.stat)
    }

    func fsstat(_ request: VFSRequest) throws(PosixError) {
        let object = try object(request)
        var vfs = statvfs()
        _ = try PosixCall.libc { fstatvfs(object.fd, &vfs) }
        let unit = UInt64(vfs.f_frsize != 0 ? vfs.f_frsize : vfs.f_bsize)
        var out = chimera_fsstat()
        out.total_bytes = UInt64(vfs.f_blocks) &* unit
        out.free_bytes = UInt64(vfs.f_bfree) &* unit
        out.avail_bytes = UInt64(vfs.f_bavail) &* unit
        out.total_files = UInt64(vfs.f_files)
        out.free_files = UInt64(vfs.f_ffree)
        out.avail_files = UInt64(vfs.f_favail)
        out.max_name = UInt32(min(UInt64(vfs.f_namemax), 255))
        out.max_file_size = UInt64(Int64.max)
        out.time_delta = chimera_timespec(seconds: 0, nanoseconds: 1)
        request.raw.pointee.fsstat.r_fsstat = out
        PosixAttributes.fill(&request.raw.pointee.r_attrs, from: object.stat)
    }
}
