import CChimera
import ChimeraPluginKit
import PosixVFS

/// The `linux` storage module: a directory of the host file system, served
/// with blocking POSIX calls on the host's delegation pool.
///
/// Everything it does is ``PosixFileSystem``'s; this type is only the
/// module's face: its descriptor (every op blocking) and the entry point.
public final class LinuxVFS: VFSModule {
    public final class ThreadState {}

    public static var descriptor: VFSModuleDescriptor {
        VFSModuleDescriptor(
            name: "linux",
            description: "a host directory through POSIX calls (name_to_handle_at handles, confined to the root)",
            capabilities: PosixFileSystem.capabilities,
            blockingOps: CHIMERA_VFS_ALL_OPS,
            attributesSupported: PosixFileSystem.attributesSupported
        )
    }

    let fileSystem: PosixFileSystem
    let thread = ThreadState()

    public init(host: PluginHost, config: String) throws(PluginError) {
        fileSystem = try PosixFileSystem(host: host, config: config)
    }

    public func threadStarted(index: UInt32) -> ThreadState { thread }

    public func dispatch(_ request: VFSRequest, thread: ThreadState) {
        fileSystem.perform(request)
    }

    public func shutdown() {
        fileSystem.shutdown()
    }
}

@c public func chimera_vfs_module_v1() -> UnsafePointer<chimera_vfs_module> {
    VFSModuleExport.entry(LinuxVFS.self)
}
