import CChimera
import NIOCore

/// A received message handed to a plugin (`chimera_message`): the C view
/// points into NIO's buffers, which this object keeps alive until the
/// plugin releases it.
final class HostMessage {
    let raw: UnsafeMutablePointer<chimera_message>
    private let iovecs: UnsafeMutablePointer<iovec>
    private var buffers: [ByteBuffer]
    private var head: HTTPHeadStorage?

    init(kind: Int32, buffer: ByteBuffer?) {
        self.buffers = buffer.map { [$0] } ?? []
        self.iovecs = .allocate(capacity: 1)
        self.raw = .allocate(capacity: 1)
        var length = 0
        if let buffer, buffer.readableBytes > 0 {
            let pointer = buffer.withUnsafeReadableBytes { UnsafeMutableRawPointer(mutating: $0.baseAddress!) }
            iovecs.initialize(to: iovec(iov_base: pointer, iov_len: buffer.readableBytes))
            length = buffer.readableBytes
        } else {
            iovecs.initialize(to: iovec(iov_base: nil, iov_len: 0))
        }
        raw.initialize(
            to: chimera_message(
                struct_size: UInt32(MemoryLayout<chimera_message>.size), kind: UInt32(kind),
                iov: UnsafePointer(iovecs), iovcnt: length > 0 ? 1 : 0, reserved: 0, length: length, http: nil,
                host_private: nil))
        raw.pointee.host_private = Unmanaged.passUnretained(self).toOpaque()
    }

    convenience init(head: HTTPHeadStorage) {
        self.init(kind: CHIMERA_MSG_HTTP_HEAD, buffer: nil)
        self.head = head
        raw.pointee.http = UnsafePointer(head.raw)
    }

    deinit {
        iovecs.deallocate()
        raw.deallocate()
    }

    /// Pass to the plugin: it owns one reference until message_release.
    func retainedForPlugin() -> UnsafeMutablePointer<chimera_message> {
        _ = Unmanaged.passRetained(self)
        return raw
    }

    static func release(_ raw: UnsafeMutablePointer<chimera_message>) {
        guard let owner = raw.pointee.host_private else { return }
        Unmanaged<HostMessage>.fromOpaque(owner).release()
    }
}

/// A request head in C form: method, target and headers copied into one
/// arena the `chimera_http_head` points into.
final class HTTPHeadStorage {
    let raw: UnsafeMutablePointer<chimera_http_head>
    private let headers: UnsafeMutablePointer<chimera_http_header>
    private let arena: UnsafeMutableRawBufferPointer

    init(method: String, uri: String, version: (Int, Int), headers fields: [(String, String)], keepAlive: Bool) {
        var size = method.utf8.count + uri.utf8.count + 2
        for (name, value) in fields { size += name.utf8.count + value.utf8.count + 2 }
        arena = .allocate(byteCount: max(size, 1), alignment: 1)
        headers = .allocate(capacity: max(fields.count, 1))
        raw = .allocate(capacity: 1)
        var offset = 0
        func put(_ s: String) -> (UnsafePointer<CChar>, UInt32) {
            let start = arena.baseAddress! + offset
            var n = 0
            for byte in s.utf8 {
                arena[offset + n] = byte
                n += 1
            }
            arena[offset + n] = 0
            offset += n + 1
            return (UnsafePointer(start.assumingMemoryBound(to: CChar.self)), UInt32(n))
        }
        let m = put(method)
        let u = put(uri)
        for (i, (name, value)) in fields.enumerated() {
            let n = put(name)
            let v = put(value)
            headers.advanced(by: i).initialize(
                to: chimera_http_header(name: n.0, name_len: n.1, value_len: v.1, value: v.0))
        }
        raw.initialize(
            to: chimera_http_head(
                method: m.0, method_len: m.1, uri_len: u.1, uri: u.0, version_major: UInt16(version.0),
                version_minor: UInt16(version.1), header_count: UInt32(fields.count), headers: UnsafePointer(headers),
                keep_alive: keepAlive ? 1 : 0, reserved: 0))
    }

    deinit {
        arena.deallocate()
        headers.deallocate()
        raw.deallocate()
    }
}
