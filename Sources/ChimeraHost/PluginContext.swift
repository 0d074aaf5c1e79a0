import CChimera
import ChimeraVFS
import Logging
import NIOCore

/// What the host knows about one loaded plugin, behind its
/// `chimera_host.host_private`. The server that loaded the plugin keeps it
/// until the plugin has shut down (the shared object itself is never
/// unloaded).
final class PluginContext: @unchecked Sendable {
    let runtime: HostRuntime
    let name: String
    let logger: Logger
    /// The `chimera_host` handed to the plugin.
    let host: UnsafeMutablePointer<chimera_host>
    /// Set for VFS modules once initialised (for upcalls).
    var module: VFSModuleInstance?
    /// Set for front-ends (for listen).
    var protocolInstance: ProtocolInstance?
    /// listen() is valid only while the plugin's init runs.
    var initializing = false

    init(runtime: HostRuntime, name: String, isFrontEnd: Bool) {
        self.runtime = runtime
        self.name = name
        var logger = runtime.logger
        logger[metadataKey: "plugin"] = "\(name)"
        self.logger = logger
        self.host = .allocate(capacity: 1)
        host.initialize(to: HostThunks.template)
        host.pointee.plugin_name = HostThunks.leak(name)
        host.pointee.version = HostThunks.leak(ChimeraVersion.string)
        host.pointee.loop_threads = UInt32(runtime.loopCount)
        host.pointee.delegation_threads = UInt32(runtime.delegationCount)
        host.pointee.vfs = isFrontEnd ? UnsafePointer(HostThunks.vfsAPI) : nil
        host.pointee.host_private = Unmanaged.passUnretained(self).toOpaque()
    }

    deinit {
        host.deallocate()
    }

    static func from(_ host: UnsafePointer<chimera_host>?) -> PluginContext? {
        guard let raw = host?.pointee.host_private else { return nil }
        return Unmanaged<PluginContext>.fromOpaque(raw).takeUnretainedValue()
    }
}

/// What a front-end asked to listen on during its init.
struct ListenerRequest: @unchecked Sendable {
    let instance: ProtocolInstance
    let name: String
    let framing: Int32
    let bindAddress: String?
    let port: Int
    let maxMessage: Int
    let listenerArg: UnsafeMutableRawPointer?
}

/// The host services every plugin shares: threads, the VFS core, the
/// listeners front-ends asked for.
final class HostRuntime: @unchecked Sendable {
    let logger: Logger
    let executor: HostExecutor?
    let loopCount: Int
    let delegationCount: Int
    var core: VFSCore?
    var listenerRequests: [ListenerRequest] = []
    /// Behind the `idmap_*` functions of `chimera_host` (ABI 1.1).
    let idmap: ChimeraIDMap

    init(logger: Logger, executor: HostExecutor?, loops: Int, delegation: Int, idmap: ChimeraIDMap = ChimeraIDMap()) {
        self.logger = logger
        self.idmap = idmap
        self.executor = executor
        self.loopCount = loops
        self.delegationCount = delegation
    }
}

public enum ChimeraVersion {
    public static let string = "0.1.0"
}
