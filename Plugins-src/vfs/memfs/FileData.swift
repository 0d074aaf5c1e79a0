import Glibc

/// A position in a list of iovecs: where the next byte of a READ goes or
/// the next byte of a WRITE comes from.
struct IOVecCursor {
    private let iovecs: UnsafeBufferPointer<iovec>
    private var index = 0
    private var offset = 0

    init(_ iovecs: UnsafeBufferPointer<iovec>) {
        self.iovecs = iovecs
    }

    /// Bytes the iovecs hold in all.
    static func capacity(_ iovecs: UnsafeBufferPointer<iovec>) -> Int {
        var total = 0
        for iov in iovecs { total += iov.iov_len }
        return total
    }

    /// Copy `count` bytes from `source` into the iovecs.
    @inline(__always)
    mutating func store(from source: UnsafeRawPointer, count: Int) {
        var done = 0
        while done < count && index < iovecs.count {
            let iov = iovecs[index]
            let n = Swift.min(count - done, iov.iov_len - offset)
            if n > 0, let base = iov.iov_base {
                memcpy(base + offset, source + done, n)
            }
            advance(n, in: iov.iov_len)
            done += n
        }
    }

    /// Write `count` zeros into the iovecs (a hole).
    @inline(__always)
    mutating func storeZeros(count: Int) {
        var done = 0
        while done < count && index < iovecs.count {
            let iov = iovecs[index]
            let n = Swift.min(count - done, iov.iov_len - offset)
            if n > 0, let base = iov.iov_base {
                memset(base + offset, 0, n)
            }
            advance(n, in: iov.iov_len)
            done += n
        }
    }

    /// Copy `count` bytes from the iovecs to `destination`.
    @inline(__always)
    mutating func load(into destination: UnsafeMutableRawPointer, count: Int) {
        var done = 0
        while done < count && index < iovecs.count {
            let iov = iovecs[index]
            let n = Swift.min(count - done, iov.iov_len - offset)
            if n > 0, let base = iov.iov_base {
                memcpy(destination + done, base + offset, n)
            }
            advance(n, in: iov.iov_len)
            done += n
        }
    }

    /// Skip `count` bytes of the iovecs.
    @inline(__always)
    mutating func skip(_ count: Int) {
        var done = 0
        while done < count && index < iovecs.count {
            let iov = iovecs[index]
            let n = Swift.min(count - done, iov.iov_len - offset)
            advance(n, in: iov.iov_len)
            done += n
        }
    }

    @inline(__always)
    private mutating func advance(_ n: Int, in length: Int) {
        offset += n
        if offset >= length {
            index += 1
            offset = 0
        }
    }
}

extension InodeState {
    /// Copy `count` bytes at `offset` out of the file into `cursor`; holes
    /// read as zeros. The caller keeps the range inside the file.
    func readData(at offset: UInt64, count: Int, into cursor: inout IOVecCursor) {
        var position = offset
        var remaining = count
        while remaining > 0 {
            let inPage = Int(position & PageMap.mask)
            let n = Swift.min(remaining, PageMap.size - inPage)
            if let page = pages.page(position >> PageMap.shift) {
                cursor.store(from: page + inPage, count: n)
            } else {
                cursor.storeZeros(count: n)
            }
            position += UInt64(n)
            remaining -= n
        }
    }

    /// Pages absent in [offset, offset+count): what a write there allocates.
    func missingPages(at offset: UInt64, count: Int) -> Int {
        guard count > 0 else { return 0 }
        let first = offset >> PageMap.shift
        let last = (offset + UInt64(count) - 1) >> PageMap.shift
        var missing = 0
        var index = first
        while index <= last {
            if pages.page(index) == nil { missing += 1 }
            index += 1
        }
        return missing
    }

    /// Copy `count` bytes from `cursor` into the file at `offset`,
    /// allocating pages. The caller reserved the pages and checked limits.
    mutating func writeData(at offset: UInt64, count: Int, from cursor: inout IOVecCursor) {
        var position = offset
        var remaining = count
        var allocated = false
        while remaining > 0 {
            let inPage = Int(position & PageMap.mask)
            let n = Swift.min(remaining, PageMap.size - inPage)
            // A page this write fills entirely need not be zeroed first.
            let page = pages.pageForWrite(
                position >> PageMap.shift, allocated: &allocated, whole: inPage == 0 && n == PageMap.size)
            cursor.load(into: page + inPage, count: n)
            position += UInt64(n)
            remaining -= n
        }
        let end = offset + UInt64(count)
        if end > size { size = end }
    }

    /// Zero [offset, offset+count): whole pages are freed, the partial
    /// pages at either end zeroed. Returns the pages freed.
    mutating func punchHole(at offset: UInt64, count: UInt64) -> Int {
        guard count > 0 else { return 0 }
        let end = offset + count
        let firstWhole = (offset + PageMap.mask) >> PageMap.shift
        let endWhole = end >> PageMap.shift
        if firstWhole > endWhole {
            // Inside one page.
            zero(from: offset, to: end)
            return 0
        }
        zero(from: offset, to: firstWhole << PageMap.shift)
        zero(from: endWhole << PageMap.shift, to: end)
        return pages.removePages(from: firstWhole, to: endWhole)
    }

    /// Zero [start, end) inside one page, when that page exists.
    private func zero(from start: UInt64, to end: UInt64) {
        guard start < end, let page = pages.page(start >> PageMap.shift) else { return }
        memset(page + Int(start & PageMap.mask), 0, Int(end - start))
    }
}
