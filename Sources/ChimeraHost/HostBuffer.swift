import CChimera
import NIOCore

/// A `chimera_buffer`: a NIO ByteBuffer whose bytes a plugin writes
/// directly, so a reply goes to the socket without another copy. Eight
/// bytes of headroom in front of what the plugin sees let the host put a
/// record mark or length prefix in place instead of sending it apart.
final class HostBuffer {
    static let headroom = 8

    var buffer: ByteBuffer
    let raw: UnsafeMutablePointer<chimera_buffer>
    let base: UnsafeMutablePointer<UInt8>

    static let allocator = ByteBufferAllocator()

    init(capacity: Int) {
        var buffer = Self.allocator.buffer(capacity: max(capacity, 1) + Self.headroom)
        // The storage belongs to `buffer`, which this object holds and does
        // not grow, so the address stays valid for the buffer's life.
        let base = buffer.withUnsafeMutableWritableBytes { $0.baseAddress!.assumingMemoryBound(to: UInt8.self) }
        self.buffer = buffer
        self.base = base
        self.raw = .allocate(capacity: 1)
        raw.initialize(
            to: chimera_buffer(
                data: base + Self.headroom, capacity: buffer.writableBytes - Self.headroom, length: 0,
                host_private: nil))
        raw.pointee.host_private = Unmanaged.passUnretained(self).toOpaque()
    }

    deinit {
        raw.deallocate()
    }

    /// Hand a C buffer back to Swift, taking the reference the plugin held.
    static func take(_ raw: UnsafeMutablePointer<chimera_buffer>) -> HostBuffer {
        Unmanaged<HostBuffer>.fromOpaque(raw.pointee.host_private!).takeRetainedValue()
    }

    /// The bytes the plugin wrote, `[data, data+length)`, as a ByteBuffer
    /// this object no longer holds (so writing a header into its headroom
    /// copies nothing); nil if the plugin moved them outside the buffer.
    func takeBytes() -> ByteBuffer? {
        let offset = raw.pointee.data - base
        let length = raw.pointee.length
        guard offset >= 0, length <= buffer.writableBytes, offset + length <= buffer.writableBytes else { return nil }
        var bytes = buffer
        buffer = ByteBuffer()
        bytes.moveWriterIndex(to: offset + length)
        bytes.moveReaderIndex(to: offset)
        return bytes
    }

    /// A new buffer whose C view is owned by the caller (a plugin).
    static func allocate(capacity: Int) -> UnsafeMutablePointer<chimera_buffer> {
        let buffer = HostBuffer(capacity: capacity)
        _ = Unmanaged.passRetained(buffer)
        return buffer.raw
    }
}
