/// Memory a request's arguments point at (names, handles, the credential,
/// iovecs, output buffers) whose address stays put until the request's
/// results were read; freed together with the arena. For the control path
/// and for front-ends whose arguments are Swift values: a front-end whose
/// arguments already sit in a held message (NFS) points at those instead.
public final class VFSArena {
    private var blocks: [UnsafeMutableRawPointer] = []

    public init() {}

    deinit {
        release()
    }

    /// `count` zeroed bytes.
    public func buffer(_ count: Int) -> UnsafeMutableRawPointer {
        let block = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1), alignment: 16)
        block.initializeMemory(as: UInt8.self, repeating: 0, count: max(count, 1))
        blocks.append(block)
        return block
    }

    /// A copy of `bytes`, followed by a NUL that is not counted.
    public func bytes(_ bytes: some Collection<UInt8>) -> UnsafeMutablePointer<UInt8> {
        let block = buffer(bytes.count + 1).assumingMemoryBound(to: UInt8.self)
        let contiguous: Void? = bytes.withContiguousStorageIfAvailable { source in
            if let base = source.baseAddress { block.update(from: base, count: source.count) }
        }
        if contiguous == nil {
            for (index, byte) in bytes.enumerated() { block[index] = byte }
        }
        return block
    }

    /// A copy of `bytes` as chars (NUL-terminated; the NUL is not part of
    /// any length the ABI is given).
    public func chars(_ bytes: some Collection<UInt8>) -> UnsafePointer<CChar> {
        UnsafeRawPointer(self.bytes(bytes)).assumingMemoryBound(to: CChar.self)
    }

    /// One value that lives as long as the arena.
    public func value<T>(_ value: T) -> UnsafeMutablePointer<T> {
        let typed = buffer(MemoryLayout<T>.stride).bindMemory(to: T.self, capacity: 1)
        typed.initialize(to: value)
        return typed
    }

    /// Free every block now (the arena may be used again).
    public func release() {
        for block in blocks { block.deallocate() }
        blocks = []
    }
}
