import CChimera
import ChimeraPluginKit
import PosixVFS

/// The `io_uring` storage module: the same host directory, handles and
/// semantics as `linux` (``PosixFileSystem``), with GETATTR (statx), READ,
/// WRITE (writev, then fsync/fdatasync when stable), COMMIT, ALLOCATE and
/// DEALLOCATE (fallocate), CLOSE, REMOVE (unlinkat), RENAME (renameat2)
/// and LINK (linkat) submitted through one io_uring per event loop instead
/// of blocking a pool thread.
///
/// Those ops run inline on the loop: they only prepare SQEs and submit;
/// completions come back through an eventfd the host watches on the same
/// loop (``RingThread``). When an op cannot be submitted without a blocking
/// call — the handle's descriptor is not cached, a stateless READ has no
/// open handle, inode handles need their path table kept, the ring is full
/// — it goes to the delegation pool and runs the blocking code, as every
/// other op does. Those are in `blockingOps` because their results need
/// calls io_uring cannot make: LOOKUP, MKDIR, MKNOD, SYMLINK, OPEN_AT and
/// CREATE_UNLINKED return a handle (name_to_handle_at), OPEN and SETATTR
/// reopen or chmod/chown/utimensat by path, READDIR is getdents64, and
/// xattrs, FSSTAT, SEEK and COPY have no io_uring op in liburing 2.3.
public final class IOUringVFS: VFSModule {
    static let asyncOps: [VFSOp] = [
        .getattr, .read, .write, .commit, .allocate, .deallocate, .close, .remove, .rename, .link,
    ]

    public static var descriptor: VFSModuleDescriptor {
        var blocking = CHIMERA_VFS_ALL_OPS
        for op in asyncOps { blocking &= ~op.bit }
        return VFSModuleDescriptor(
            name: "io_uring",
            description: "a host directory with data I/O through io_uring (same handles as linux)",
            capabilities: PosixFileSystem.capabilities,
            blockingOps: blocking,
            attributesSupported: PosixFileSystem.attributesSupported
        )
    }

    let host: PluginHost
    let fileSystem: PosixFileSystem

    public init(host: PluginHost, config: String) throws(PluginError) {
        self.host = host
        fileSystem = try PosixFileSystem(host: host, config: config)
    }

    public func threadStarted(index: UInt32) -> RingThread {
        RingThread(index: index, isLoop: index < host.loopThreads, fileSystem: fileSystem, host: host)
    }

    public func threadStopped(_ thread: RingThread) {
        thread.stop()
    }

    public func dispatch(_ request: VFSRequest, thread: RingThread) {
        guard Self.asyncOps.contains(request.op) else {
            // Blocking ops arrive on the pool.
            fileSystem.perform(request)
            return
        }
        thread.start(request)
    }

    public func shutdown() {
        fileSystem.shutdown()
    }
}

@c public func chimera_vfs_module_v1() -> UnsafePointer<chimera_vfs_module> {
    VFSModuleExport.entry(IOUringVFS.self)
}
