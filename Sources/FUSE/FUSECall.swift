/// A VFS operation the session asks its engine to run, with nodeids and fhs already resolved to VFS handles and
/// VFS open handles. The engine answers with one of the session's completion calls (or a FUSEReply of its own).
public enum FUSECall: Equatable, Sendable {
    case lookup(parent: FUSEHandle, name: FUSEBytes)
    case getattr(FUSEHandle)
    /// `open` is the VFS open from FATTR_FH, or 0.
    case setattr(FUSEHandle, FUSESetattrIn, open: UInt64)
    case readlink(FUSEHandle)
    case symlink(parent: FUSEHandle, name: FUSEBytes, target: FUSEBytes)
    case mknod(parent: FUSEHandle, name: FUSEBytes, mode: UInt32, rdev: UInt32)
    case mkdir(parent: FUSEHandle, name: FUSEBytes, mode: UInt32)
    case remove(parent: FUSEHandle, name: FUSEBytes, directory: Bool)
    case rename(parent: FUSEHandle, name: FUSEBytes, newParent: FUSEHandle, newName: FUSEBytes, noReplace: Bool)
    case link(FUSEHandle, newParent: FUSEHandle, name: FUSEBytes)
    /// open(2) flags; the engine calls `opened` with the VFS open.
    case open(FUSEHandle, nodeid: UInt64, flags: UInt32)
    /// open(2) flags and the (already umasked) mode; the engine calls `created`.
    case create(parent: FUSEHandle, name: FUSEBytes, flags: UInt32, mode: UInt32)
    case read(FUSEHandle, open: UInt64, offset: UInt64, size: UInt32)
    case write(FUSEHandle, open: UInt64, offset: UInt64, data: FUSEBytes)
    case statfs(FUSEHandle)
    /// RELEASE: close the VFS open, then answer empty.
    case close(FUSEHandle, open: UInt64)
    /// FSYNC: make the file's writes durable.
    case commit(FUSEHandle, open: UInt64)
    /// READDIR / READDIRPLUS from `cookie` (0: the start); the engine calls `listed` with the new verifier.
    case readdir(FUSEHandle, fh: UInt64, cookie: UInt64, verifier: UInt64, size: UInt32, plus: Bool)
    case getxattr(FUSEHandle, name: FUSEBytes, size: UInt32)
    case setxattr(FUSEHandle, name: FUSEBytes, value: FUSEBytes, flags: UInt32)
    case listxattr(FUSEHandle, size: UInt32)
    case removexattr(FUSEHandle, name: FUSEBytes)
    /// ACCESS with R_OK / W_OK / X_OK bits (never 0: F_OK is answered by the session).
    case access(FUSEHandle, mask: UInt32)
    /// FALLOCATE: reserve (keepSize: without growing the file).
    case allocate(FUSEHandle, open: UInt64, offset: UInt64, length: UInt64, keepSize: Bool)
    /// FALLOCATE with FALLOC_FL_PUNCH_HOLE.
    case deallocate(FUSEHandle, open: UInt64, offset: UInt64, length: UInt64)
    /// LSEEK: the next data (hole false) or hole at or after offset.
    case seek(FUSEHandle, open: UInt64, offset: UInt64, hole: Bool)
    /// COPY_FILE_RANGE inside the VFS.
    /// GETLK: the first lock that conflicts with `write` over the range, for `owner`.
    case testLock(FUSEHandle, owner: UInt64, write: Bool, offset: UInt64, length: UInt64)
    /// SETLK / SETLKW (wait: the VFS holds the request until granted).
    case lock(FUSEHandle, owner: UInt64, write: Bool, offset: UInt64, length: UInt64, wait: Bool)
    /// SETLK F_UNLCK.
    case unlock(FUSEHandle, owner: UInt64, offset: UInt64, length: UInt64)
    /// INTERRUPT of a waiting SETLKW: the core completes that lock with CANCELED (answered EINTR); the INTERRUPT
    /// itself gets no answer.
    case cancelLock(FUSEHandle, owner: UInt64, write: Bool, offset: UInt64, length: UInt64)
    /// FLUSH: close(2) drops the owner's POSIX locks on the file; answered empty whatever the VFS says.
    case releaseLocks(FUSEHandle, owner: UInt64)
    case copy(FUSEHandle, open: UInt64, offset: UInt64, to: FUSEHandle, toOpen: UInt64, toOffset: UInt64, length: UInt64)
}

/// What the session tells its transport to do with one request.
public enum FUSESessionAction: Equatable, Sendable {
    /// Answer at once.
    case reply(FUSEReply)
    /// Answer nothing (FORGET, BATCH_FORGET).
    case none
    /// Run a VFS call, then answer.
    case call(FUSECall)
    /// DESTROY: answer, then stop reading the device.
    case end(FUSEReply)
}
