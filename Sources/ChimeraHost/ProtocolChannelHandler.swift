import Synchronization
import CChimera
import Glibc
import Logging
import NIOCore
import NIOHTTP1

/// Connects one channel to a protocol plugin: opens the plugin's
/// connection, hands it each framed message, tells it when the transport
/// closes. No protocol rule lives here.
final class ProtocolChannelHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    let instance: ProtocolInstance
    let framing: Int32
    let listenerArg: UnsafeMutableRawPointer?
    let loopIndex: UInt32
    var connection: HostConnection?

    init(instance: ProtocolInstance, framing: Int32, listenerArg: UnsafeMutableRawPointer?, loopIndex: UInt32) {
        self.instance = instance
        self.framing = framing
        self.listenerArg = listenerArg
        self.loopIndex = loopIndex
    }

    func channelActive(context: ChannelHandlerContext) {
        connection = ConnectionOpener.open(
            channel: context.channel, instance: instance, framing: framing, listenerArg: listenerArg,
            loopIndex: loopIndex)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let connection, !connection.closed else { return }
        let message = HostMessage(kind: CHIMERA_MSG_RECORD, buffer: unwrapInboundIn(data))
        connection.inRead = true
        instance.plugin.pointee.connection_message?(connection.connectionPrivate, message.retainedForPlugin())
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if let connection {
            connection.inRead = false
            connection.flushIfNeeded()
        }
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        connection?.notifyClosed()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        ConnectionErrors.log(error, instance: instance)
        context.close(promise: nil)
    }
}

/// The HTTP/1.1 version: request heads, body chunks and ends become plugin
/// messages; `Expect: 100-continue` is answered unless the plugin already
/// responded to the head.
final class HTTPProtocolHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let instance: ProtocolInstance
    let listenerArg: UnsafeMutableRawPointer?
    let loopIndex: UInt32
    var connection: HostConnection?

    init(instance: ProtocolInstance, listenerArg: UnsafeMutableRawPointer?, loopIndex: UInt32) {
        self.instance = instance
        self.listenerArg = listenerArg
        self.loopIndex = loopIndex
    }

    func channelActive(context: ChannelHandlerContext) {
        connection = ConnectionOpener.open(
            channel: context.channel, instance: instance, framing: CHIMERA_FRAMING_HTTP1, listenerArg: listenerArg,
            loopIndex: loopIndex)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let connection, !connection.closed else { return }
        connection.inRead = true
        let deliver = instance.plugin.pointee.connection_message
        switch unwrapInboundIn(data) {
        case .head(let head):
            let fields = head.headers.map { ($0.name, $0.value) }
            let storage = HTTPHeadStorage(
                method: head.method.rawValue, uri: head.uri, version: (head.version.major, head.version.minor),
                headers: fields, keepAlive: head.isKeepAlive)
            connection.responded = false
            deliver?(connection.connectionPrivate, HostMessage(head: storage).retainedForPlugin())
            let expects = head.headers["expect"].contains { $0.lowercased() == "100-continue" }
            if expects && !connection.responded && !connection.closed {
                context.write(
                    wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .continue))), promise: nil)
                connection.needsFlush = true
            }
        case .body(let buffer):
            deliver?(connection.connectionPrivate, HostMessage(kind: CHIMERA_MSG_HTTP_BODY, buffer: buffer).retainedForPlugin())
        case .end:
            deliver?(connection.connectionPrivate, HostMessage(kind: CHIMERA_MSG_HTTP_END, buffer: nil).retainedForPlugin())
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if let connection {
            connection.inRead = false
            connection.flushIfNeeded()
        }
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        connection?.notifyClosed()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        ConnectionErrors.log(error, instance: instance)
        context.close(promise: nil)
    }
}

/// Opening a plugin connection, shared by both handlers.
enum ConnectionOpener {
    static func open(
        channel: any Channel, instance: ProtocolInstance, framing: Int32, listenerArg: UnsafeMutableRawPointer?,
        loopIndex: UInt32
    ) -> HostConnection? {
        let connection = HostConnection(channel: channel, instance: instance, framing: framing, loopIndex: loopIndex)
        let peer = channel.remoteAddress
        let local = channel.localAddress
        let address = peer?.ipAddress ?? ""
        let id = ConnectionIDs.next()
        let threadPrivate = instance.threadPrivates[Int(loopIndex)]
        // The plugin's reference, released by connection_release.
        _ = Unmanaged.passRetained(connection)
        instance.liveConnections.add(1, ordering: .relaxed)
        let opened: UnsafeMutableRawPointer? = address.withCString { cAddress in
            var info = chimera_connection_info(
                struct_size: UInt32(MemoryLayout<chimera_connection_info>.size), thread_index: loopIndex,
                listener_arg: listenerArg, peer_address: cAddress, peer_port: UInt16(peer?.port ?? 0),
                local_port: UInt16(local?.port ?? 0), reserved: 0, connection_id: id)
            return instance.plugin.pointee.connection_opened?(threadPrivate, connection.opaque, &info)
        }
        guard let opened else {
            // Refused: no further callbacks, and the reference is ours.
            connection.closed = true
            connection.closedNotified = true
            Unmanaged.passUnretained(connection).release()
            instance.liveConnections.subtract(1, ordering: .relaxed)
            channel.close(promise: nil)
            return nil
        }
        connection.connectionPrivate = opened
        return connection
    }
}

/// Connection ids unique for the process's life.
enum ConnectionIDs {
    private static let counter = AtomicCounterBox()
    static func next() -> UInt64 { counter.next() }
}

/// How a connection's end is logged: a peer that simply went away is
/// routine (debug); anything else — a protocol violation such as an
/// oversized record — is worth an info line.
enum ConnectionErrors {
    static func log(_ error: any Error, instance: ProtocolInstance) {
        let routine: Bool
        if let io = error as? IOError {
            routine = io.errnoCode == ECONNRESET || io.errnoCode == EPIPE
        } else {
            routine = error is ChannelError
        }
        instance.context.logger.log(
            level: routine ? .debug : .info, "closing connection",
            metadata: ["error": "\(error)", "protocol": "\(instance.name)"])
    }
}
