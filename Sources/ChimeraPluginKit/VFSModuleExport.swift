import CChimera
import Synchronization

/// Builds the `chimera_vfs_module` struct for a Swift ``VFSModule`` and the
/// C thunks behind it.
///
/// Each plugin links its own copy of this kit, so the one registration per
/// process image below is the plugin's own.
public enum VFSModuleExport {
    /// The value of the plugin's `chimera_vfs_module_v1()` entry point. The
    /// same pointer on every call; it lives as long as the process.
    public static func entry<M: VFSModule>(_ type: M.Type) -> UnsafePointer<chimera_vfs_module> {
        registration.withLock { state in
            if let existing = state { return existing.pointer }
            let made = Registration(
                pointer: makeStruct(M.descriptor),
                factory: { host, config throws(PluginError) in ModuleBox(try M(host: host, config: config)) }
            )
            state = made
            return made.pointer
        }
    }

    struct Registration: @unchecked Sendable {
        let pointer: UnsafePointer<chimera_vfs_module>
        let factory: (PluginHost, String) throws(PluginError) -> ModuleBox
    }

    static let registration = Mutex<Registration?>(nil)

    static func makeStruct(_ d: VFSModuleDescriptor) -> UnsafePointer<chimera_vfs_module> {
        let pointer = UnsafeMutablePointer<chimera_vfs_module>.allocate(capacity: 1)
        pointer.initialize(
            to: chimera_vfs_module(
                abi_major: UInt32(CHIMERA_VFS_ABI_MAJOR),
                abi_minor: UInt32(CHIMERA_VFS_ABI_MINOR),
                struct_size: UInt32(MemoryLayout<chimera_vfs_module>.size),
                reserved: 0,
                name: leakedCString(d.name),
                description: leakedCString(d.description),
                capabilities: d.capabilities,
                blocking_ops: d.blockingOps,
                attr_supported: d.attributesSupported.rawValue,
                init: { host, config, modulePrivate, errorBuffer, errorLength in
                    guard let host, let modulePrivate else { return -1 }
                    guard let factory = VFSModuleExport.registration.withLock({ $0?.factory }) else { return -1 }
                    let text = config.map { String(cString: $0) } ?? "{}"
                    do {
                        let box = try factory(PluginHost(host), text)
                        modulePrivate.pointee = Unmanaged.passRetained(box).toOpaque()
                        return 0
                    } catch let error as PluginError {
                        error.write(to: errorBuffer, capacity: errorLength)
                        return -1
                    } catch {
                        PluginError("\(error)").write(to: errorBuffer, capacity: errorLength)
                        return -1
                    }
                },
                shutdown: { modulePrivate in
                    guard let modulePrivate else { return }
                    let box = Unmanaged<ModuleBox>.fromOpaque(modulePrivate).takeRetainedValue()
                    box.shutdown()
                },
                thread_init: { modulePrivate, index in
                    guard let modulePrivate else { return nil }
                    let box = Unmanaged<ModuleBox>.fromOpaque(modulePrivate).takeUnretainedValue()
                    return Unmanaged.passRetained(box.threadStarted(index)).toOpaque()
                },
                thread_shutdown: { threadPrivate in
                    guard let threadPrivate else { return }
                    Unmanaged<ThreadBox>.fromOpaque(threadPrivate).takeRetainedValue().stop()
                },
                dispatch: { threadPrivate, request in
                    guard let request else { return }
                    guard let threadPrivate else {
                        // Dispatched on a thread the module was not started
                        // on (or was stopped on): answer, never drop it.
                        VFSRequest(request).complete(.io)
                        return
                    }
                    Unmanaged<ThreadBox>.fromOpaque(threadPrivate).takeUnretainedValue().dispatch(VFSRequest(request))
                }
            )
        )
        return UnsafePointer(pointer)
    }
}

/// The module instance behind `module_private`, with its type erased.
final class ModuleBox {
    let threadStarted: (UInt32) -> ThreadBox
    let shutdown: () -> Void

    init<M: VFSModule>(_ module: M) {
        threadStarted = { index in
            let state = module.threadStarted(index: index)
            return ThreadBox(
                dispatch: { request in module.dispatch(request, thread: state) },
                stop: { module.threadStopped(state) }
            )
        }
        shutdown = { module.shutdown() }
    }
}

/// One thread's state behind `thread_private`.
final class ThreadBox {
    let dispatch: (VFSRequest) -> Void
    let stop: () -> Void

    init(dispatch: @escaping (VFSRequest) -> Void, stop: @escaping () -> Void) {
        self.dispatch = dispatch
        self.stop = stop
    }
}

/// A C string that lives as long as the process (module names and
/// descriptions in the exported struct).
func leakedCString(_ s: String) -> UnsafePointer<CChar> {
    let c = s.utf8CString
    let p = UnsafeMutablePointer<CChar>.allocate(capacity: c.count)
    c.withUnsafeBufferPointer { p.initialize(from: $0.baseAddress!, count: c.count) }
    return UnsafePointer(p)
}
