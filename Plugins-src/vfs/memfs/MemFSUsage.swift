import Synchronization

/// What memfs holds, against its configured limits.
///
/// Counters are atomics touched once per page allocated or freed and once
/// per inode created or reaped, never per byte. The configured size limit
/// is enforced by reserving before allocating, so memfs answers NOSPC
/// instead of growing until the kernel kills the process.
final class MemFSUsage: Sendable {
    let sizeLimit: Int64
    let fileLimit: Int64
    /// Bytes of file data (whole pages).
    let dataBytes = Atomic<Int64>(0)
    /// Bytes of xattr and key-value data.
    let metadataBytes = Atomic<Int64>(0)
    let inodes = Atomic<Int64>(0)

    init(sizeLimit: Int64, fileLimit: Int64) {
        self.sizeLimit = sizeLimit
        self.fileLimit = fileLimit
    }

    var usedBytes: Int64 {
        dataBytes.load(ordering: .relaxed) + metadataBytes.load(ordering: .relaxed)
    }

    /// Reserve `count` pages of file data; false when that would pass the
    /// size limit.
    @inline(__always)
    func reservePages(_ count: Int) -> Bool {
        if count == 0 { return true }
        let bytes = Int64(count) << Int64(PageMap.shift)
        let after = dataBytes.wrappingAdd(bytes, ordering: .relaxed).newValue
        if after + metadataBytes.load(ordering: .relaxed) > sizeLimit {
            dataBytes.wrappingSubtract(bytes, ordering: .relaxed)
            return false
        }
        return true
    }

    @inline(__always)
    func releasePages(_ count: Int) {
        if count == 0 { return }
        dataBytes.wrappingSubtract(Int64(count) << Int64(PageMap.shift), ordering: .relaxed)
    }

    /// Reserve (positive) or release (negative) metadata bytes; false when a
    /// reservation would pass the size limit.
    func adjustMetadata(_ delta: Int) -> Bool {
        let after = metadataBytes.wrappingAdd(Int64(delta), ordering: .relaxed).newValue
        if delta > 0 && after + dataBytes.load(ordering: .relaxed) > sizeLimit {
            metadataBytes.wrappingSubtract(Int64(delta), ordering: .relaxed)
            return false
        }
        return true
    }

    /// Count one more inode; false when that would pass the file limit.
    @inline(__always)
    func reserveInode() -> Bool {
        let after = inodes.wrappingAdd(1, ordering: .relaxed).newValue
        if after > fileLimit {
            inodes.wrappingSubtract(1, ordering: .relaxed)
            return false
        }
        return true
    }

    @inline(__always)
    func releaseInode() {
        inodes.wrappingSubtract(1, ordering: .relaxed)
    }
}
