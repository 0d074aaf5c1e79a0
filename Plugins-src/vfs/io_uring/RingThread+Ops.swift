import CChimera
import ChimeraPluginKit
import CLibURing
import CLinuxShims
import Glibc
import PosixVFS

/// "" for statx(fd, "", AT_EMPTY_PATH) and linkat(fd, "", ...): the kernel
/// reads paths when the SQE is submitted, so they must outlive the prep.
nonisolated(unsafe) private let emptyPath: UnsafeMutablePointer<CChar> = {
    let p = UnsafeMutablePointer<CChar>.allocate(capacity: 1)
    p.initialize(to: 0)
    return p
}()

/// The fds one request's SQEs use.
struct RingContext {
    var fd: Int32 = -1
    /// RENAME's destination directory, LINK's directory.
    var fd2: Int32 = -1
    var vectorCount: UInt32 = 0
}

extension RingThread {
    typealias Step = RingSlot.Step

    /// Prepare and submit `request`'s SQEs, or hand it to the pool when
    /// that needs a blocking call. Never waits.
    func start(_ request: VFSRequest) {
        guard let ring, let vectors, let names else {
            // A loop without a ring must not block; a pool thread may.
            if isLoop { delegate(request) } else { fileSystem.perform(request) }
            return
        }
        let raw = request.raw
        var context = RingContext()
        var held: (PathDescriptor?, PathDescriptor?) = (nil, nil)
        var steps: [Step] = []
        let wantsDirPre = raw.pointee.r_dir_pre_attrs.req_mask != 0
        let wantsDirPost = raw.pointee.r_dir_post_attrs.req_mask != 0
        var firstName = UnsafeRawBufferPointer(start: nil, count: 0)
        var secondName = UnsafeRawBufferPointer(start: nil, count: 0)

        switch request.op {
        case .getattr:
            guard let cached = fileSystem.cachedDescriptor(RequestBytes.handle(request)) else { return delegate(request) }
            held.0 = cached
            context.fd = cached.fd
            steps = [.main]
        case .close:
            guard let open = fileSystem.releaseOpenHandle(request.openHandle) else {
                return request.complete(.badOpenHandle)
            }
            context.fd = open
            steps = [.main]
        case .read, .write, .commit, .allocate, .deallocate:
            guard request.openHandle != 0 else { return delegate(request) }
            guard let open = fileSystem.openDescriptor(request.openHandle) else {
                return request.complete(.badOpenHandle)
            }
            context.fd = open
            switch request.op {
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
            default:
                let range = request.op == .allocate ? raw.pointee.allocate : raw.pointee.deallocate
                guard range.length > 0, range.offset <= UInt64(Int64.max),
                    range.length <= UInt64(Int64.max) - range.offset
                else { return request.complete(.invalid) }
                steps = [.main, .postStat]
            }
        case .remove:
            guard let dir = fileSystem.cachedDescriptor(RequestBytes.handle(request)) else { return delegate(request) }
            firstName = RequestBytes.of(raw.pointee.remove.name, raw.pointee.remove.name_len)
            held.0 = dir
            context.fd = dir.fd
            if wantsDirPre { steps.append(.preStat) }
            steps += [.victimStat, .main]
            if wantsDirPost { steps.append(.postStat) }
        case .rename:
            // Inode handles keep a path table the blocking code updates.
            guard fileSystem.kernelHandles,
                let from = fileSystem.cachedDescriptor(RequestBytes.handle(request)),
                let to = fileSystem.cachedDescriptor(
                    RequestBytes.of(raw.pointee.rename.new_dir_fh, raw.pointee.rename.new_dir_fh_len))
            else { return delegate(request) }
            firstName = RequestBytes.of(raw.pointee.rename.name, raw.pointee.rename.name_len)
            secondName = RequestBytes.of(raw.pointee.rename.new_name, raw.pointee.rename.new_name_len)
            held = (from, to)
            context.fd = from.fd
            context.fd2 = to.fd
            let noReplace = raw.pointee.rename.flags & UInt32(CHIMERA_VFS_RENAME_NOREPLACE) != 0
            if wantsDirPre { steps.append(.preStat) }
            if raw.pointee.rename.r_new_dir_pre_attrs.req_mask != 0 { steps.append(.otherPreStat) }
            if !noReplace { steps.append(.victimStat) }
            steps.append(.main)
            if wantsDirPost { steps.append(.postStat) }
            if raw.pointee.rename.r_new_dir_post_attrs.req_mask != 0 { steps.append(.otherPostStat) }
        case .link:
            guard fileSystem.kernelHandles,
                let object = fileSystem.cachedDescriptor(RequestBytes.handle(request)),
                let dir = fileSystem.cachedDescriptor(
                    RequestBytes.of(raw.pointee.link.dir_fh, raw.pointee.link.dir_fh_len))
            else { return delegate(request) }
            firstName = RequestBytes.of(raw.pointee.link.name, raw.pointee.link.name_len)
            held = (object, dir)
            context.fd = object.fd
            context.fd2 = dir.fd
            steps.append(.otherPreStat)
            if wantsDirPre { steps.append(.preStat) }
            steps += [.main, .victimStat]
            if wantsDirPost { steps.append(.postStat) }
        default:
            return delegate(request)
        }

        // Names: checked as the blocking code does, copied NUL-terminated.
        let checked: [UnsafeRawBufferPointer] =
            switch request.op {
            case .remove, .link: [firstName]
            case .rename: [firstName, secondName]
            default: []
            }
        for name in checked {
            let status = PosixFileSystem.nameStatus(name)
            guard status == .ok else { return request.complete(status) }
        }

        if chimera_uring_sq_space(ring) < UInt32(steps.count) { _ = io_uring_submit(ring) }
        guard let slot = free.last, chimera_uring_sq_space(ring) >= UInt32(steps.count) else {
            if request.op == .close {
                // Already taken out of the open-file table: close here.
                Glibc.close(context.fd)
                return request.complete(.ok)
            }
            return delegate(request)
        }
        if request.op == .read || request.op == .write {
            let iovecs = vectors + slot * Self.vectorsPerSlot
            let io = request.op == .write ? raw.pointee.write : raw.pointee.read
            guard let count = Self.cut(RequestBytes.iovecs(io), to: Int(io.length), into: iovecs) else {
                // More pieces than a slot holds, or fewer bytes than length.
                return io.iovcnt > UInt32(Self.vectorsPerSlot) ? delegate(request) : request.complete(.invalid)
            }
            context.vectorCount = count
        }
        let nameBuffer = names + slot * 2 * Self.nameBytes
        Self.copyName(firstName, to: nameBuffer)
        Self.copyName(secondName, to: nameBuffer + Self.nameBytes)
        free.removeLast()

        var mask: UInt8 = 0
        for step in steps { mask |= 1 << step.rawValue }
        slots[slot] = RingSlot(request: request, descriptors: held, steps: mask, pending: steps.count)
        submit(steps, slot: slot, request: request, context: context)
    }

    static func copyName(_ name: UnsafeRawBufferPointer, to out: UnsafeMutablePointer<CChar>) {
        let count = min(name.count, nameBytes - 1)
        for i in 0..<count { out[i] = CChar(bitPattern: name[i]) }
        out[count] = 0
    }

    /// Queue `steps` as one hard-linked chain and submit it. The caller
    /// checked there is room in the submission queue.
    func submit(_ steps: [Step], slot: Int, request: VFSRequest, context: RingContext) {
        guard let ring else { return }
        for (i, step) in steps.enumerated() {
            guard let sqe = io_uring_get_sqe(ring) else { preconditionFailure("SQ space was checked") }
            prepare(sqe, step, slot: slot, request: request, context: context)
            io_uring_sqe_set_data64(sqe, UInt64(slot) << 8 | UInt64(step.rawValue))
            // Hard links keep the order (pre-stat, op, sync, post-stat) and
            // run the rest even when one fails, so every step reports.
            if i < steps.count - 1 { chimera_uring_sqe_hardlink(sqe) }
        }
        _ = io_uring_submit(ring)
    }

    private func prepare(
        _ sqe: UnsafeMutablePointer<io_uring_sqe>, _ step: Step, slot: Int, request: VFSRequest, context: RingContext
    ) {
        guard let stats, let vectors, let names else { return }
        let raw = request.raw
        let fd = context.fd
        let statFlags = clinux_AT_EMPTY_PATH | clinux_AT_SYMLINK_NOFOLLOW | clinux_AT_STATX_SYNC_AS_STAT
        let buffer = stats + slot * RingSlot.statsPerSlot + step.statIndex
        let name = names + slot * 2 * Self.nameBytes
        let newName = name + Self.nameBytes
        switch (request.op, step) {
        case (.rename, .otherPreStat), (.rename, .otherPostStat), (.link, .preStat), (.link, .postStat):
            // The destination directory.
            io_uring_prep_statx(sqe, context.fd2, emptyPath, statFlags, clinux_STATX_WANTED, buffer)
        case (.remove, .victimStat):
            io_uring_prep_statx(
                sqe, fd, name, clinux_AT_SYMLINK_NOFOLLOW | clinux_AT_STATX_SYNC_AS_STAT, clinux_STATX_WANTED, buffer)
        case (.rename, .victimStat):
            io_uring_prep_statx(
                sqe, context.fd2, newName, clinux_AT_SYMLINK_NOFOLLOW | clinux_AT_STATX_SYNC_AS_STAT,
                clinux_STATX_WANTED, buffer)
        case (_, .preStat), (_, .postStat), (_, .victimStat), (_, .otherPreStat), (_, .otherPostStat):
            io_uring_prep_statx(sqe, fd, emptyPath, statFlags, clinux_STATX_WANTED, buffer)
        case (_, .sync):
            let dataOnly = raw.pointee.write.stable == UInt32(CHIMERA_VFS_DATA_SYNC)
            io_uring_prep_fsync(sqe, fd, dataOnly ? chimera_uring_fsync_datasync() : 0)
        case (.remove, .retry):
            io_uring_prep_unlinkat(sqe, fd, name, clinux_AT_REMOVEDIR)
        case (.remove, _):
            let rmdir = raw.pointee.remove.flags & UInt32(CHIMERA_VFS_REMOVE_DIR) != 0
            io_uring_prep_unlinkat(sqe, fd, name, rmdir ? clinux_AT_REMOVEDIR : 0)
        case (.rename, _):
            let noReplace = raw.pointee.rename.flags & UInt32(CHIMERA_VFS_RENAME_NOREPLACE) != 0
            io_uring_prep_renameat(sqe, fd, name, context.fd2, newName, noReplace ? UInt32(clinux_RENAME_NOREPLACE) : 0)
        case (.link, _):
            io_uring_prep_linkat(sqe, fd, emptyPath, context.fd2, name, clinux_AT_EMPTY_PATH)
        case (.getattr, _):
            io_uring_prep_statx(sqe, fd, emptyPath, statFlags, clinux_STATX_WANTED, buffer)
        case (.close, _):
            io_uring_prep_close(sqe, fd)
        case (.read, _):
            io_uring_prep_readv(
                sqe, fd, vectors + slot * Self.vectorsPerSlot, context.vectorCount, raw.pointee.read.offset)
        case (.write, _):
            io_uring_prep_writev(
                sqe, fd, vectors + slot * Self.vectorsPerSlot, context.vectorCount, raw.pointee.write.offset)
        case (.commit, _):
            io_uring_prep_fsync(sqe, fd, 0)
        case (.allocate, _):
            // Offsets were checked to fit in off_t.
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
}
