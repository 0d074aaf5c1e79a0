import CChimera
import Synchronization

/// One loaded and initialised protocol front-end.
final class ProtocolInstance: @unchecked Sendable {
    let name: String
    let plugin: UnsafePointer<chimera_protocol_module>
    let context: PluginContext
    var protocolPrivate: UnsafeMutableRawPointer?
    /// thread_private per loop; written on each loop before it serves.
    var threadPrivates: [UnsafeMutableRawPointer?]
    /// Connections opened and not yet released by the plugin.
    let liveConnections = Atomic<Int>(0)

    init(name: String, plugin: UnsafePointer<chimera_protocol_module>, context: PluginContext, loops: Int) {
        self.name = name
        self.plugin = plugin
        self.context = context
        self.threadPrivates = Array(repeating: nil, count: loops)
    }
}
