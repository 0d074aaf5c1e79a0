import CChimera
import NIOCore
import NIOHTTP1
import Synchronization

/// A client connection as a plugin sees it (`chimera_connection`). The
/// plugin holds one reference from connection_opened until it calls
/// connection_release; every call comes on the connection's loop.
final class HostConnection: @unchecked Sendable {
    let channel: any Channel
    let instance: ProtocolInstance
    let framing: Int32
    let loopIndex: UInt32
    var connectionPrivate: UnsafeMutableRawPointer?
    /// The transport is gone: sends fail from now on.
    var closed = false
    var closedNotified = false
    /// Inside channelRead: writes wait for channelReadComplete's flush.
    var inRead = false
    var needsFlush = false
    /// An HTTP response head went out for the current request.
    var responded = false

    init(channel: any Channel, instance: ProtocolInstance, framing: Int32, loopIndex: UInt32) {
        self.channel = channel
        self.instance = instance
        self.framing = framing
        self.loopIndex = loopIndex
    }

    var opaque: OpaquePointer { OpaquePointer(Unmanaged.passUnretained(self).toOpaque()) }

    static func from(_ raw: OpaquePointer) -> HostConnection {
        Unmanaged<HostConnection>.fromOpaque(UnsafeRawPointer(raw)).takeUnretainedValue()
    }

    func flushIfNeeded() {
        if needsFlush {
            needsFlush = false
            channel.flush()
        }
    }

    /// send(): the buffers as one framed message (RPC, length prefix) or as
    /// response body bytes (HTTP). Taken `inout` so this holds the only
    /// reference to each: writing the record mark into the first buffer's
    /// headroom must not copy the reply.
    func send(_ buffers: inout [ByteBuffer], done: (@Sendable (Int32) -> Void)?) -> Int32 {
        guard !closed, channel.isActive else {
            done?(-1)
            return -1
        }
        let promise: EventLoopPromise<Void>? = done.map { done in
            let p = channel.eventLoop.makePromise(of: Void.self)
            p.futureResult.whenComplete { result in
                if case .success = result { done(0) } else { done(-1) }
            }
            return p
        }
        let total = buffers.reduce(0) { $0 + $1.readableBytes }
        switch framing {
        case CHIMERA_FRAMING_RPC_RECORD, CHIMERA_FRAMING_LENGTH_PREFIX:
            let word = framing == CHIMERA_FRAMING_RPC_RECORD ? UInt32(0x8000_0000) | UInt32(total) : UInt32(total)
            if !buffers.isEmpty && buffers[0].readerIndex >= 4 {
                // In the headroom every host buffer has: one write, no copy
                // (the array slot is emptied first so `first` is unique).
                var first = buffers[0]
                buffers[0] = ByteBuffer()
                first.moveReaderIndex(to: first.readerIndex - 4)
                first.setInteger(word, at: first.readerIndex)
                buffers[0] = first
            } else {
                var mark = channel.allocator.buffer(capacity: 4)
                mark.writeInteger(word)
                buffers.insert(mark, at: 0)
            }
            for (i, buffer) in buffers.enumerated() {
                channel.write(buffer, promise: i == buffers.count - 1 ? promise : nil)
            }
        default:
            for (i, buffer) in buffers.enumerated() {
                channel.write(HTTPServerResponsePart.body(.byteBuffer(buffer)), promise: i == buffers.count - 1 ? promise : nil)
            }
            if buffers.isEmpty { promise?.succeed(()) }
        }
        if inRead {
            needsFlush = true
        } else {
            channel.flush()
        }
        return 0
    }

    func respond(_ response: UnsafePointer<chimera_http_response>) -> Int32 {
        guard !closed, channel.isActive, framing == CHIMERA_FRAMING_HTTP1 else { return -1 }
        let r = response.pointee
        var headers = HTTPHeaders()
        for i in 0..<Int(r.header_count) {
            let h = r.headers[i]
            headers.add(
                name: String(decoding: UnsafeRawBufferPointer(start: h.name, count: Int(h.name_len)), as: UTF8.self),
                value: String(decoding: UnsafeRawBufferPointer(start: h.value, count: Int(h.value_len)), as: UTF8.self))
        }
        let status = HTTPResponseStatus(statusCode: Int(r.status), reasonPhrase: r.reason.map { String(cString: $0) } ?? "")
        if status.code >= 200 {
            if r.content_length == UInt64.max {
                headers.replaceOrAdd(name: "transfer-encoding", value: "chunked")
            } else if status.code != 304 && status.code != 204 {
                headers.replaceOrAdd(name: "content-length", value: String(r.content_length))
            }
            if r.close != 0 { headers.replaceOrAdd(name: "connection", value: "close") }
            responded = true
        }
        channel.write(HTTPServerResponsePart.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers)), promise: nil)
        if inRead { needsFlush = true } else { channel.flush() }
        if r.close != 0 { closeAfterResponse = true }
        return 0
    }

    /// The plugin asked to close once the current response is out.
    var closeAfterResponse = false

    func end() -> Int32 {
        guard !closed, channel.isActive, framing == CHIMERA_FRAMING_HTTP1 else { return -1 }
        let future = channel.writeAndFlush(HTTPServerResponsePart.end(nil))
        needsFlush = false
        responded = false
        if closeAfterResponse {
            closeAfterResponse = false
            future.whenComplete { [channel] _ in channel.close(promise: nil) }
        }
        return 0
    }

    func setReadEnabled(_ enabled: Bool) {
        guard !closed else { return }
        channel.setOption(ChannelOptions.autoRead, value: enabled).whenSuccess { [channel] in
            if enabled { channel.read() }
        }
    }

    func close() {
        channel.close(promise: nil)
    }

    /// Tell the plugin the transport is gone (once).
    func notifyClosed() {
        closed = true
        guard !closedNotified else { return }
        closedNotified = true
        if let callback = instance.plugin.pointee.connection_closed {
            callback(connectionPrivate)
        }
    }
}
