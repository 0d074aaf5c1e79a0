import CChimera
import ChimeraPluginKit
import ONCRPC
import XDR

/// One client connection: cuts nothing (the host delivers whole RPC records), decodes each call header,
/// routes it and hands it to its program's service. Several calls may be in flight; replies go out as each
/// completes. Every callback runs on the connection's loop.
final class RPCConnection: ProtocolConnection {
    let loop: NFSLoop
    let connection: PluginConnection
    let id: UInt64
    let client: RPCClientAddress
    /// The peer as the host spelled it, for MOUNT's list and logs.
    let clientText: String
    /// Calls started and not finished, and messages held while the loop learns mount ids.
    private(set) var inFlight = 0
    private(set) var isClosed = false
    private var released = false
    /// Reading stopped because too many calls are in flight (back-pressure on a client that pipelines
    /// faster than the VFS answers).
    private var paused = false
    static let maxInFlight = 256
    /// Export decisions per mount index (then the root), computed on first use: the peer never changes.
    private var decisions: [CachedDecision]

    enum CachedDecision {
        case unknown, denied
        case allowed(ExportDecision)
    }

    init(loop: NFSLoop, connection: PluginConnection, info: ConnectionInfo) {
        self.loop = loop
        self.connection = connection
        self.id = info.connectionID
        self.clientText = info.peerAddress
        // An address that does not parse matches only exports open to every client ("*").
        self.client = RPCClientAddress(info.peerAddress) ?? RPCClientAddress(high: .max, low: .max)
        self.decisions = Array(repeating: .unknown, count: loop.server.rootIndex + 1)
    }

    // MARK: ProtocolConnection

    func received(_ message: PluginMessage) {
        guard loop.isReady else {
            if loop.hold(message, for: self) {
                inFlight += 1
            } else {
                message.release()
            }
            return
        }
        process(message)
    }

    func closed() {
        isClosed = true
        loop.forget(self)
        releaseIfIdle()
    }

    /// A message held while mount ids were learnt.
    func deliverHeld(_ message: PluginMessage) {
        process(message)
        callFinished()
    }

    func close() {
        guard !isClosed else { return }
        connection.close()
    }

    // MARK: Calls

    private func process(_ message: PluginMessage) {
        guard !isClosed, !loop.draining, message.kind == .record, let record = message.contiguousBytes else {
            message.release()
            return
        }
        let header: RPCCallHeader
        do {
            header = try RPCCallHeader(record: record)
        } catch {
            answerUndecodable(record)
            message.release()
            return
        }
        switch loop.router.route(header) {
        case .reject(let rejection):
            loop.server.metrics.rejected.record(1)
            sendRejection(xid: header.xid, rejection)
            message.release()
        case .dispatch(let dispatch):
            loop.server.metrics.count(dispatch.handler)
            let call = loop.takeCall()
            inFlight += 1
            if inFlight >= RPCConnection.maxInFlight && !paused {
                paused = true
                connection.setReadEnabled(false)
                loop.server.host.log(
                    .debug,
                    "connection \(id) from \(clientText): \(inFlight) calls in flight, reading paused"
                )
            }
            call.begin(connection: self, message: message, record: record, header: header)
            switch dispatch.handler {
            case .nfs3(let procedure):
                NFS3Service.handle(call, procedure: procedure, credentials: dispatch.credentials)
            case .mount3(let procedure):
                MountService.handle(call, procedure: procedure, credentials: dispatch.credentials)
            case .portmap2(let procedure):
                PortmapService.handle(call, procedure: procedure)
            case .nlm4(let procedure):
                NLMService.handle(call, procedure: procedure, credentials: dispatch.credentials)
            case .nsm1(let procedure):
                NSMService.handle(call, procedure: procedure)
            }
        }
    }

    /// A call whose header does not decode: answer GARBAGE_ARGS when at least its xid and CALL are there
    /// (RFC 5531 leaves the rest to the server); drop anything else.
    private func answerUndecodable(_ record: UnsafeRawBufferPointer) {
        loop.server.metrics.rejected.record(1)
        guard record.count >= 8 else { return }
        let xid = UInt32(bigEndian: record.loadUnaligned(fromByteOffset: 0, as: UInt32.self))
        let type = UInt32(bigEndian: record.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
        guard type == 0 else { return }
        sendRejection(xid: xid, .garbageArguments)
    }

    func sendRejection(xid: UInt32, _ rejection: RPCRejection) {
        let size = RPCReplyHeader.encodedSize(rejection: rejection)
        guard let buffer = loop.server.host.allocateBuffer(capacity: size) else { return }
        var writer = XDRWriter(buffer.bytes)
        do {
            try RPCReplyHeader.encode(xid: xid, rejection: rejection, to: &writer)
        } catch {
            loop.server.host.release(buffer)
            return
        }
        buffer.length = writer.position
        send(buffer)
    }

    /// Send one reply record. The buffer belongs to the host afterwards.
    @inline(__always)
    func send(_ buffer: PluginBuffer) {
        guard !isClosed else {
            loop.server.host.release(buffer)
            return
        }
        var pointer: UnsafeMutablePointer<chimera_buffer>? = buffer.raw
        _ = connection.host.pointee.send(connection.raw, &pointer, 1, nil, nil)
    }

    /// A call (or held message) is done.
    @inline(__always)
    func callFinished() {
        inFlight -= 1
        if paused && inFlight <= RPCConnection.maxInFlight / 2 && !isClosed {
            paused = false
            connection.setReadEnabled(true)
        }
        if inFlight == 0 {
            if isClosed {
                releaseIfIdle()
            } else if loop.draining {
                connection.close()
            }
        }
    }

    private func releaseIfIdle() {
        guard isClosed, inFlight == 0, !released else { return }
        released = true
        connection.release()
    }

    // MARK: Exports

    /// What this client may do with a handle: by its mount id, through the export table.
    enum Access {
        case allowed(ExportDecision)
        case denied
        /// Shorter than a mount id.
        case badHandle
        /// A mount id no mount of this namespace has.
        case unknownMount
    }

    @inline(__always)
    func access(handle: UnsafeRawBufferPointer) -> Access {
        guard let id = MountIDWords(handle: handle) else { return .badHandle }
        guard let index = loop.mountIndex(of: id) else { return .unknownMount }
        switch decisions[index] {
        case .allowed(let decision): return .allowed(decision)
        case .denied: return .denied
        case .unknown:
            if let decision = loop.server.decision(mount: index, client: client) {
                decisions[index] = .allowed(decision)
                return .allowed(decision)
            }
            decisions[index] = .denied
            return .denied
        }
    }
}
