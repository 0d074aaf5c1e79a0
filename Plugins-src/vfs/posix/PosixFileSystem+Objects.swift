import CChimera
import ChimeraPluginKit
import CLinuxShims
import Glibc

/// An object an op works on: its O_PATH descriptor, its attributes when it
/// was resolved (the op's pre-op attributes), its handle.
struct PosixObject {
    let descriptor: PathDescriptor
    var stat: statx
    let handle: PosixHandle

    var fd: Int32 { descriptor.fd }
}

extension PosixFileSystem {
    // MARK: Resolving handles

    /// The object a request's handle (or any handle argument) names.
    func object(_ bytes: UnsafeRawBufferPointer) throws(PosixError) -> PosixObject {
        guard let handle = PosixHandle(bytes) else { throw .badHandle }
        return try object(handle)
    }

    func object(_ request: VFSRequest) throws(PosixError) -> PosixObject {
        try object(RequestBytes.handle(request))
    }

    func object(_ pointer: UnsafePointer<UInt8>?, _ length: UInt32) throws(PosixError) -> PosixObject {
        try object(RequestBytes.of(pointer, length))
    }

    func object(_ handle: PosixHandle) throws(PosixError) -> PosixObject {
        if let cached = cachedObject(handle) { return cached }
        let descriptor = PathDescriptor(try codec.open(handle))
        let st = try PosixCall.stat(descriptor.fd)
        if PosixAttributes.isDirectory(st) {
            // A removed directory is gone for good; one moved out of the
            // root by the host's admin is no longer served.
            guard st.stx_nlink > 0, codec.relativePath(of: descriptor.fd) != nil else { throw .stale }
        }
        // A file with no links may still be open (CREATE_UNLINKED, another
        // process): the kernel found it, so it is served, but not cached.
        if st.stx_nlink > 0 {
            cache.insert(handle, descriptor, inode: st.stx_ino)
        }
        return PosixObject(descriptor: descriptor, stat: st, handle: handle)
    }

    /// The cached object for a handle, if its descriptor still names a
    /// linked object. A cached descriptor was put there for exactly these
    /// bytes after they were issued or verified: no MAC check is needed.
    /// One whose object was removed leaves the cache, and is released
    /// before the caller asks the kernel afresh (so it no longer pins the
    /// inode).
    private func cachedObject(_ handle: PosixHandle) -> PosixObject? {
        guard let cached = cache.lookup(handle) else { return nil }
        if let st = try? PosixCall.stat(cached.fd), st.stx_nlink > 0 {
            return PosixObject(descriptor: cached, stat: st, handle: handle)
        }
        cache.remove(handle)
        return nil
    }

    /// The entry `name` of directory `directory`, never following a symlink;
    /// its handle is issued and its descriptor cached.
    func child(of directory: Int32, _ name: PosixName) throws(PosixError) -> PosixObject {
        let fd = try name.withCString { path throws(PosixError) in
            try PosixCall.openAt(directory, path, clinux_O_PATH | clinux_O_NOFOLLOW)
        }
        return try adopt(fd)
    }

    /// Make an object of a fresh O_PATH fd (taking ownership of it).
    func adopt(_ fd: Int32) throws(PosixError) -> PosixObject {
        let descriptor = PathDescriptor(fd)
        let st = try PosixCall.stat(fd)
        let handle = try codec.handle(for: fd, stat: st)
        if st.stx_nlink > 0 {
            cache.insert(handle, descriptor, inode: st.stx_ino)
        }
        return PosixObject(descriptor: descriptor, stat: st, handle: handle)
    }

    /// The directory a request's op acts on, checked to be one.
    func directory(_ request: VFSRequest) throws(PosixError) -> PosixObject {
        let dir = try object(request)
        guard PosixAttributes.isDirectory(dir.stat) else { throw PosixError(.notDirectory) }
        return dir
    }

    func directory(_ pointer: UnsafePointer<UInt8>?, _ length: UInt32) throws(PosixError) -> PosixObject {
        let dir = try object(pointer, length)
        guard PosixAttributes.isDirectory(dir.stat) else { throw PosixError(.notDirectory) }
        return dir
    }

    // MARK: Results

    func setResult(_ request: VFSRequest, _ object: PosixObject) {
        object.handle.withBytes { request.setResultHandle($0) }
        PosixAttributes.fill(&request.raw.pointee.r_attrs, from: object.stat)
    }

    /// Weak cache consistency of a directory an op changed: `before` is
    /// the stat from resolving it; the post-op attributes are read now.
    func directoryAttributes(
        _ request: VFSRequest, _ dir: PosixObject,
        pre: WritableKeyPath<chimera_vfs_request, chimera_attrs> = \.r_dir_pre_attrs,
        post: WritableKeyPath<chimera_vfs_request, chimera_attrs> = \.r_dir_post_attrs
    ) {
        PosixAttributes.fill(&request.raw.pointee[keyPath: pre], from: dir.stat)
        if request.raw.pointee[keyPath: post].req_mask != 0, let st = try? PosixCall.stat(dir.fd) {
            PosixAttributes.fill(&request.raw.pointee[keyPath: post], from: st)
        }
    }

    // MARK: New objects

    /// Give a just-created object the owner and mode it was asked for.
    ///
    /// The server runs as root, so the kernel made the object root's: the
    /// owner becomes attrs.uid/gid when given, else the caller's (the gid
    /// of a set-group-ID directory is kept, as the kernel would have). The
    /// umask and set-group-ID inheritance may have changed the mode: it is
    /// set again when it differs. Times and a size in `attrs` are applied.
    func settle(
        _ object: inout PosixObject, attrs: chimera_attrs, mode: UInt32, parent: statx, request: VFSRequest
    ) throws(PosixError) {
        let cred = request.credential
        let valid = attrs.valid
        let parentSetGID = UInt32(parent.stx_mode) & UInt32(S_ISGID) != 0
        let uid = valid.contains(.uid) ? attrs.uid : cred.uid
        let gid = valid.contains(.gid) ? attrs.gid : (parentSetGID ? parent.stx_gid : cred.gid)
        var changed = false
        if uid != object.stat.stx_uid || gid != object.stat.stx_gid {
            _ = try PosixCall.shim { clinux_fchown_path_fd(object.fd, uid, gid) }
            changed = true
        }
        if !PosixAttributes.isSymlink(object.stat) {
            var wanted = mode & 0o7777
            if parentSetGID && PosixAttributes.isDirectory(object.stat) { wanted |= UInt32(S_ISGID) }
            // chown cleared set-ID bits, or the umask narrowed the mode.
            if changed || UInt32(object.stat.stx_mode) & 0o7777 != wanted {
                _ = try PosixCall.shim { clinux_fchmod_path_fd(object.fd, wanted) }
                changed = true
            }
        }
        if valid.contains(.size), PosixAttributes.isRegular(object.stat), attrs.size != object.stat.stx_size {
            try truncate(object.fd, to: attrs.size)
            changed = true
        }
        if !valid.intersection([.atime, .mtime, .atimeNow, .mtimeNow]).isEmpty {
            try setTimes(object.fd, attrs)
            changed = true
        }
        if changed {
            object.stat = try PosixCall.stat(object.fd)
        }
    }

    /// The mode bits a create asked for (`attrs.mode` when valid).
    static func requestedMode(_ attrs: chimera_attrs, default fallback: UInt32) -> UInt32 {
        attrs.valid.contains(.mode) ? attrs.mode & 0o7777 : fallback
    }

    func truncate(_ pathFD: Int32, to size: UInt64) throws(PosixError) {
        guard size <= UInt64(Int64.max) else { throw PosixError(.fileTooBig) }
        var path = ProcPath(pathFD)
        _ = try path.withCString { p throws(PosixError) in try PosixCall.libc { Glibc.truncate(p, off_t(size)) } }
    }

    func setTimes(_ pathFD: Int32, _ attrs: chimera_attrs) throws(PosixError) {
        let valid = attrs.valid
        func pick(_ value: chimera_timespec, set: Bool, now: Bool) throws(PosixError) -> (Int64, Int64) {
            if now { return (0, -1) }
            if set {
                guard value.nsec < 1_000_000_000 else { throw .invalid }
                return (value.sec, Int64(value.nsec))
            }
            return (0, -2)
        }
        let a = try pick(attrs.atime, set: valid.contains(.atime), now: valid.contains(.atimeNow))
        let m = try pick(attrs.mtime, set: valid.contains(.mtime), now: valid.contains(.mtimeNow))
        _ = try PosixCall.shim { clinux_utimens_path_fd(pathFD, a.0, a.1, m.0, m.1) }
    }
}
