import CChimera
import ChimeraPluginKit
import Glibc
import Synchronization

extension MemFS {
    func getattr(_ request: VFSRequest) throws(MemFSFailure) {
        let inode = try resolve(request.handle)
        try inode.state.withLock { state throws(MemFSFailure) in
            guard state.alive else { throw MemFSFailure(.stale) }
            state.fill(&request.raw.pointee.r_attrs, number: inode.number, identity: identity)
        }
    }

    /// SETATTR (RFC 1813 §3.3.2): the guard is checked first and nothing
    /// changes when it fails.
    func setattr(_ request: VFSRequest) throws(MemFSFailure) {
        let inode = try resolve(request.handle)
        let attrs = request.raw.pointee.setattr.attrs
        let guardTime = request.raw.pointee.setattr.guard_ctime?.pointee
        try inode.state.withLock { state throws(MemFSFailure) in
            guard state.alive else { throw MemFSFailure(.stale) }
            if let guardTime, guardTime != state.ctime { throw MemFSFailure(.notSync) }
            fillPreAttributes(request, state, inode.number)
            try apply(attrs, to: &state, now: MemFSClock.now())
            fillAttributes(request, state, inode.number)
        }
    }

    /// Apply the attributes in `attrs.valid_mask` (SETATTR, and the initial
    /// attributes of a new object). Checks everything before changing
    /// anything.
    func apply(_ attrs: chimera_attrs, to state: inout InodeState, now: chimera_timespec) throws(MemFSFailure) {
        let mask = attrs.valid_mask
        let settable =
            CHIMERA_ATTR_MODE | CHIMERA_ATTR_UID | CHIMERA_ATTR_GID | CHIMERA_ATTR_SIZE | CHIMERA_ATTR_ATIME
            | CHIMERA_ATTR_MTIME | CHIMERA_ATTR_BTIME | CHIMERA_ATTR_DOS | CHIMERA_ATTR_ATIME_NOW
            | CHIMERA_ATTR_MTIME_NOW
        guard mask & settable != 0 else { return }
        if mask & CHIMERA_ATTR_SIZE != 0 {
            if state.isDirectory { throw MemFSFailure(.isDirectory) }
            guard state.isRegular else { throw MemFSFailure(.invalid) }
            guard attrs.size <= Self.maxFileSize else { throw MemFSFailure(.fileTooBig) }
        }
        let badTime =
            (mask & CHIMERA_ATTR_ATIME != 0 && attrs.atime.nsec >= 1_000_000_000)
            || (mask & CHIMERA_ATTR_MTIME != 0 && attrs.mtime.nsec >= 1_000_000_000)
            || (mask & CHIMERA_ATTR_BTIME != 0 && attrs.btime.nsec >= 1_000_000_000)
        if badTime { throw MemFSFailure(.invalid) }
        if mask & CHIMERA_ATTR_MODE != 0 {
            state.mode = state.type.rawValue | (attrs.mode & 0o7777)
        }
        if mask & CHIMERA_ATTR_UID != 0 { state.uid = attrs.uid }
        if mask & CHIMERA_ATTR_GID != 0 { state.gid = attrs.gid }
        if mask & CHIMERA_ATTR_SIZE != 0 {
            resize(&state, to: attrs.size)
            state.mtime = now
        }
        if mask & CHIMERA_ATTR_ATIME_NOW != 0 {
            state.atime = now
        } else if mask & CHIMERA_ATTR_ATIME != 0 {
            state.atime = attrs.atime
        }
        if mask & CHIMERA_ATTR_MTIME_NOW != 0 {
            state.mtime = now
        } else if mask & CHIMERA_ATTR_MTIME != 0 {
            state.mtime = attrs.mtime
        }
        if mask & CHIMERA_ATTR_BTIME != 0 { state.btime = attrs.btime }
        if mask & CHIMERA_ATTR_DOS != 0 { state.dos = attrs.dos_attrs }
        state.touchMetadata(now)
    }

    /// Truncate or extend a regular file. Shrinking frees whole pages past
    /// the end and zeroes the tail of the last one, so that growing again
    /// reads zeros.
    func resize(_ state: inout InodeState, to size: UInt64) {
        if size < state.size {
            let firstFreed = (size + PageMap.mask) >> PageMap.shift
            usage.releasePages(state.pages.removeAll(from: firstFreed))
            let tail = Int(size & PageMap.mask)
            if tail != 0, let page = state.pages.page(size >> PageMap.shift) {
                memset(page + tail, 0, PageMap.size - tail)
            }
        }
        state.size = size
    }

    func fsstat(_ request: VFSRequest) throws(MemFSFailure) {
        let inode = try resolve(request.handle)
        try inode.state.withLock { state throws(MemFSFailure) in
            guard state.alive else { throw MemFSFailure(.stale) }
            fillAttributes(request, state, inode.number)
        }
        let total = UInt64(usage.sizeLimit)
        let used = UInt64(max(0, usage.usedBytes))
        let free = total > used ? total - used : 0
        let files = UInt64(config.maxFiles ?? (Int64(1) << 32))
        let inodes = UInt64(max(0, usage.inodes.load(ordering: .relaxed)))
        let freeFiles = files > inodes ? files - inodes : 0
        request.raw.pointee.fsstat.r_fsstat = chimera_fsstat(
            total_bytes: total,
            free_bytes: free,
            avail_bytes: free,
            total_files: files,
            free_files: freeFiles,
            avail_files: freeFiles,
            max_name: UInt32(CHIMERA_NAME_MAX),
            reserved: 0,
            max_file_size: Self.maxFileSize,
            time_delta: MemFSClock.resolution
        )
    }

    /// The machine's memory; half of it is the size limit when none is
    /// configured (tmpfs's default), so memfs answers NOSPC long before the
    /// kernel would kill the process.
    static let physicalMemory: Int64 = {
        let pages = sysconf(Int32(_SC_PHYS_PAGES))
        let size = sysconf(Int32(_SC_PAGESIZE))
        guard pages > 0, size > 0 else { return Int64(1) << 40 }
        return Int64(pages) * Int64(size)
    }()
}
