import CChimera
import ChimeraPluginKit
import CLinuxShims
import Glibc

extension PosixFileSystem {
    /// open(2) access flags for CHIMERA_VFS_OPEN_* flags.
    static func accessFlags(_ flags: UInt32) -> Int32 {
        let read = flags & UInt32(CHIMERA_VFS_OPEN_READ) != 0
        let write = flags & UInt32(CHIMERA_VFS_OPEN_WRITE) != 0
        var out: Int32 = read && write ? O_RDWR : (write ? O_WRONLY : O_RDONLY)
        if flags & UInt32(CHIMERA_VFS_OPEN_APPEND) != 0 && write { out |= O_APPEND }
        return out
    }

    static func wantsOpenHandle(_ flags: UInt32) -> Bool {
        flags & UInt32(CHIMERA_VFS_OPEN_NONE) == 0
            && flags & UInt32(CHIMERA_VFS_OPEN_READ | CHIMERA_VFS_OPEN_WRITE) != 0
    }

    /// A real fd for an object with `flags` access. Only regular files (and
    /// directories, read-only) are opened: never a FIFO, socket or device.
    func openForIO(_ object: PosixObject, _ flags: UInt32) throws(PosixError) -> Int32 {
        let write = flags & UInt32(CHIMERA_VFS_OPEN_WRITE) != 0
        var access = Self.accessFlags(flags)
        if PosixAttributes.isDirectory(object.stat) {
            guard !write else { throw PosixError(.isDirectory) }
            access |= clinux_O_DIRECTORY
        } else if flags & UInt32(CHIMERA_VFS_OPEN_DIRECTORY) != 0 {
            throw PosixError(.notDirectory)
        } else if PosixAttributes.isSymlink(object.stat) {
            throw PosixError(.loop)
        } else if !PosixAttributes.isRegular(object.stat) {
            throw .invalid
        } else if flags & UInt32(CHIMERA_VFS_OPEN_TRUNCATE) != 0 {
            guard write else { throw .invalid }
            access |= O_TRUNC
        }
        return try Self.avoidZero(try PosixCall.reopen(object.fd, access))
    }

    /// Open handle 0 means "none": never hand out fd 0.
    static func avoidZero(_ fd: Int32) throws(PosixError) -> Int32 {
        guard fd == 0 else { return fd }
        defer { PosixCall.close(0) }
        return try PosixCall.libc { fcntl(0, F_DUPFD_CLOEXEC, 3) }
    }

    func open(_ request: VFSRequest) throws(PosixError) {
        var object = try object(request)
        let flags = request.raw.pointee.open.flags
        let fd = try openForIO(object, flags)
        request.raw.pointee.open.r_open_handle = openFiles.register(fd)
        if flags & UInt32(CHIMERA_VFS_OPEN_TRUNCATE) != 0, let st = try? PosixCall.stat(fd) {
            object.stat = st
        }
        PosixAttributes.fill(&request.raw.pointee.r_attrs, from: object.stat)
    }

    /// OPEN_AT: look up, create (exclusive, with an NFSv3 verifier) and open
    /// in one step. O_CREAT always goes with O_EXCL and O_NOFOLLOW, so a
    /// dangling symlink is never followed to create a file elsewhere; a lost
    /// race (created by someone else in between) is retried, bounded.
    func openAt(_ request: VFSRequest) throws(PosixError) {
        let dir = try directory(request)
        let args = request.raw.pointee.open_at
        let name = try PosixName(args.name, args.name_len)
        let flags = args.flags
        let create = flags & UInt32(CHIMERA_VFS_OPEN_CREATE) != 0
        // OPEN_VERIFIER implies EXCLUSIVE (chimera_vfs.h).
        let exclusive = flags & UInt32(CHIMERA_VFS_OPEN_EXCLUSIVE | CHIMERA_VFS_OPEN_VERIFIER) != 0
        let verifier = flags & UInt32(CHIMERA_VFS_OPEN_VERIFIER) != 0 ? Verifier(args.verifier) : nil
        let wantsHandle = Self.wantsOpenHandle(flags)

        for _ in 0..<8 {
            // An existing entry?
            var existing: PosixObject?
            do {
                existing = try child(of: dir.fd, name)
            } catch where error.status == .noEntry {
                existing = nil
            }
            if var object = existing {
                var retried = false
                if exclusive {
                    guard let verifier, verifier.matches(object.stat) else { throw PosixError(.exists) }
                    retried = true
                }
                if flags & UInt32(CHIMERA_VFS_OPEN_DIRECTORY) != 0 && !PosixAttributes.isDirectory(object.stat) {
                    throw PosixError(.notDirectory)
                }
                var openFlags = flags
                if retried { openFlags &= ~UInt32(CHIMERA_VFS_OPEN_TRUNCATE) }
                if wantsHandle || openFlags & UInt32(CHIMERA_VFS_OPEN_TRUNCATE) != 0 {
                    // Truncating without asking for a handle (OPEN_NONE)
                    // still needs a writable open to truncate through.
                    if !wantsHandle { openFlags |= UInt32(CHIMERA_VFS_OPEN_WRITE) }
                    let fd = try openForIO(object, openFlags)
                    if wantsHandle {
                        request.raw.pointee.open_at.r_open_handle = openFiles.register(fd)
                    } else {
                        PosixCall.close(fd)
                    }
                    if let st = try? PosixCall.stat(object.fd) { object.stat = st }
                }
                request.raw.pointee.open_at.r_created = retried ? 1 : 0
                setResult(request, object)
                directoryAttributes(request, dir)
                return
            }
            guard create else { throw PosixError(.noEntry) }
            if flags & UInt32(CHIMERA_VFS_OPEN_DIRECTORY) != 0 { throw .invalid }

            let mode = Self.requestedMode(args.attrs, default: 0o644)
            let access = wantsHandle ? Self.accessFlags(flags) : O_RDONLY
            let fd: Int32
            do {
                fd = try name.withCString { p throws(PosixError) in
                    try PosixCall.openAt(dir.fd, p, access | O_CREAT | O_EXCL | clinux_O_NOFOLLOW, mode_t(mode))
                }
            } catch where error.status == .exists {
                continue
            }
            var keep = false
            defer { if !keep { PosixCall.close(fd) } }
            var object = try adopt(try PosixCall.reopen(fd, clinux_O_PATH))
            var attrs = args.attrs
            if let verifier {
                // RFC 1813 3.3.8: the verifier lives in atime/mtime until the
                // client's SETATTR replaces them (knfsd does the same).
                attrs.valid.subtract([.atime, .mtime, .atimeNow, .mtimeNow])
                _ = try PosixCall.shim {
                    clinux_utimens_path_fd(object.fd, Int64(verifier.atime), 0, Int64(verifier.mtime), 0)
                }
            }
            try settle(&object, attrs: attrs, mode: mode, parent: dir.stat, request: request)
            if wantsHandle {
                request.raw.pointee.open_at.r_open_handle = openFiles.register(try Self.avoidZero(fd))
                keep = true
            }
            request.raw.pointee.open_at.r_created = 1
            setResult(request, object)
            directoryAttributes(request, dir)
            return
        }
        throw PosixError(.delay)
    }

    /// CREATE_UNLINKED: an O_TMPFILE in the directory, open read-write.
    func createUnlinked(_ request: VFSRequest) throws(PosixError) {
        let dir = try directory(request)
        let attrs = request.raw.pointee.create_unlinked.attrs
        let mode = Self.requestedMode(attrs, default: 0o644)
        let fd = try Self.avoidZero(try PosixCall.openAt(dir.fd, ".", clinux_O_TMPFILE | O_RDWR, mode_t(mode)))
        var keep = false
        defer { if !keep { PosixCall.close(fd) } }
        let st = try PosixCall.stat(fd)
        let handle = try codec.handle(for: fd, stat: st)
        var object = PosixObject(descriptor: PathDescriptor(try PosixCall.reopen(fd, clinux_O_PATH)), stat: st,
                                 handle: handle)
        try settle(&object, attrs: attrs, mode: mode, parent: dir.stat, request: request)
        request.raw.pointee.create_unlinked.r_open_handle = openFiles.register(fd)
        keep = true
        setResult(request, object)
    }

    /// LINK_AT: name the anonymous file. With LINK_REPLACE the name is
    /// replaced atomically: link to a hidden temporary name, then rename
    /// over the target; the temporary name is removed if the rename fails.
    func linkAt(_ request: VFSRequest) throws(PosixError) {
        let fd = try openFiles.descriptor(request.openHandle)
        let args = request.raw.pointee.link_at
        let dir = try directory(args.dir_fh, args.dir_fh_len)
        let name = try PosixName(args.name, args.name_len)
        if args.flags & UInt32(CHIMERA_VFS_LINK_REPLACE) != 0 {
            let replaced = try? child(of: dir.fd, name).handle
            var random: UInt64 = 0
            _ = withUnsafeMutableBytes(of: &random) { clinux_random($0.baseAddress, $0.count) }
            let temporary = try PosixName.make(".chimera-link-\(String(random, radix: 16))")
            try linkDescriptor(fd, into: dir.fd, temporary)
            do {
                _ = try temporary.withCString { t throws(PosixError) in
                    try name.withCString { n throws(PosixError) in
                        try PosixCall.shim { clinux_renameat2(dir.fd, t, dir.fd, n, 0) }
                    }
                }
            } catch {
                _ = temporary.withCString { t in unlinkat(dir.fd, t, 0) }
                throw error
            }
            if let replaced { cache.remove(replaced) }
        } else {
            try linkDescriptor(fd, into: dir.fd, name)
        }
        let st = try PosixCall.stat(fd)
        codec.linked(fd, stat: st, into: dir.fd, name.string)
        PosixAttributes.fill(&request.raw.pointee.r_attrs, from: st)
        directoryAttributes(request, dir)
    }

    func close(_ request: VFSRequest) throws(PosixError) {
        let fd = try openFiles.unregister(request.openHandle)
        PosixCall.close(fd)
    }
}

/// An NFSv3 exclusive-create verifier, stored as atime.sec / mtime.sec.
struct Verifier {
    let atime: UInt32
    let mtime: UInt32

    init(_ bytes: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8)) {
        atime = UInt32(bytes.0) | UInt32(bytes.1) << 8 | UInt32(bytes.2) << 16 | UInt32(bytes.3) << 24
        mtime = UInt32(bytes.4) | UInt32(bytes.5) << 8 | UInt32(bytes.6) << 16 | UInt32(bytes.7) << 24
    }

    func matches(_ st: statx) -> Bool {
        PosixAttributes.isRegular(st) && st.stx_atime.tv_sec == Int64(atime) && st.stx_mtime.tv_sec == Int64(mtime)
    }
}
