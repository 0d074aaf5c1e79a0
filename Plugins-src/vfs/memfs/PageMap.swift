import Glibc

/// The data of one sparse file: fixed-size pages allocated on first write.
///
/// 4 KiB pages: a 4 KiB random write touches one page and never copies or
/// zeroes more than it writes, and 1 GiB of data costs 1 GiB plus well
/// under 1% (a malloc header and one table slot per page).
///
/// A two-level table: chunks of 64 page slots (256 KiB of file, 512 bytes
/// of table), found through a flat array for the first 8 GiB of offsets
/// and a dictionary beyond. A dense file costs one load per page; a far
/// write (4 GiB+, or near the 1 PiB limit) costs one small chunk, so even
/// 4 KiB writes scattered over a terabyte add at most 1/8 of table to the
/// data they hold.
///
/// Invariant kept by the file's owner: bytes of an allocated page past the
/// file's size are zero, so growing the file never exposes old data.
///
/// The pages are raw memory owned by whoever holds the map, freed with
/// ``releaseAll()``. It lives inside an inode's locked state and is never
/// copied out of it.
struct PageMap: @unchecked Sendable {
    typealias Chunk = UnsafeMutablePointer<UnsafeMutableRawPointer?>

    static let shift: UInt64 = 12
    static let size = 1 << shift
    static let mask = UInt64(size - 1)
    static let chunkShift: UInt64 = 6
    static let chunkPages = 1 << chunkShift
    static let chunkMask = UInt64(chunkPages - 1)
    /// Chunks reached through the flat array (8 GiB of offsets).
    static let nearChunkLimit = 32_768

    private var near: [Chunk?] = []
    private var far: [UInt64: Chunk] = [:]
    /// Pages allocated.
    private(set) var count = 0

    @inline(__always)
    private func chunk(_ chunkIndex: UInt64) -> Chunk? {
        if chunkIndex < UInt64(near.count) { return near[Int(chunkIndex)] }
        if chunkIndex < UInt64(Self.nearChunkLimit) || far.isEmpty { return nil }
        return far[chunkIndex]
    }

    @inline(__always)
    func page(_ index: UInt64) -> UnsafeMutableRawPointer? {
        guard let chunk = chunk(index >> Self.chunkShift) else { return nil }
        return chunk[Int(index & Self.chunkMask)]
    }

    /// The page at `index`, allocated when absent (zeroed, unless the
    /// caller is about to overwrite all of it: `whole`); `allocated` is set
    /// when it was.
    @inline(__always)
    mutating func pageForWrite(_ index: UInt64, allocated: inout Bool, whole: Bool = false) -> UnsafeMutableRawPointer {
        let chunk = chunkForWrite(index >> Self.chunkShift)
        let slot = Int(index & Self.chunkMask)
        if let existing = chunk[slot] { return existing }
        let fresh = UnsafeMutableRawPointer.allocate(byteCount: Self.size, alignment: 16)
        if !whole { memset(fresh, 0, Self.size) }
        chunk[slot] = fresh
        count += 1
        allocated = true
        return fresh
    }

    private mutating func chunkForWrite(_ chunkIndex: UInt64) -> Chunk {
        if let existing = chunk(chunkIndex) { return existing }
        let fresh = Chunk.allocate(capacity: Self.chunkPages)
        fresh.initialize(repeating: nil, count: Self.chunkPages)
        if chunkIndex < UInt64(Self.nearChunkLimit) {
            let index = Int(chunkIndex)
            if index >= near.count {
                near.append(contentsOf: repeatElement(nil, count: index + 1 - near.count))
            }
            near[index] = fresh
        } else {
            far[chunkIndex] = fresh
        }
        return fresh
    }

    /// Every chunk at or after `firstChunk`, near ones in order, far ones
    /// in no particular order.
    private func forEachChunk(from firstChunk: UInt64, _ body: (UInt64, Chunk) -> Void) {
        if firstChunk < UInt64(near.count) {
            for i in Int(firstChunk)..<near.count {
                if let chunk = near[i] { body(UInt64(i), chunk) }
            }
        }
        for (index, chunk) in far where index >= firstChunk {
            body(index, chunk)
        }
    }

    /// Free the whole pages in [first, end); returns how many were freed.
    mutating func removePages(from first: UInt64, to end: UInt64) -> Int {
        guard first < end else { return 0 }
        var freed = 0
        forEachChunk(from: first >> Self.chunkShift) { chunkIndex, chunk in
            let base = chunkIndex << Self.chunkShift
            guard base < end else { return }
            let low = first > base ? Int(first - base) : 0
            let high = Int(Swift.min(UInt64(Self.chunkPages), end - base))
            guard low < high else { return }
            for slot in low..<high {
                if let page = chunk[slot] {
                    page.deallocate()
                    chunk[slot] = nil
                    freed += 1
                }
            }
        }
        count -= freed
        if first == 0 && end == UInt64.max { dropChunks() }
        return freed
    }

    /// Free every page at or after `index`; returns how many were freed.
    mutating func removeAll(from index: UInt64) -> Int {
        removePages(from: index, to: UInt64.max)
    }

    /// The first allocated page at or after `index`.
    func firstPage(atOrAfter index: UInt64) -> UInt64? {
        var best: UInt64?
        forEachChunk(from: index >> Self.chunkShift) { chunkIndex, chunk in
            let base = chunkIndex << Self.chunkShift
            if let best, base >= best { return }
            let low = index > base ? Int(index - base) : 0
            for slot in low..<Self.chunkPages where chunk[slot] != nil {
                let found = base + UInt64(slot)
                if best.map({ found < $0 }) ?? true { best = found }
                return
            }
        }
        return best
    }

    /// Free everything, the tables included. Returns the pages freed.
    mutating func releaseAll() -> Int {
        removePages(from: 0, to: UInt64.max)
    }

    private mutating func dropChunks() {
        for chunk in near { chunk?.deallocate() }
        for chunk in far.values { chunk.deallocate() }
        near = []
        far = [:]
    }
}
