import CChimera

/// Memory a request's arguments point at (names, data, handles, the
/// credential, output buffers), freed together once the request's results
/// were read.
final class ConformanceArena {
    private var blocks: [UnsafeMutableRawPointer] = []

    deinit {
        release()
    }

    /// `count` zeroed bytes.
    func buffer(_ count: Int) -> UnsafeMutableRawPointer {
        let block = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1), alignment: 16)
        block.initializeMemory(as: UInt8.self, repeating: 0, count: max(count, 1))
        blocks.append(block)
        return block
    }

    /// A copy of `bytes`, followed by a NUL that is not counted.
    func bytes(_ bytes: [UInt8]) -> UnsafeMutablePointer<UInt8> {
        let block = buffer(bytes.count + 1)
        bytes.withUnsafeBytes { source in
            if let base = source.baseAddress { block.copyMemory(from: base, byteCount: source.count) }
        }
        return block.assumingMemoryBound(to: UInt8.self)
    }

    /// A copy of `bytes` as (not necessarily NUL-terminated) chars.
    func chars(_ bytes: [UInt8]) -> UnsafePointer<CChar> {
        UnsafeRawPointer(self.bytes(bytes)).assumingMemoryBound(to: CChar.self)
    }

    /// One value that lives as long as the arena.
    func value<T>(_ value: T) -> UnsafeMutablePointer<T> {
        let block = buffer(MemoryLayout<T>.stride)
        let typed = block.bindMemory(to: T.self, capacity: 1)
        typed.initialize(to: value)
        return typed
    }

    func release() {
        for block in blocks { block.deallocate() }
        blocks = []
    }
}
