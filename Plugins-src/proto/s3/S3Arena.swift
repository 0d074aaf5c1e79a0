/// Memory whose address stays put while a request owns pointers into it;
/// freed with the arena once the request completed.
final class S3Arena {
    private var blocks: [UnsafeMutableRawPointer] = []

    deinit {
        for block in blocks { block.deallocate() }
    }

    func allocate(_ count: Int) -> UnsafeMutableRawPointer {
        let block = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1), alignment: 16)
        blocks.append(block)
        return block
    }

    func copy(_ bytes: [UInt8]) -> UnsafePointer<UInt8> {
        let block = allocate(bytes.count)
        bytes.withUnsafeBytes { if let base = $0.baseAddress { block.copyMemory(from: base, byteCount: $0.count) } }
        return UnsafePointer(block.assumingMemoryBound(to: UInt8.self))
    }

    /// `text` as bytes, NUL-terminated (the NUL is not counted in the length).
    func chars(_ text: String) -> (UnsafePointer<CChar>, UInt32) {
        let utf8 = Array(text.utf8)
        let block = allocate(utf8.count + 1)
        utf8.withUnsafeBytes { if let base = $0.baseAddress { block.copyMemory(from: base, byteCount: $0.count) } }
        block.storeBytes(of: 0, toByteOffset: utf8.count, as: UInt8.self)
        return (UnsafePointer(block.assumingMemoryBound(to: CChar.self)), UInt32(utf8.count))
    }
}
