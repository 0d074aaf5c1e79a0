import CChimera
import ChimeraPluginKit
import NFS3
import ONCRPC

/// The NFSv3 front-end (RFC 1813) with MOUNT v3 and a portmapper (RFC 1833 v2), over ONC RPC on TCP
/// (RFC 5531), and NLM v4 with NSM v1 (RFC 1813 Appendix II) on the core's open state. One router serves every
/// listener, so a port may carry any of the programs; NFSv4 will join it.
final class NFSPlugin: ProtocolPlugin {
    typealias ThreadState = NFSLoop
    typealias Connection = RPCConnection

    static var descriptor: ProtocolPluginDescriptor {
        ProtocolPluginDescriptor(name: "nfs", description: "NFSv3, MOUNT v3, NLM v4, NSM v1 and portmap v2 over TCP")
    }

    /// Listener tags, handed back per connection (for logs only: routing is by program number).
    enum Listener: UInt {
        case nfs = 1
        case mount, portmap
    }

    let server: NFSServer

    init(host: PluginHost, config: ProtocolPluginConfig) throws(PluginError) {
        let parsed = try NFSConfig.parse(config)
        guard let vfs = FrontEndVFS(host: host) else {
            throw PluginError("server.protocols.nfs: the host offers no VFS API to front-ends")
        }
        server = NFSServer(host: host, vfs: vfs, config: parsed)
        var bound: Set<UInt16> = []
        func listen(_ name: String, _ port: UInt16, _ tag: Listener) throws(PluginError) {
            guard port != 0, bound.insert(port).inserted else { return }
            try host.listen(ListenerRequest(name: name, framing: .rpcRecord, port: port, tag: tag.rawValue))
        }
        try listen("nfs", parsed.port, .nfs)
        try listen("mount", parsed.mountPort, .mount)
        try listen("portmap", parsed.portmapPort, .portmap)
        let exports = parsed.exports.map { "\($0.path) \($0.readOnly ? "ro" : "rw") \($0.clients.map(\.text))" }
        host.log(.info, "exports \(exports.isEmpty ? "none" : exports.joined(separator: "; "))")
    }

    func threadStarted(index: UInt32) -> NFSLoop {
        if index == 0 && server.config.nlm {
            // After a restart, tell the NLM hosts of the previous run (NSM SM_NOTIFY), once.
            server.nlm.monitor.notifyRecordedHosts(
                clients: server.nlm.clients, host: server.host, callbacks: server.nlm.callbacks, thread: index)
        }
        return NFSLoop(index: index, server: server)
    }

    func threadStopped(_ thread: NFSLoop) {
        thread.stop()
    }

    func connectionOpened(_ connection: PluginConnection, info: ConnectionInfo, thread: NFSLoop) -> RPCConnection? {
        guard !thread.draining else { return nil }
        let opened = RPCConnection(loop: thread, connection: connection, info: info)
        thread.opened(opened)
        return opened
    }

    func drain(_ thread: NFSLoop) {
        thread.drain()
    }
}

/// The plugin's one exported symbol (`include/chimera_protocol.h`).
@c public func chimera_protocol_module_v1() -> UnsafePointer<chimera_protocol_module> {
    ProtocolPluginExport.entry(NFSPlugin.self)
}
