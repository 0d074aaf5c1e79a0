import CChimera

/// A host buffer (`chimera_buffer`) a plugin writes a reply into. Sending
/// it hands it to the host; otherwise release it.
public struct PluginBuffer: @unchecked Sendable {
    public let raw: UnsafeMutablePointer<chimera_buffer>

    @inlinable
    public init(_ raw: UnsafeMutablePointer<chimera_buffer>) { self.raw = raw }

    /// The writable bytes, `capacity` of them, from `data`.
    @inlinable
    public var bytes: UnsafeMutableRawBufferPointer {
        UnsafeMutableRawBufferPointer(start: raw.pointee.data, count: raw.pointee.capacity)
    }

    /// How many bytes from `data` to send.
    @inlinable
    public var length: Int {
        get { raw.pointee.length }
        nonmutating set { raw.pointee.length = newValue }
    }

    /// Leave `count` bytes of headroom: sending starts that far in (a
    /// header can then be written in front of data already in place).
    @inlinable
    public func advance(by count: Int) {
        precondition(count <= raw.pointee.capacity, "advance past the end of a host buffer")
        raw.pointee.data += count
        raw.pointee.capacity -= count
    }
}

extension PluginHost {
    /// A buffer of at least `capacity` bytes.
    @inlinable
    public func allocateBuffer(capacity: Int) -> PluginBuffer? {
        raw.pointee.buffer_alloc(raw, capacity).map(PluginBuffer.init)
    }

    /// Give back a buffer that will not be sent.
    @inlinable
    public func release(_ buffer: PluginBuffer) {
        raw.pointee.buffer_release(buffer.raw)
    }
}
