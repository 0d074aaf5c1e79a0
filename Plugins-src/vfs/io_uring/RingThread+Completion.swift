import CChimera
import ChimeraPluginKit
import CLibURing
import CLinuxShims
import Glibc
import PosixVFS

extension RingThread {
    /// One CQE: note its result; when the slot's last step reported, finish
    /// the request (or start its second round).
    func record(slot index: Int, step: UInt8, result: Int32) {
        guard index < slots.count, slots[index].request != nil else { return }
        slots[index].set(step, result)
        slots[index].pending -= 1
        guard slots[index].pending == 0, let request = slots[index].request else { return }

        if request.op == .remove && needsRmdir(slots[index], request), resubmitRmdir(index, request) {
            return
        }
        var slot = slots[index]
        slots[index] = RingSlot()
        free.append(index)
        // The kernel is done with the descriptors; let them go now, so they
        // do not pin a removed inode while an op is retried on the pool.
        slot.descriptors = (nil, nil)
        guard let stats else { return }
        let base = stats + index * RingSlot.statsPerSlot
        finish(request, slot, stats: UnsafeBufferPointer(start: base, count: RingSlot.statsPerSlot))
    }

    /// REMOVE without REMOVE_DIR / REMOVE_NOT_DIR tried unlink first; a
    /// directory answered EISDIR and gets rmdir in a second round.
    private func needsRmdir(_ slot: RingSlot, _ request: VFSRequest) -> Bool {
        let flags = request.raw.pointee.remove.flags
        let either = UInt32(CHIMERA_VFS_REMOVE_DIR | CHIMERA_VFS_REMOVE_NOT_DIR)
        return flags & either == 0 && !slot.has(.retry) && slot.result(.main) == -EISDIR
    }

    private func resubmitRmdir(_ index: Int, _ request: VFSRequest) -> Bool {
        guard let ring, let dir = slots[index].descriptors.0 else { return false }
        var steps: [Step] = [.retry]
        if slots[index].has(.postStat) { steps.append(.postStat) }
        if chimera_uring_sq_space(ring) < UInt32(steps.count) { _ = io_uring_submit(ring) }
        // No room: finish with the unlink's EISDIR rather than wait.
        guard chimera_uring_sq_space(ring) >= UInt32(steps.count) else { return false }
        slots[index].steps |= 1 << Step.retry.rawValue
        slots[index].pending = steps.count
        submit(steps, slot: index, request: request, context: RingContext(fd: dir.fd))
        return true
    }

    private func finish(_ request: VFSRequest, _ slot: RingSlot, stats: UnsafeBufferPointer<statx>) {
        let raw = request.raw
        let main = slot.has(.retry) ? slot.result(.retry) : slot.result(.main)
        func stat(_ step: Step) -> statx? { slot.succeeded(step) ? stats[step.statIndex] : nil }
        func fill(_ attrs: inout chimera_attrs, _ step: Step) {
            if let st = stat(step) { PosixAttributes.fill(&attrs, from: st) }
        }

        if main < 0 {
            if request.op == .link, main == -EPERM, let object = stat(.otherPreStat),
                PosixAttributes.isDirectory(object)
            {
                return request.complete(.isDirectory)
            }
            if request.op == .close { return request.complete(.ok) }
            return request.complete(VFSStatus(errno: -main))
        }

        switch request.op {
        case .getattr:
            guard let st = stat(.main) else { return request.complete(.io) }
            if st.stx_nlink == 0 {
                // The cached descriptor outlived its object: resolve afresh
                // (STALE, or a file that is only open) on the pool.
                fileSystem.evict(RequestBytes.handle(request))
                return delegate(request)
            }
            PosixAttributes.fill(&raw.pointee.r_attrs, from: st)
        case .read:
            let length = raw.pointee.read.length
            raw.pointee.read.r_length = UInt32(main)
            var eof = UInt32(main) < length
            if let post = stat(.postStat) {
                eof = eof || raw.pointee.read.offset + UInt64(main) >= post.stx_size
                PosixAttributes.fill(&raw.pointee.r_attrs, from: post)
            }
            raw.pointee.read.r_eof = eof ? 1 : 0
        case .write:
            if slot.has(.sync) && slot.result(.sync) < 0 {
                return request.complete(VFSStatus(errno: -slot.result(.sync)))
            }
            raw.pointee.write.r_length = UInt32(main)
            raw.pointee.write.r_stable = min(raw.pointee.write.stable, UInt32(CHIMERA_VFS_FILE_SYNC))
            fill(&raw.pointee.r_pre_attrs, .preStat)
            fill(&raw.pointee.r_attrs, .postStat)
        case .commit, .allocate, .deallocate:
            fill(&raw.pointee.r_pre_attrs, .preStat)
            fill(&raw.pointee.r_attrs, .postStat)
        case .remove:
            if let victim = stat(.victimStat) { fileSystem.evict(inode: victim.stx_ino) }
            fill(&raw.pointee.r_dir_pre_attrs, .preStat)
            fill(&raw.pointee.r_dir_post_attrs, .postStat)
        case .rename:
            if let victim = stat(.victimStat) { fileSystem.evict(inode: victim.stx_ino) }
            fill(&raw.pointee.r_dir_pre_attrs, .preStat)
            fill(&raw.pointee.r_dir_post_attrs, .postStat)
            fill(&raw.pointee.rename.r_new_dir_pre_attrs, .otherPreStat)
            fill(&raw.pointee.rename.r_new_dir_post_attrs, .otherPostStat)
        case .link:
            fill(&raw.pointee.r_attrs, .victimStat)
            fill(&raw.pointee.r_dir_pre_attrs, .preStat)
            fill(&raw.pointee.r_dir_post_attrs, .postStat)
        default:
            break
        }
        request.complete(.ok)
    }
}
