import CChimera

/// A received message (`chimera_message`): bytes that stay valid until
/// ``release()``.
public struct PluginMessage: @unchecked Sendable {
    public let raw: UnsafeMutablePointer<chimera_message>
    public let host: UnsafePointer<chimera_host>

    @inlinable
    public init(_ raw: UnsafeMutablePointer<chimera_message>, host: UnsafePointer<chimera_host>) {
        self.raw = raw
        self.host = host
    }

    public enum Kind: Sendable, Equatable {
        case record, httpHead, httpBody, httpEnd, other(UInt32)
    }

    @inlinable
    public var kind: Kind {
        switch Int32(raw.pointee.kind) {
        case CHIMERA_MSG_RECORD: .record
        case CHIMERA_MSG_HTTP_HEAD: .httpHead
        case CHIMERA_MSG_HTTP_BODY: .httpBody
        case CHIMERA_MSG_HTTP_END: .httpEnd
        default: .other(raw.pointee.kind)
        }
    }

    @inlinable
    public var length: Int { raw.pointee.length }

    /// The iovecs holding the bytes.
    @inlinable
    public var iovecs: UnsafeBufferPointer<iovec> {
        UnsafeBufferPointer(start: raw.pointee.iov, count: Int(raw.pointee.iovcnt))
    }

    /// The bytes when they are contiguous (always, from this host), else nil.
    @inlinable
    public var contiguousBytes: UnsafeRawBufferPointer? {
        let iov = iovecs
        if iov.isEmpty { return UnsafeRawBufferPointer(start: nil, count: 0) }
        guard iov.count == 1 else { return nil }
        return UnsafeRawBufferPointer(start: iov[0].iov_base, count: iov[0].iov_len)
    }

    /// The request head of an `.httpHead` message.
    @inlinable
    public var httpHead: UnsafePointer<chimera_http_head>? { raw.pointee.http }

    @inlinable
    public func release() {
        host.pointee.message_release(raw)
    }
}

extension chimera_http_head {
    /// Bytes of a (pointer, length) pair in the head.
    @inlinable
    public static func bytes(_ pointer: UnsafePointer<CChar>?, _ count: UInt32) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: pointer, count: Int(count))
    }

    public var methodBytes: UnsafeRawBufferPointer { Self.bytes(method, method_len) }
    public var uriBytes: UnsafeRawBufferPointer { Self.bytes(uri, uri_len) }

    /// The headers as (name, value) byte views.
    public var headerFields: [(name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer)] {
        (0..<Int(header_count)).map { i in
            let h = headers[i]
            return (Self.bytes(h.name, h.name_len), Self.bytes(h.value, h.value_len))
        }
    }
}
