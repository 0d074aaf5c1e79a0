import CChimera
import ChimeraPluginKit
import S3

/// One client connection: hands each request head to a new ``S3Exchange``
/// and its body and end to that exchange. The host's pipelining assistance
/// holds the next request back until the current response ended, so one
/// exchange runs at a time.
final class S3Connection: ProtocolConnection {
    let loop: S3Loop
    let connection: PluginConnection
    let info: ConnectionInfo
    let client: S3VFSClient
    let work = S3WorkCounter()
    var exchange: S3Exchange?
    private(set) var isClosed = false
    private var isReleased = false
    private var closeWhenIdle = false

    init(loop: S3Loop, connection: PluginConnection, info: ConnectionInfo, vfs: FrontEndVFS) {
        self.loop = loop
        self.connection = connection
        self.info = info
        let server = loop.plugin.credentials.server
        client = S3VFSClient(vfs: vfs, thread: info.threadIndex, credential: server, server: server, work: work)
        work.onIdle = { [unowned self] in releaseIfDone() }
    }

    var host: PluginHost { loop.host }

    /// Inside the host's `http_end`: the next pipelined request may be
    /// delivered from within it, and waits until the call returned.
    private var ending = false
    private var deferred: [PluginMessage] = []

    /// End the current response; messages the host delivers meanwhile are
    /// handled after it returned, never nested in it.
    func endResponse() {
        guard !isClosed else { return }
        ending = true
        connection.end()
        ending = false
        // Bounded by what the host had buffered.
        while !deferred.isEmpty && !ending {
            received(deferred.removeFirst())
        }
    }

    func received(_ message: PluginMessage) {
        if ending {
            deferred.append(message)
            return
        }
        switch message.kind {
        case .httpHead:
            guard let head = message.httpHead, exchange == nil, !isClosed else {
                message.release()
                if !isClosed { connection.close() }
                return
            }
            let started = S3Exchange(connection: self, head: head.pointee)
            exchange = started
            started.start()
            message.release()
        case .httpBody:
            if let exchange { exchange.receiveBody(message) } else { message.release() }
        case .httpEnd:
            message.release()
            exchange?.receiveEnd()
        default:
            message.release()
        }
    }

    func closed() {
        isClosed = true
        exchange?.connectionLost()
        releaseIfDone()
    }

    /// The exchange answered and its request ended.
    func detach(_ finished: S3Exchange) {
        if exchange === finished { exchange = nil }
    }

    /// Shutdown: close now when idle, else after the current response.
    func drain() {
        closeWhenIdle = true
        if exchange == nil && !isClosed { connection.close() }
    }

    /// Whether responses should ask the client to close.
    var isDraining: Bool { closeWhenIdle }

    func close() {
        if !isClosed { connection.close() }
    }

    func setReadEnabled(_ enabled: Bool) {
        if !isClosed { connection.setReadEnabled(enabled) }
    }

    private func releaseIfDone() {
        guard isClosed, !isReleased, work.count == 0 else { return }
        isReleased = true
        for message in deferred { message.release() }
        deferred = []
        exchange = nil
        loop.connections[ObjectIdentifier(self)] = nil
        connection.release()
    }
}
