import CChimera

/// A client connection as a front-end holds it. Every call on the
/// connection's loop. Release it once after `closed()` and after the last
/// send (chimera_protocol.h).
public struct PluginConnection: @unchecked Sendable, Hashable {
    public let raw: OpaquePointer
    public let host: UnsafePointer<chimera_host>

    @inlinable
    public init(_ raw: OpaquePointer, host: UnsafePointer<chimera_host>) {
        self.raw = raw
        self.host = host
    }

    public static func == (a: Self, b: Self) -> Bool { a.raw == b.raw }
    public func hash(into hasher: inout Hasher) { hasher.combine(raw) }

    /// Send buffers as one message (RPC record / length-prefixed PDU) or
    /// as HTTP body bytes. The buffers belong to the host afterwards.
    /// Returns false when the connection is gone.
    @inlinable
    @discardableResult
    public func send(_ buffers: PluginBuffer...) -> Bool {
        send(buffers)
    }

    @inlinable
    @discardableResult
    public func send(_ buffers: [PluginBuffer]) -> Bool {
        withUnsafeTemporaryAllocation(of: UnsafeMutablePointer<chimera_buffer>?.self, capacity: buffers.count) {
            pointers in
            for (i, b) in buffers.enumerated() { pointers[i] = b.raw }
            return host.pointee.send(raw, UnsafePointer(pointers.baseAddress), UInt32(buffers.count), nil, nil) == 0
        }
    }

    /// Send, then call `done(arg, status)` once the bytes left for the
    /// socket (0) or the connection failed (non-zero): back-pressure for
    /// streaming replies.
    @inlinable
    @discardableResult
    public func send(
        _ buffers: [PluginBuffer], done: chimera_send_done_fn, arg: UnsafeMutableRawPointer?
    ) -> Bool {
        withUnsafeTemporaryAllocation(of: UnsafeMutablePointer<chimera_buffer>?.self, capacity: buffers.count) {
            pointers in
            for (i, b) in buffers.enumerated() { pointers[i] = b.raw }
            return host.pointee.send(raw, UnsafePointer(pointers.baseAddress), UInt32(buffers.count), done, arg) == 0
        }
    }

    /// HTTP: the response head. `contentLength` nil means chunked.
    @discardableResult
    public func respond(
        status: Int, headers: [(String, String)], contentLength: UInt64?, close: Bool = false
    ) -> Bool {
        var strings: [[CChar]] = []
        for (name, value) in headers {
            strings.append(Array(name.utf8CString))
            strings.append(Array(value.utf8CString))
        }
        return withCStringArray(strings) { pointers in
            var fields: [chimera_http_header] = []
            fields.reserveCapacity(headers.count)
            for i in 0..<headers.count {
                fields.append(
                    chimera_http_header(
                        name: pointers[2 * i], name_len: UInt32(strings[2 * i].count - 1),
                        value_len: UInt32(strings[2 * i + 1].count - 1), value: pointers[2 * i + 1]))
            }
            return fields.withUnsafeBufferPointer { fieldPointer in
                var response = chimera_http_response(
                    struct_size: UInt32(MemoryLayout<chimera_http_response>.size), status: UInt32(status),
                    reason: nil, headers: fieldPointer.baseAddress, header_count: UInt32(headers.count),
                    close: close ? 1 : 0, content_length: contentLength ?? UInt64.max)
                return host.pointee.http_respond(raw, &response) == 0
            }
        }
    }

    /// HTTP: the response is complete.
    @inlinable
    @discardableResult
    public func end() -> Bool { host.pointee.http_end(raw) == 0 }

    /// Back-pressure: stop (false) or resume (true) reading.
    @inlinable
    public func setReadEnabled(_ enabled: Bool) { host.pointee.set_read_enabled(raw, enabled ? 1 : 0) }

    @inlinable
    public func close() { host.pointee.close(raw) }

    /// Done with the connection; it is invalid afterwards.
    @inlinable
    public func release() { host.pointee.connection_release(raw) }
}

/// Pointers to each NUL-terminated array, valid inside `body`.
func withCStringArray<R>(_ strings: [[CChar]], _ body: ([UnsafePointer<CChar>]) -> R) -> R {
    var storage: [UnsafeMutablePointer<CChar>] = []
    for s in strings {
        let p = UnsafeMutablePointer<CChar>.allocate(capacity: s.count)
        s.withUnsafeBufferPointer { p.initialize(from: $0.baseAddress!, count: s.count) }
        storage.append(p)
    }
    defer { storage.forEach { $0.deallocate() } }
    return body(storage.map { UnsafePointer($0) })
}
