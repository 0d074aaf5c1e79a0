import CChimera
import ChimeraPluginKit
import S3

/// Streams a byte range of an open file into the response: reads of up to
/// 1 MiB land in host buffers that are then sent as they are (no copy), with
/// at most `window` chunks read or unsent at once. Each send's completion
/// lets the next read start, so a slow client holds at most the window in
/// memory.
final class S3Download {
    static let chunkSize = 1 << 20
    static let window = 4

    final class Chunk {
        let buffer: PluginBuffer
        let offset: UInt64
        let wanted: Int
        var filled = 0
        var ready = false

        init(buffer: PluginBuffer, offset: UInt64, wanted: Int) {
            self.buffer = buffer
            self.offset = offset
            self.wanted = wanted
        }
    }

    let exchange: S3Exchange
    let client: S3VFSClient
    let file: S3Handle
    let openHandle: UInt64
    private var next: UInt64
    private let end: UInt64
    private var pending: [Chunk] = []
    /// Chunks being read, waiting to be sent, or being sent.
    private var outstanding = 0
    private var readsInFlight = 0
    private var sentThrough: UInt64
    private var failed = false
    private var closedFile = false

    init(exchange: S3Exchange, file: S3Handle, openHandle: UInt64, first: UInt64, length: UInt64) {
        self.exchange = exchange
        self.client = exchange.client
        self.file = file
        self.openHandle = openHandle
        next = first
        end = first + length
        sentThrough = first
    }

    func start() { fill() }

    private func fill() {
        while !failed, outstanding < Self.window, next < end {
            let wanted = Int(min(UInt64(Self.chunkSize), end - next))
            guard let buffer = exchange.host.allocateBuffer(capacity: wanted) else {
                fail()
                return
            }
            let chunk = Chunk(buffer: buffer, offset: next, wanted: wanted)
            next += UInt64(wanted)
            outstanding += 1
            pending.append(chunk)
            read(chunk)
        }
    }

    private func read(_ chunk: Chunk) {
        readsInFlight += 1
        let target = UnsafeMutableRawBufferPointer(rebasing: chunk.buffer.bytes[chunk.filled..<chunk.wanted])
        client.read(file, openHandle: openHandle, offset: chunk.offset + UInt64(chunk.filled), into: target) {
            [self] reply in
            readsInFlight -= 1
            guard !failed else {
                exchange.host.release(chunk.buffer)
                closeIfIdle()
                return
            }
            // A read that comes back short without data means the file
            // shrank under the promised Content-Length.
            guard reply.ok, reply.length > 0 else {
                exchange.host.release(chunk.buffer)
                pending.removeAll { $0 === chunk }
                fail()
                return
            }
            chunk.filled += Int(reply.length)
            if chunk.filled < chunk.wanted {
                read(chunk)
                return
            }
            chunk.ready = true
            flush()
        }
    }

    /// Send the chunks that are ready, in order.
    private func flush() {
        while let first = pending.first, first.ready {
            pending.removeFirst()
            first.buffer.length = first.wanted
            sentThrough += UInt64(first.wanted)
            exchange.bytesSent += UInt64(first.wanted)
            client.work.begin()
            let arg = Unmanaged.passRetained(self).toOpaque()
            exchange.connection.connection.send([first.buffer], done: s3DownloadSent, arg: arg)
        }
        if sentThrough == end && !failed {
            exchange.endResponse()
            closeIfIdle()
        }
    }

    fileprivate func sent(status: Int32) {
        client.work.end()
        outstanding -= 1
        if status != 0 {
            fail()
            return
        }
        fill()
    }

    private func fail() {
        guard !failed else { return }
        failed = true
        for chunk in pending where chunk.ready { exchange.host.release(chunk.buffer) }
        pending.removeAll { $0.ready }
        if sentThrough < end { exchange.fail(S3Error(.internalError, "The object could not be read completely.")) }
        closeIfIdle()
    }

    private func closeIfIdle() {
        guard !closedFile, readsInFlight == 0, failed || sentThrough == end else { return }
        closedFile = true
        client.close(file, openHandle: openHandle)
    }
}

private let s3DownloadSent: chimera_send_done_fn = { arg, status in
    guard let arg else { return }
    Unmanaged<S3Download>.fromOpaque(arg).takeRetainedValue().sent(status: status)
}
