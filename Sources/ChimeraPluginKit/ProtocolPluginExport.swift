import CChimera
import Synchronization

/// Builds the `chimera_protocol_module` struct for a Swift
/// ``ProtocolPlugin`` and the C thunks behind it.
public enum ProtocolPluginExport {
    public static func entry<P: ProtocolPlugin>(_ type: P.Type) -> UnsafePointer<chimera_protocol_module> {
        registration.withLock { state in
            if let existing = state { return existing.pointer }
            let made = Registration(
                pointer: makeStruct(P.descriptor),
                factory: { host, config throws(PluginError) in PluginBox(try P(host: host, config: config), host: host) }
            )
            state = made
            return made.pointer
        }
    }

    struct Registration: @unchecked Sendable {
        let pointer: UnsafePointer<chimera_protocol_module>
        let factory: (PluginHost, ProtocolPluginConfig) throws(PluginError) -> PluginBox
    }

    static let registration = Mutex<Registration?>(nil)

    static func makeStruct(_ d: ProtocolPluginDescriptor) -> UnsafePointer<chimera_protocol_module> {
        let pointer = UnsafeMutablePointer<chimera_protocol_module>.allocate(capacity: 1)
        pointer.initialize(
            to: chimera_protocol_module(
                abi_major: UInt32(CHIMERA_PROTOCOL_ABI_MAJOR),
                abi_minor: UInt32(CHIMERA_PROTOCOL_ABI_MINOR),
                struct_size: UInt32(MemoryLayout<chimera_protocol_module>.size),
                reserved: 0,
                name: leakedCString(d.name),
                description: leakedCString(d.description),
                init: { host, config, protocolPrivate, errorBuffer, errorLength in
                    guard let host, let config, let protocolPrivate else { return -1 }
                    guard let factory = ProtocolPluginExport.registration.withLock({ $0?.factory }) else { return -1 }
                    let c = config.pointee
                    let swiftConfig = ProtocolPluginConfig(
                        config: c.config.map { String(cString: $0) } ?? "{}",
                        document: c.document.map { String(cString: $0) } ?? "{}",
                        path: c.path.map { String(cString: $0) } ?? "")
                    do {
                        let box = try factory(PluginHost(host), swiftConfig)
                        protocolPrivate.pointee = Unmanaged.passRetained(box).toOpaque()
                        return 0
                    } catch let error as PluginError {
                        error.write(to: errorBuffer, capacity: errorLength)
                        return -1
                    } catch {
                        PluginError("\(error)").write(to: errorBuffer, capacity: errorLength)
                        return -1
                    }
                },
                shutdown: { protocolPrivate in
                    guard let protocolPrivate else { return }
                    Unmanaged<PluginBox>.fromOpaque(protocolPrivate).takeRetainedValue().shutdown()
                },
                thread_init: { protocolPrivate, index in
                    guard let protocolPrivate else { return nil }
                    let box = Unmanaged<PluginBox>.fromOpaque(protocolPrivate).takeUnretainedValue()
                    return Unmanaged.passRetained(box.threadStarted(index)).toOpaque()
                },
                thread_shutdown: { threadPrivate in
                    guard let threadPrivate else { return }
                    Unmanaged<PluginThreadBox>.fromOpaque(threadPrivate).takeRetainedValue().stop()
                },
                connection_opened: { threadPrivate, connection, info in
                    guard let threadPrivate, let connection, let info else { return nil }
                    let thread = Unmanaged<PluginThreadBox>.fromOpaque(threadPrivate).takeUnretainedValue()
                    let i = info.pointee
                    let swiftInfo = ConnectionInfo(
                        threadIndex: i.thread_index, listenerArg: UInt(bitPattern: i.listener_arg),
                        peerAddress: i.peer_address.map { String(cString: $0) } ?? "", peerPort: i.peer_port,
                        localPort: i.local_port, connectionID: i.connection_id)
                    guard let box = thread.open(connection, swiftInfo) else { return nil }
                    return Unmanaged.passRetained(box).toOpaque()
                },
                connection_message: { connectionPrivate, message in
                    guard let connectionPrivate, let message else { return }
                    let box = Unmanaged<PluginConnectionBox>.fromOpaque(connectionPrivate).takeUnretainedValue()
                    box.connection.received(PluginMessage(message, host: box.host))
                },
                connection_closed: { connectionPrivate in
                    guard let connectionPrivate else { return }
                    // The host makes no further calls for this connection.
                    Unmanaged<PluginConnectionBox>.fromOpaque(connectionPrivate).takeRetainedValue().connection.closed()
                },
                drain: { threadPrivate in
                    guard let threadPrivate else { return }
                    Unmanaged<PluginThreadBox>.fromOpaque(threadPrivate).takeUnretainedValue().drain()
                },
                lease_break: { protocolPrivate, notice in
                    guard let protocolPrivate, let notice else { return }
                    Unmanaged<PluginBox>.fromOpaque(protocolPrivate).takeUnretainedValue().leaseBreak(LeaseBreak(notice))
                }
            )
        )
        return UnsafePointer(pointer)
    }
}

final class PluginBox {
    let threadStarted: (UInt32) -> PluginThreadBox
    let shutdown: () -> Void
    let leaseBreak: (LeaseBreak) -> Void

    init<P: ProtocolPlugin>(_ plugin: P, host: PluginHost) {
        threadStarted = { index in
            let state = plugin.threadStarted(index: index)
            return PluginThreadBox(
                open: { raw, info in
                    guard let connection = plugin.connectionOpened(
                        PluginConnection(raw, host: host.raw), info: info, thread: state)
                    else { return nil }
                    return PluginConnectionBox(connection, host: host.raw)
                },
                drain: { plugin.drain(state) },
                stop: { plugin.threadStopped(state) }
            )
        }
        shutdown = { plugin.shutdown() }
        leaseBreak = { plugin.leaseBreak($0) }
    }
}

final class PluginThreadBox {
    let open: (OpaquePointer, ConnectionInfo) -> PluginConnectionBox?
    let drain: () -> Void
    let stop: () -> Void

    init(
        open: @escaping (OpaquePointer, ConnectionInfo) -> PluginConnectionBox?, drain: @escaping () -> Void,
        stop: @escaping () -> Void
    ) {
        self.open = open
        self.drain = drain
        self.stop = stop
    }
}

final class PluginConnectionBox {
    let connection: any ProtocolConnection
    let host: UnsafePointer<chimera_host>

    init(_ connection: any ProtocolConnection, host: UnsafePointer<chimera_host>) {
        self.connection = connection
        self.host = host
    }
}
