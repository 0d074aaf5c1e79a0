import CChimera
import ChimeraPluginKit
import Glibc
import Synchronization

extension MemFS {
    /// Most bytes one COPY_RANGE moves; r_length tells the caller where to
    /// continue (NFSv4.2 COPY allows short copies, RFC 7862 §15.2).
    static let maxCopy: UInt64 = 1 << 30
    static let copyBuffer = 1 << 20

    @inline(__always)
    static func notRegular(_ state: borrowing InodeState) -> MemFSFailure {
        MemFSFailure(state.isDirectory ? .isDirectory : .invalid)
    }

    func read(_ request: VFSRequest) throws(MemFSFailure) {
        let inode = try resolve(request.handle)
        let offset = request.raw.pointee.read.offset
        let iovecs = UnsafeBufferPointer(
            start: request.raw.pointee.read.iov,
            count: Int(request.raw.pointee.read.iovcnt)
        )
        let wanted = min(Int(request.raw.pointee.read.length), IOVecCursor.capacity(iovecs))
        let (length, eof) = try inode.state.withLock { state throws(MemFSFailure) -> (Int, Bool) in
            guard state.alive else { throw MemFSFailure(.stale) }
            guard state.isRegular else { throw Self.notRegular(state) }
            fillAttributes(request, state, inode.number)
            guard offset < state.size else { return (0, true) }
            let n = Int(min(UInt64(wanted), state.size - offset))
            var cursor = IOVecCursor(iovecs)
            state.readData(at: offset, count: n, into: &cursor)
            return (n, offset + UInt64(n) >= state.size)
        }
        request.raw.pointee.read.r_length = UInt32(length)
        request.raw.pointee.read.r_eof = eof ? 1 : 0
    }

    /// WRITE: memory is as stable as memfs gets, so every write is FILE_SYNC.
    func write(_ request: VFSRequest) throws(MemFSFailure) {
        let inode = try resolve(request.handle)
        let offset = request.raw.pointee.write.offset
        let count = Int(request.raw.pointee.write.length)
        let iovecs = UnsafeBufferPointer(
            start: request.raw.pointee.write.iov,
            count: Int(request.raw.pointee.write.iovcnt)
        )
        guard IOVecCursor.capacity(iovecs) >= count else { throw MemFSFailure(.invalid) }
        guard offset <= Self.maxFileSize, UInt64(count) <= Self.maxFileSize - offset else {
            throw MemFSFailure(.fileTooBig)
        }
        let now = MemFSClock.now()
        try inode.state.withLock { state throws(MemFSFailure) in
            guard state.alive else { throw MemFSFailure(.stale) }
            guard state.isRegular else { throw Self.notRegular(state) }
            fillPreAttributes(request, state, inode.number)
            if count > 0 {
                guard usage.reservePages(state.missingPages(at: offset, count: count)) else {
                    throw MemFSFailure(.noSpace)
                }
                var cursor = IOVecCursor(iovecs)
                state.writeData(at: offset, count: count, from: &cursor)
                state.touchContents(now)
            }
            fillAttributes(request, state, inode.number)
        }
        request.raw.pointee.write.r_length = UInt32(count)
        request.raw.pointee.write.r_stable = UInt32(CHIMERA_VFS_FILE_SYNC)
    }

    func commit(_ request: VFSRequest) throws(MemFSFailure) {
        let inode = try resolve(request.handle)
        try inode.state.withLock { state throws(MemFSFailure) in
            guard state.alive else { throw MemFSFailure(.stale) }
            fillPreAttributes(request, state, inode.number)
            fillAttributes(request, state, inode.number)
        }
    }

    /// ALLOCATE (fallocate): zeroed pages for the range, counted against
    /// the size limit; the size grows unless ALLOC_KEEP_SIZE.
    func allocate(_ request: VFSRequest) throws(MemFSFailure) {
        let inode = try resolve(request.handle)
        let args = request.raw.pointee.allocate
        guard args.length > 0 else { throw MemFSFailure(.invalid) }
        guard args.offset <= Self.maxFileSize, args.length <= Self.maxFileSize - args.offset else {
            throw MemFSFailure(.fileTooBig)
        }
        let end = args.offset + args.length
        let firstPage = args.offset >> PageMap.shift
        let lastPage = (end - 1) >> PageMap.shift
        // More pages than the limit allows can never succeed: refuse before
        // counting them one by one.
        guard Int64(clamping: lastPage - firstPage + 1) <= usage.sizeLimit >> Int64(PageMap.shift) else {
            throw MemFSFailure(.noSpace)
        }
        let keepSize = args.flags & UInt32(CHIMERA_VFS_ALLOC_KEEP_SIZE) != 0
        let now = MemFSClock.now()
        try inode.state.withLock { state throws(MemFSFailure) in
            guard state.alive else { throw MemFSFailure(.stale) }
            guard state.isRegular else { throw Self.notRegular(state) }
            guard usage.reservePages(state.missingPages(at: args.offset, count: Int(args.length))) else {
                throw MemFSFailure(.noSpace)
            }
            var allocated = false
            var index = firstPage
            while index <= lastPage {
                _ = state.pages.pageForWrite(index, allocated: &allocated)
                index += 1
            }
            if !keepSize && end > state.size {
                state.size = end
                state.mtime = now
            }
            state.touchMetadata(now)
            fillAttributes(request, state, inode.number)
        }
    }

    /// DEALLOCATE: punch a hole; the size does not change.
    func deallocate(_ request: VFSRequest) throws(MemFSFailure) {
        let inode = try resolve(request.handle)
        let args = request.raw.pointee.deallocate
        guard args.length > 0 else { throw MemFSFailure(.invalid) }
        let length = min(args.length, UInt64.max - args.offset)
        let now = MemFSClock.now()
        try inode.state.withLock { state throws(MemFSFailure) in
            guard state.alive else { throw MemFSFailure(.stale) }
            guard state.isRegular else { throw Self.notRegular(state) }
            usage.releasePages(state.punchHole(at: args.offset, count: length))
            state.touchContents(now)
            fillAttributes(request, state, inode.number)
        }
    }

    /// SEEK (lseek SEEK_DATA / SEEK_HOLE, RFC 7862 §15.11): NXIO at or past
    /// the end; the end of the file is a hole.
    func seek(_ request: VFSRequest) throws(MemFSFailure) {
        let inode = try resolve(request.handle)
        let offset = request.raw.pointee.seek.offset
        let what = request.raw.pointee.seek.what
        guard what == UInt32(CHIMERA_VFS_SEEK_DATA) || what == UInt32(CHIMERA_VFS_SEEK_HOLE) else {
            throw MemFSFailure(.invalid)
        }
        let (result, eof) = try inode.state.withLock { state throws(MemFSFailure) -> (UInt64, Bool) in
            guard state.alive else { throw MemFSFailure(.stale) }
            guard state.isRegular else { throw Self.notRegular(state) }
            guard offset < state.size else { throw MemFSFailure(.noDevice) }
            if what == UInt32(CHIMERA_VFS_SEEK_DATA) {
                guard let page = state.pages.firstPage(atOrAfter: offset >> PageMap.shift),
                    page << PageMap.shift < state.size
                else { throw MemFSFailure(.noDevice) }
                let data = max(offset, page << PageMap.shift)
                return (data, Self.hole(in: state, at: data) >= state.size)
            }
            let hole = Self.hole(in: state, at: offset)
            return (hole, hole >= state.size)
        }
        request.raw.pointee.seek.r_offset = result
        request.raw.pointee.seek.r_eof = eof ? 1 : 0
    }

    /// The first offset at or after `offset` that is not in a page (at most
    /// the size).
    static func hole(in state: borrowing InodeState, at offset: UInt64) -> UInt64 {
        var index = offset >> PageMap.shift
        while index << PageMap.shift < state.size && state.pages.page(index) != nil {
            index += 1
        }
        return min(max(offset, index << PageMap.shift), state.size)
    }

    /// COPY_RANGE: copy inside memfs, keeping holes holes.
    func copyRange(_ request: VFSRequest) throws(MemFSFailure) {
        let source = try resolve(request.handle)
        let args = request.raw.pointee.copy
        let destination = try resolve(args.dst_fh, args.dst_fh_len)
        guard !source.isDirectory, !destination.isDirectory else { throw MemFSFailure(.isDirectory) }
        let now = MemFSClock.now()
        let copied = try withNonDirectories(source, destination) { src, dst throws(MemFSFailure) -> UInt64 in
            guard src.pointee.alive, dst?.pointee.alive ?? true else { throw MemFSFailure(.stale) }
            guard src.pointee.isRegular, dst?.pointee.isRegular ?? true else { throw MemFSFailure(.invalid) }
            let size = src.pointee.size
            guard args.src_offset < size else { return 0 }
            var length = args.length == 0 ? size - args.src_offset : min(args.length, size - args.src_offset)
            length = min(length, Self.maxCopy)
            guard args.dst_offset <= Self.maxFileSize, length <= Self.maxFileSize - args.dst_offset else {
                throw MemFSFailure(.fileTooBig)
            }
            let copied: UInt64
            if let dst {
                copied = copyPages(from: src, at: args.src_offset, to: dst, at: args.dst_offset, length: length)
                if copied > 0 { dst.pointee.touchContents(now) }
            } else {
                copied = copyWithin(src, from: args.src_offset, to: args.dst_offset, length: length)
                if copied > 0 { src.pointee.touchContents(now) }
            }
            guard copied > 0 || length == 0 else { throw MemFSFailure(.noSpace) }
            return copied
        }
        request.raw.pointee.copy.r_length = copied
    }

    /// Copy between two files page piece by page piece. Stops early when
    /// the size limit is reached; returns the bytes copied.
    private func copyPages(
        from src: UnsafeMutablePointer<InodeState>,
        at srcOffset: UInt64,
        to dst: UnsafeMutablePointer<InodeState>,
        at dstOffset: UInt64,
        length: UInt64
    ) -> UInt64 {
        var done: UInt64 = 0
        var allocated = false
        while done < length {
            let from = srcOffset + done
            let to = dstOffset + done
            let piece = min(
                length - done,
                UInt64(PageMap.size) - (from & PageMap.mask),
                UInt64(PageMap.size) - (to & PageMap.mask)
            )
            if let page = src.pointee.pages.page(from >> PageMap.shift) {
                if dst.pointee.pages.page(to >> PageMap.shift) == nil {
                    guard usage.reservePages(1) else { break }
                }
                let target = dst.pointee.pages.pageForWrite(to >> PageMap.shift, allocated: &allocated)
                memcpy(target + Int(to & PageMap.mask), page + Int(from & PageMap.mask), Int(piece))
            } else if let target = dst.pointee.pages.page(to >> PageMap.shift) {
                memset(target + Int(to & PageMap.mask), 0, Int(piece))
            }
            done += piece
        }
        if dstOffset + done > dst.pointee.size { dst.pointee.size = dstOffset + done }
        return done
    }

    /// Copy inside one file through a bounce buffer, back to front when the
    /// ranges overlap that way (memmove's rule).
    private func copyWithin(
        _ file: UnsafeMutablePointer<InodeState>,
        from srcOffset: UInt64,
        to dstOffset: UInt64,
        length: UInt64
    ) -> UInt64 {
        guard srcOffset != dstOffset else { return length }
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: Self.copyBuffer, alignment: 16)
        defer { buffer.deallocate() }
        let backwards = dstOffset > srcOffset && dstOffset < srcOffset + length
        var done: UInt64 = 0
        while done < length {
            let piece = min(length - done, UInt64(Self.copyBuffer))
            let at = backwards ? length - done - piece : done
            var iov = iovec(iov_base: buffer, iov_len: Int(piece))
            let ok = withUnsafePointer(to: &iov) { pointer -> Bool in
                let iovecs = UnsafeBufferPointer(start: pointer, count: 1)
                var reader = IOVecCursor(iovecs)
                file.pointee.readData(at: srcOffset + at, count: Int(piece), into: &reader)
                guard usage.reservePages(file.pointee.missingPages(at: dstOffset + at, count: Int(piece))) else {
                    return false
                }
                var writer = IOVecCursor(iovecs)
                file.pointee.writeData(at: dstOffset + at, count: Int(piece), from: &writer)
                return true
            }
            guard ok else { return backwards ? 0 : done }
            done += piece
        }
        return done
    }
}
