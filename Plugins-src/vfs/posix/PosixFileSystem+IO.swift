import CChimera
import ChimeraPluginKit
import CLinuxShims
import Glibc

/// An fd for one I/O op: the request's open handle, or one opened for the
/// op from its handle (stateless callers) and closed after it.
struct IODescriptor: ~Copyable {
    let fd: Int32
    let owned: Bool

    consuming func close() {
        if owned { PosixCall.close(fd) }
        discard self
    }

    deinit {
        if owned { PosixCall.close(fd) }
    }
}

extension PosixFileSystem {
    func ioDescriptor(_ request: VFSRequest, flags: UInt32) throws(PosixError) -> IODescriptor {
        if request.openHandle != 0 {
            return IODescriptor(fd: try openFiles.descriptor(request.openHandle), owned: false)
        }
        let object = try object(request)
        return IODescriptor(fd: try openForIO(object, flags), owned: true)
    }

    static func offset(_ value: UInt64) throws(PosixError) -> Int64 {
        guard value <= UInt64(Int64.max) else { throw PosixError(.fileTooBig) }
        return Int64(value)
    }

    /// The caller's iovecs cut to `length` bytes.
    static func iovecs(_ io: chimera_vfs_args_io) throws(PosixError) -> [iovec] {
        var out: [iovec] = []
        var remaining = Int(io.length)
        guard remaining > 0 else { return out }
        guard let base = io.iov, io.iovcnt > 0, io.iovcnt <= 1024 else { throw .invalid }
        for i in 0..<Int(io.iovcnt) where remaining > 0 {
            let v = base[i]
            let take = min(v.iov_len, remaining)
            if take > 0 { out.append(iovec(iov_base: v.iov_base, iov_len: take)) }
            remaining -= take
        }
        guard remaining == 0 else { throw .invalid }
        return out
    }

    func read(_ request: VFSRequest) throws(PosixError) {
        let io = request.raw.pointee.read
        let offset = try Self.offset(io.offset)
        let descriptor = try ioDescriptor(request, flags: UInt32(CHIMERA_VFS_OPEN_READ))
        var vectors = try Self.iovecs(io)
        var total = 0
        var hitEnd = false
        // Regular files come back short only at end of file; bounded anyway.
        for _ in 0..<64 where !vectors.isEmpty {
            let n = try vectors.withUnsafeBufferPointer { v throws(PosixError) in
                try PosixCall.libc {
                    preadv(descriptor.fd, v.baseAddress, Int32(v.count), off_t(offset) + off_t(total))
                }
            }
            if n == 0 {
                hitEnd = true
                break
            }
            total += n
            Self.advance(&vectors, by: n)
        }
        let st = try PosixCall.stat(descriptor.fd)
        request.raw.pointee.read.r_length = UInt32(total)
        request.raw.pointee.read.r_eof = hitEnd || UInt64(offset) + UInt64(total) >= st.stx_size ? 1 : 0
        PosixAttributes.fill(&request.raw.pointee.r_attrs, from: st)
        descriptor.close()
    }

    static func advance(_ vectors: inout [iovec], by count: Int) {
        var rest = count
        while rest > 0, let first = vectors.first {
            if first.iov_len <= rest {
                rest -= first.iov_len
                vectors.removeFirst()
            } else {
                vectors[0] = iovec(iov_base: first.iov_base.map { $0 + rest }, iov_len: first.iov_len - rest)
                rest = 0
            }
        }
    }

    /// WRITE: DATA_SYNC and FILE_SYNC are on disk (fdatasync / fsync)
    /// before the request completes.
    func write(_ request: VFSRequest) throws(PosixError) {
        let io = request.raw.pointee.write
        let offset = try Self.offset(io.offset)
        let descriptor = try ioDescriptor(request, flags: UInt32(CHIMERA_VFS_OPEN_WRITE))
        if request.wantsPreAttributes {
            PosixAttributes.fill(&request.raw.pointee.r_pre_attrs, from: try PosixCall.stat(descriptor.fd))
        }
        var vectors = try Self.iovecs(io)
        var total = 0
        for _ in 0..<64 where !vectors.isEmpty {
            let n = try vectors.withUnsafeBufferPointer { v throws(PosixError) in
                try PosixCall.libc {
                    pwritev(descriptor.fd, v.baseAddress, Int32(v.count), off_t(offset) + off_t(total))
                }
            }
            if n == 0 { break }
            total += n
            Self.advance(&vectors, by: n)
        }
        let stable = min(io.stable, UInt32(CHIMERA_VFS_FILE_SYNC))
        if stable == UInt32(CHIMERA_VFS_DATA_SYNC) {
            _ = try PosixCall.libc { fdatasync(descriptor.fd) }
        } else if stable == UInt32(CHIMERA_VFS_FILE_SYNC) {
            _ = try PosixCall.libc { fsync(descriptor.fd) }
        }
        request.raw.pointee.write.r_length = UInt32(total)
        request.raw.pointee.write.r_stable = stable
        PosixAttributes.fill(&request.raw.pointee.r_attrs, from: try PosixCall.stat(descriptor.fd))
        descriptor.close()
    }

    /// COMMIT: fsync, whatever the range (Linux syncs ranges only without
    /// the metadata a COMMIT must cover).
    func commit(_ request: VFSRequest) throws(PosixError) {
        let descriptor = try ioDescriptor(request, flags: UInt32(CHIMERA_VFS_OPEN_READ))
        if request.wantsPreAttributes {
            PosixAttributes.fill(&request.raw.pointee.r_pre_attrs, from: try PosixCall.stat(descriptor.fd))
        }
        _ = try PosixCall.libc { fsync(descriptor.fd) }
        PosixAttributes.fill(&request.raw.pointee.r_attrs, from: try PosixCall.stat(descriptor.fd))
        descriptor.close()
    }

    func allocate(_ request: VFSRequest) throws(PosixError) {
        let args = request.raw.pointee.allocate
        let keepSize = args.flags & UInt32(CHIMERA_VFS_ALLOC_KEEP_SIZE) != 0
        try fallocate(request, args, mode: keepSize ? clinux_FALLOC_FL_KEEP_SIZE : 0)
    }

    func deallocate(_ request: VFSRequest) throws(PosixError) {
        try fallocate(
            request, request.raw.pointee.deallocate, mode: clinux_FALLOC_FL_PUNCH_HOLE | clinux_FALLOC_FL_KEEP_SIZE)
    }

    private func fallocate(_ request: VFSRequest, _ args: chimera_vfs_args_range, mode: Int32) throws(PosixError) {
        let offset = try Self.offset(args.offset)
        let length = try Self.offset(args.length)
        guard length > 0, offset <= Int64.max - length else { throw .invalid }
        let descriptor = try ioDescriptor(request, flags: UInt32(CHIMERA_VFS_OPEN_WRITE))
        _ = try PosixCall.shim { clinux_fallocate(descriptor.fd, mode, offset, length) }
        PosixAttributes.fill(&request.raw.pointee.r_attrs, from: try PosixCall.stat(descriptor.fd))
        descriptor.close()
    }

    /// SEEK (RFC 7862 15.11): past the end is NXIO; no data after the
    /// offset (a trailing hole) is success with r_eof.
    func seek(_ request: VFSRequest) throws(PosixError) {
        let args = request.raw.pointee.seek
        let offset = try Self.offset(args.offset)
        let descriptor = try ioDescriptor(request, flags: UInt32(CHIMERA_VFS_OPEN_READ))
        let size = try PosixCall.stat(descriptor.fd).stx_size
        guard UInt64(offset) < size else { throw PosixError(.noDevice) }
        let whence = args.what == UInt32(CHIMERA_VFS_SEEK_HOLE) ? clinux_SEEK_HOLE : clinux_SEEK_DATA
        do {
            let found = try PosixCall.libc { lseek(descriptor.fd, off_t(offset), whence) }
            request.raw.pointee.seek.r_offset = UInt64(found)
            request.raw.pointee.seek.r_eof = UInt64(found) >= size ? 1 : 0
        } catch where error.status == .noDevice {
            request.raw.pointee.seek.r_offset = size
            request.raw.pointee.seek.r_eof = 1
        }
        descriptor.close()
    }

    /// The destination of COPY_RANGE / CLONE_RANGE, writable.
    private func copyDestination(_ args: chimera_vfs_args_copy) throws(PosixError) -> IODescriptor {
        if args.dst_open_handle != 0 {
            return IODescriptor(fd: try openFiles.descriptor(args.dst_open_handle), owned: false)
        }
        let object = try object(args.dst_fh, args.dst_fh_len)
        return IODescriptor(fd: try openForIO(object, UInt32(CHIMERA_VFS_OPEN_WRITE)), owned: true)
    }

    /// COPY_RANGE with copy_file_range(2); length 0 copies to the source's
    /// end of file.
    func copyRange(_ request: VFSRequest) throws(PosixError) {
        let args = request.raw.pointee.copy
        var source = try Self.offset(args.src_offset)
        var destination = try Self.offset(args.dst_offset)
        let input = try ioDescriptor(request, flags: UInt32(CHIMERA_VFS_OPEN_READ))
        let output = try copyDestination(args)
        var remaining = args.length
        if remaining == 0 {
            let size = try PosixCall.stat(input.fd).stx_size
            remaining = size > UInt64(source) ? size - UInt64(source) : 0
        }
        var total: UInt64 = 0
        // Each call moves up to ~2 GiB; the bound covers any real file.
        for _ in 0..<65_536 where remaining > 0 {
            let chunk = Int(min(remaining, 1 << 30))
            let n = try PosixCall.shim { clinux_copy_file_range(input.fd, source, output.fd, destination, chunk) }
            if n == 0 { break }
            total += UInt64(n)
            remaining -= UInt64(n)
            source += Int64(n)
            destination += Int64(n)
        }
        request.raw.pointee.copy.r_length = total
        input.close()
        output.close()
    }

    /// CLONE_RANGE with FICLONERANGE; NOTSUP where the file system cannot
    /// share blocks (ext4, tmpfs).
    func cloneRange(_ request: VFSRequest) throws(PosixError) {
        let args = request.raw.pointee.copy
        let input = try ioDescriptor(request, flags: UInt32(CHIMERA_VFS_OPEN_READ))
        let output = try copyDestination(args)
        let rc = clinux_clone_range(output.fd, input.fd, args.src_offset, args.length, args.dst_offset)
        input.close()
        output.close()
        if rc < 0 {
            switch -rc {
            case EOPNOTSUPP, ENOTTY, ENOSYS: throw .notSupported
            default: throw PosixError(errno: -rc)
            }
        }
        request.raw.pointee.copy.r_length = args.length
    }
}
