import ChimeraPluginKit
import Glibc
import NFS3
import Synchronization

/// What NLM and NSM share across loops: the hosts (core clients), the blocked locks waiting in the core and
/// the status monitor.
final class NLMState: Sendable {
    let clients: CoreClients
    let hosts: NLMHostTable
    let waits: Mutex<NLMWaitTable<NLMWaiter>>
    let monitor: NSMMonitor
    /// Outbound GRANTED, _RES and SM_NOTIFY calls, at most two on the pool.
    let callbacks: NLMCallbackGate

    static let maxWaits = 4096

    init(vfs: FrontEndVFS, config: NFSConfig, host: PluginHost) {
        clients = CoreClients(vfs: vfs)
        hosts = NLMHostTable(clients: clients)
        waits = Mutex(NLMWaitTable(limit: NLMState.maxWaits))
        callbacks = NLMCallbackGate(host: host)
        monitor = NSMMonitor(
            stateDirectory: config.nlm ? config.stateDirectory : nil,
            serverName: config.bindAddress ?? NLMState.hostName(),
            callbackPortmapPort: config.nlmCallbackPortmapPort,
            host: host
        )
        if config.nlm && !clients.isAvailable {
            host.log(.warning, "nlm: the host's VFS API has no open-state clients (ABI 1.2); every lock is refused")
        }
    }

    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "chimera" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
