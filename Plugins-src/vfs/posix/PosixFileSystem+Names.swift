import CChimera
import ChimeraPluginKit
import CLinuxShims
import Glibc
import Synchronization

extension PosixFileSystem {
    func lookup(_ request: VFSRequest) throws(PosixError) {
        let dir = try directory(request)
        let args = request.raw.pointee.lookup
        let name = try PosixName(args.name, args.name_len)
        let child = try child(of: dir.fd, name)
        setResult(request, child)
        PosixAttributes.fill(&request.raw.pointee.r_dir_post_attrs, from: dir.stat)
    }

    /// The parent of a directory; the root and mounted directories are
    /// their own parents, so `..` never leaves what is served.
    func lookupParent(_ request: VFSRequest) throws(PosixError) {
        let dir = try directory(request)
        let inode = dir.stat.stx_ino
        if inode == rootInode || mountRoots.withLock({ $0[inode] != nil }) {
            setResult(request, dir)
            return
        }
        let fd = try PosixCall.openAt(dir.fd, "..", clinux_O_PATH | clinux_O_DIRECTORY)
        let parent = PathDescriptor(fd)
        guard codec.relativePath(of: parent.fd) != nil else {
            // Moved out from under the root on the host: stop here.
            setResult(request, dir)
            return
        }
        setResult(request, try adopt(try PosixCall.libc { fcntl(parent.fd, F_DUPFD_CLOEXEC, 0) }))
    }

    func mkdir(_ request: VFSRequest) throws(PosixError) {
        let dir = try directory(request)
        let args = request.raw.pointee.mkdir
        let name = try PosixName(args.name, args.name_len)
        let mode = Self.requestedMode(args.attrs, default: 0o755)
        _ = try name.withCString { p throws(PosixError) in try PosixCall.libc { mkdirat(dir.fd, p, mode_t(mode)) } }
        var child = try child(of: dir.fd, name)
        try settle(&child, attrs: args.attrs, mode: mode, parent: dir.stat, request: request)
        setResult(request, child)
        directoryAttributes(request, dir)
    }

    /// MKNOD: a FIFO, socket or device node (type in attrs.mode, device in
    /// attrs.rdev as major << 32 | minor). Nodes are stored for clients;
    /// the server itself never opens them.
    func mknod(_ request: VFSRequest) throws(PosixError) {
        let dir = try directory(request)
        let args = request.raw.pointee.mknod
        let name = try PosixName(args.name, args.name_len)
        let type = args.attrs.mode & UInt32(CHIMERA_S_IFMT)
        switch type {
        case UInt32(CHIMERA_S_IFIFO), UInt32(CHIMERA_S_IFSOCK), UInt32(CHIMERA_S_IFCHR), UInt32(CHIMERA_S_IFBLK),
            UInt32(CHIMERA_S_IFREG):
            break
        default:
            throw .invalid
        }
        let mode = Self.requestedMode(args.attrs, default: 0o644)
        let major = UInt64(args.attrs.rdev >> 32)
        let minor = UInt64(args.attrs.rdev & 0xffff_ffff)
        // glibc's makedev: 12+20 bits of major, 8+24 of minor.
        let device =
            (major & 0xffff_f000) << 32 | (major & 0xfff) << 8 | (minor & 0xffff_ff00) << 12 | (minor & 0xff)
        _ = try name.withCString { p throws(PosixError) in
            try PosixCall.libc { mknodat(dir.fd, p, mode_t(type | mode), dev_t(device)) }
        }
        var child = try child(of: dir.fd, name)
        try settle(&child, attrs: args.attrs, mode: mode, parent: dir.stat, request: request)
        setResult(request, child)
        directoryAttributes(request, dir)
    }

    /// SYMLINK: the target is stored as given, absolute or not; the server
    /// never follows it.
    func symlink(_ request: VFSRequest) throws(PosixError) {
        let dir = try directory(request)
        let args = request.raw.pointee.symlink
        let name = try PosixName(args.name, args.name_len)
        guard args.target_len > 0, args.target_len < UInt32(PATH_MAX), let targetPointer = args.target else {
            throw args.target_len >= UInt32(PATH_MAX) ? PosixError(.nameTooLong) : .invalid
        }
        var target = [CChar]()
        target.reserveCapacity(Int(args.target_len) + 1)
        for b in UnsafeRawBufferPointer(start: targetPointer, count: Int(args.target_len)) {
            guard b != 0 else { throw .invalid }
            target.append(CChar(bitPattern: b))
        }
        target.append(0)
        _ = try name.withCString { p throws(PosixError) in try PosixCall.libc { symlinkat(target, dir.fd, p) } }
        var child = try child(of: dir.fd, name)
        try settle(&child, attrs: args.attrs, mode: 0o777, parent: dir.stat, request: request)
        setResult(request, child)
        directoryAttributes(request, dir)
    }

    func readlink(_ request: VFSRequest) throws(PosixError) {
        let object = try object(request)
        guard PosixAttributes.isSymlink(object.stat) else { throw .invalid }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX))
        let n = try PosixCall.libc { readlinkat(object.fd, "", &buffer, buffer.count) }
        let args = request.raw.pointee.readlink
        guard n <= Int(args.buf_len) else { throw .range }
        if n > 0 {
            guard let out = args.buf else { throw .invalid }
            for i in 0..<n { out[i] = buffer[i] }
        }
        request.raw.pointee.readlink.r_length = UInt32(n)
    }

    /// LINK: the object gets a new name in args.link.dir_fh.
    func link(_ request: VFSRequest) throws(PosixError) {
        var object = try object(request)
        let args = request.raw.pointee.link
        let dir = try directory(args.dir_fh, args.dir_fh_len)
        let name = try PosixName(args.name, args.name_len)
        if PosixAttributes.isDirectory(object.stat) { throw PosixError(.isDirectory) }
        try linkDescriptor(object.fd, into: dir.fd, name)
        object.stat = try PosixCall.stat(object.fd)
        codec.linked(object.fd, stat: object.stat, into: dir.fd, name.string)
        PosixAttributes.fill(&request.raw.pointee.r_attrs, from: object.stat)
        directoryAttributes(request, dir)
    }

    /// linkat(fd, "", dir, name, AT_EMPTY_PATH); through /proc when the
    /// kernel wants CAP_DAC_READ_SEARCH for the empty path and we lack it.
    func linkDescriptor(_ fd: Int32, into dir: Int32, _ name: PosixName) throws(PosixError) {
        do {
            _ = try name.withCString { p throws(PosixError) in
                try PosixCall.libc { linkat(fd, "", dir, p, clinux_AT_EMPTY_PATH) }
            }
        } catch where error.status == .noEntry || error.status == .permission {
            var proc = ProcPath(fd)
            _ = try proc.withCString { source throws(PosixError) in
                try name.withCString { p throws(PosixError) in
                    try PosixCall.libc { linkat(AT_FDCWD, source, dir, p, clinux_AT_SYMLINK_FOLLOW) }
                }
            }
        }
    }

    func remove(_ request: VFSRequest) throws(PosixError) {
        let dir = try directory(request)
        let args = request.raw.pointee.remove
        let name = try PosixName(args.name, args.name_len)
        // The victim first: its type decides rmdir or unlink, its handle
        // leaves the cache (and goes back to the core).
        let victim = try name.withCString { p throws(PosixError) in try PosixCall.stat(dir.fd, p) }
        let isDirectory = PosixAttributes.isDirectory(victim)
        if args.flags & UInt32(CHIMERA_VFS_REMOVE_DIR) != 0 && !isDirectory { throw PosixError(.notDirectory) }
        if args.flags & UInt32(CHIMERA_VFS_REMOVE_NOT_DIR) != 0 && isDirectory { throw PosixError(.isDirectory) }
        let victimHandle = try? child(of: dir.fd, name).handle
        _ = try name.withCString { p throws(PosixError) in
            try PosixCall.libc { unlinkat(dir.fd, p, isDirectory ? clinux_AT_REMOVEDIR : 0) }
        }
        if let victimHandle {
            cache.remove(victimHandle)
            victimHandle.withBytes { request.setResultHandle($0) }
        }
        directoryAttributes(request, dir)
    }

    func rename(_ request: VFSRequest) throws(PosixError) {
        let args = request.raw.pointee.rename
        let from = try directory(request)
        let to = try directory(args.new_dir_fh, args.new_dir_fh_len)
        let oldName = try PosixName(args.name, args.name_len)
        let newName = try PosixName(args.new_name, args.new_name_len)
        var flags: UInt32 = 0
        if args.flags & UInt32(CHIMERA_VFS_RENAME_NOREPLACE) != 0 { flags |= UInt32(clinux_RENAME_NOREPLACE) }
        // A replaced target's descriptor must leave the cache.
        let replaced = flags == 0 ? try? child(of: to.fd, newName).handle : nil
        _ = try oldName.withCString { o throws(PosixError) in
            try newName.withCString { n throws(PosixError) in
                try PosixCall.shim { clinux_renameat2(from.fd, o, to.fd, n, flags) }
            }
        }
        if let replaced { cache.remove(replaced) }
        codec.renamed(from: from.fd, oldName.string, to: to.fd, newName.string)
        directoryAttributes(request, from)
        directoryAttributes(request, to, pre: \.rename.r_new_dir_pre_attrs, post: \.rename.r_new_dir_post_attrs)
    }
}
