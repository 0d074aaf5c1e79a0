import CChimera
import ChimeraPluginKit
import CLibURing
import CLinuxShims
import Glibc
import PosixVFS

/// "" for statx(fd, "", AT_EMPTY_PATH): the kernel reads the path when the
/// SQE is submitted, so it must outlive the prep call.
nonisolated(unsafe) private let emptyPath: UnsafeMutablePointer<CChar> = {
    let p = UnsafeMutablePointer<CChar>.allocate(capacity: 1)
    p.initialize(to: 0)
    return p
}()

extension RingThread {
    /// Prepare and submit `request`'s SQEs, or hand it to the pool when
    /// that needs a blocking call. Never waits.
    func start(_ request: VFSRequest) {
        guard let ring, let stats, let vectors else {
            // A loop without a ring must not block; a pool thread may.
            if isLoop { delegate(request) } else { fileSystem.perform(request) }
            return
        }
        let raw = request.raw
        // What the op works on, found without a syscall.
        let fd: Int32
        var descriptor: PathDescriptor?
        switch request.op {
        case .getattr:
            guard let cached = fileSystem.cachedDescriptor(request.handle) else { return delegate(request) }
            descriptor = cached
            fd = cached.fd
        case .close:
            guard let open = fileSystem.releaseOpenHandle(request.openHandle) else {
                return request.complete(.badOpenHandle)
            }
            fd = open
        default:
            guard request.openHandle != 0 else { return delegate(request) }
            guard let open = fileSystem.openDescriptor(request.openHandle) else {
                return request.complete(.badOpenHandle)
            }
            fd = open
        }

        var steps: [RingSlot.Step] = []
        switch request.op {
        case .getattr, .close:
            steps = [.main]
        case .read:
            guard raw.pointee.read.offset <= UInt64(Int64.max) else { return request.complete(.fileTooBig) }
            steps = [.main, .postStat]
        case .write:
            guard raw.pointee.write.offset <= UInt64(Int64.max) else { return request.complete(.fileTooBig) }
            if request.wantsPreAttributes { steps.append(.preStat) }
            steps.append(.main)
            if raw.pointee.write.stable != UInt32(CHIMERA_VFS_UNSTABLE) { steps.append(.sync) }
            steps.append(.postStat)
        case .commit:
            if request.wantsPreAttributes { steps.append(.preStat) }
            steps += [.main, .postStat]
        case .allocate, .deallocate:
            let range = request.op == .allocate ? raw.pointee.allocate : raw.pointee.deallocate
            guard range.length > 0, range.offset <= UInt64(Int64.max), range.length <= UInt64(Int64.max) - range.offset
            else { return request.complete(.invalid) }
            steps = [.main, .postStat]
        default:
            return delegate(request)
        }

        if chimera_uring_sq_space(ring) < UInt32(steps.count) { _ = io_uring_submit(ring) }
        guard let slot = free.last, chimera_uring_sq_space(ring) >= UInt32(steps.count) else {
            if request.op == .close {
                // Already taken out of the open-file table: close here.
                Glibc.close(fd)
                return request.complete(.ok)
            }
            return delegate(request)
        }
        let iovecs = vectors + slot * Self.vectorsPerSlot
        var vectorCount: UInt32 = 0
        if request.op == .read || request.op == .write {
            guard let count = Self.cut(request.iovecs, to: Int(raw.pointee.read.length), into: iovecs) else {
                // More pieces than a slot holds, or fewer bytes than length.
                return Self.invalidOrDelegate(request, self)
            }
            vectorCount = count
        }
        free.removeLast()

        var mask: UInt8 = 0
        for step in steps { mask |= 1 << UInt8(step.rawValue) }
        slots[slot] = RingSlot(request: request, descriptor: descriptor, steps: mask, pending: steps.count)

        let statFlags = clinux_AT_EMPTY_PATH | clinux_AT_SYMLINK_NOFOLLOW | clinux_AT_STATX_SYNC_AS_STAT
        for (i, step) in steps.enumerated() {
            // free.last was checked to have room: get_sqe cannot fail here.
            guard let sqe = io_uring_get_sqe(ring) else { preconditionFailure("SQ space was checked") }
            switch step {
            case .preStat:
                io_uring_prep_statx(sqe, fd, emptyPath, statFlags, clinux_STATX_WANTED, stats + 2 * slot)
            case .postStat:
                io_uring_prep_statx(sqe, fd, emptyPath, statFlags, clinux_STATX_WANTED, stats + 2 * slot + 1)
            case .sync:
                let stable = raw.pointee.write.stable
                io_uring_prep_fsync(sqe, fd, stable == UInt32(CHIMERA_VFS_DATA_SYNC) ? chimera_uring_fsync_datasync() : 0)
            case .main:
                switch request.op {
                case .getattr:
                    io_uring_prep_statx(sqe, fd, emptyPath, statFlags, clinux_STATX_WANTED, stats + 2 * slot + 1)
                case .close:
                    io_uring_prep_close(sqe, fd)
                case .read:
                    io_uring_prep_readv(sqe, fd, iovecs, vectorCount, raw.pointee.read.offset)
                case .write:
                    io_uring_prep_writev(sqe, fd, iovecs, vectorCount, raw.pointee.write.offset)
                case .commit:
                    io_uring_prep_fsync(sqe, fd, 0)
                case .allocate:
                    let keep = raw.pointee.allocate.flags & UInt32(CHIMERA_VFS_ALLOC_KEEP_SIZE) != 0
                    io_uring_prep_fallocate(
                        sqe, fd, keep ? clinux_FALLOC_FL_KEEP_SIZE : 0, off_t(raw.pointee.allocate.offset),
                        off_t(raw.pointee.allocate.length))
                default:
                    io_uring_prep_fallocate(
                        sqe, fd, clinux_FALLOC_FL_PUNCH_HOLE | clinux_FALLOC_FL_KEEP_SIZE,
                        off_t(raw.pointee.deallocate.offset), off_t(raw.pointee.deallocate.length))
                }
            }
            io_uring_sqe_set_data64(sqe, UInt64(slot) << 8 | UInt64(step.rawValue))
            // Hard links keep the order (pre-stat, op, sync, post-stat) and
            // run the rest even when one fails, so every step reports.
            if i < steps.count - 1 { chimera_uring_sqe_hardlink(sqe) }
        }
        _ = io_uring_submit(ring)
    }

    private static func invalidOrDelegate(_ request: VFSRequest, _ thread: RingThread) {
        let io = request.op == .write ? request.raw.pointee.write : request.raw.pointee.read
        if io.iovcnt > UInt32(vectorsPerSlot) {
            thread.delegate(request)
        } else {
            request.complete(.invalid)
        }
    }

    /// Copy the caller's iovecs, cut to `length` bytes, into a slot's.
    static func cut(_ source: UnsafeBufferPointer<iovec>, to length: Int, into out: UnsafeMutablePointer<iovec>)
        -> UInt32?
    {
        var remaining = length
        var count = 0
        for v in source where remaining > 0 {
            guard count < vectorsPerSlot else { return nil }
            let take = min(v.iov_len, remaining)
            if take > 0 {
                out[count] = iovec(iov_base: v.iov_base, iov_len: take)
                count += 1
            }
            remaining -= take
        }
        return remaining == 0 ? UInt32(count) : nil
    }

    // MARK: Completion

    func record(slot index: Int, step: Int, result: Int32) {
        guard index < slots.count, slots[index].request != nil else { return }
        slots[index].set(step, result)
        slots[index].pending -= 1
        guard slots[index].pending == 0 else { return }
        var slot = slots[index]
        slots[index] = RingSlot()
        // The kernel is done with the descriptor; let it go now, so it does
        // not pin a removed inode while the op is retried on the pool.
        slot.descriptor = nil
        free.append(index)
        guard let request = slot.request, let stats else { return }
        finish(request, slot, pre: stats[2 * index], post: stats[2 * index + 1])
    }

    private func finish(_ request: VFSRequest, _ slot: RingSlot, pre: statx, post: statx) {
        let raw = request.raw
        let main = slot.result(.main)
        let postOK = slot.has(.postStat) && slot.result(.postStat) >= 0
        switch request.op {
        case .getattr:
            if main < 0 { return request.complete(VFSStatus(errno: -main)) }
            if post.stx_nlink == 0 {
                // The cached descriptor outlived its object: resolve afresh
                // (STALE, or a file that is only open) on the pool.
                fileSystem.evict(request.handle)
                return delegate(request)
            }
            PosixAttributes.fill(&raw.pointee.r_attrs, from: post)
        case .close:
            break
        case .read:
            if main < 0 { return request.complete(VFSStatus(errno: -main)) }
            let length = raw.pointee.read.length
            raw.pointee.read.r_length = UInt32(main)
            var eof = UInt32(main) < length
            if postOK {
                eof = eof || raw.pointee.read.offset + UInt64(main) >= post.stx_size
                PosixAttributes.fill(&raw.pointee.r_attrs, from: post)
            }
            raw.pointee.read.r_eof = eof ? 1 : 0
        case .write:
            if main < 0 { return request.complete(VFSStatus(errno: -main)) }
            if slot.has(.sync) && slot.result(.sync) < 0 { return request.complete(VFSStatus(errno: -slot.result(.sync))) }
            raw.pointee.write.r_length = UInt32(main)
            raw.pointee.write.r_stable = min(raw.pointee.write.stable, UInt32(CHIMERA_VFS_FILE_SYNC))
            if slot.has(.preStat) && slot.result(.preStat) >= 0 { PosixAttributes.fill(&raw.pointee.r_pre_attrs, from: pre) }
            if postOK { PosixAttributes.fill(&raw.pointee.r_attrs, from: post) }
        case .commit, .allocate, .deallocate:
            if main < 0 { return request.complete(VFSStatus(errno: -main)) }
            if slot.has(.preStat) && slot.result(.preStat) >= 0 { PosixAttributes.fill(&raw.pointee.r_pre_attrs, from: pre) }
            if postOK { PosixAttributes.fill(&raw.pointee.r_attrs, from: post) }
        default:
            break
        }
        request.complete(.ok)
    }
}
