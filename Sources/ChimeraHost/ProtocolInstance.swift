import CChimera
import Synchronization

/// One loaded and initialised protocol front-end.
final class ProtocolInstance: @unchecked Sendable {
    let name: String
    let plugin: UnsafePointer<chimera_protocol_module>
    let context: PluginContext
    var protocolPrivate: UnsafeMutableRawPointer?
    /// thread_private per loop; each loop writes its own slot before it
    /// serves (fixed storage, so loops never touch shared array state).
    let threadPrivates: UnsafeMutablePointer<UnsafeMutableRawPointer?>
    /// Connections opened and not yet released by the plugin.
    let liveConnections = Atomic<Int>(0)

    init(name: String, plugin: UnsafePointer<chimera_protocol_module>, context: PluginContext, loops: Int) {
        self.name = name
        self.plugin = plugin
        self.context = context
        self.threadPrivates = .allocate(capacity: max(loops, 1))
        threadPrivates.initialize(repeating: nil, count: max(loops, 1))
    }

    deinit {
        threadPrivates.deallocate()
    }
}
