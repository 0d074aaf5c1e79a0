import CChimera
import Synchronization

/// Byte-range locks the core keeps for modules that keep none (they answer
/// LOCK with NOTSUP): per file, a list of (owner, type, range). A write
/// lock conflicts with any other owner's lock on an overlapping range; read
/// locks share. An owner's new lock replaces what it held on that range.
final class LockTable: Sendable {
    struct Lock: Equatable {
        var owner: [UInt8]
        var write: Bool
        var start: UInt64
        /// Exclusive end; UInt64.max means to end of file.
        var end: UInt64

        func overlaps(_ start: UInt64, _ end: UInt64) -> Bool { self.start < end && start < self.end }
    }

    private let files = Mutex<[[UInt8]: [Lock]]>([:])

    static func range(offset: UInt64, length: UInt64) -> (UInt64, UInt64)? {
        if length == 0 { return nil }
        let (end, overflow) = offset.addingReportingOverflow(length)
        return (offset, overflow || length == UInt64.max ? UInt64.max : end)
    }

    /// The first conflicting lock, if any.
    func conflict(file: [UInt8], owner: [UInt8], write: Bool, start: UInt64, end: UInt64) -> Lock? {
        files.withLock { files in
            files[file]?.first { lock in
                lock.owner != owner && lock.overlaps(start, end) && (write || lock.write)
            }
        }
    }

    /// Take a lock; returns the conflicting lock instead when there is one.
    func lock(file: [UInt8], owner: [UInt8], write: Bool, start: UInt64, end: UInt64) -> Lock? {
        files.withLock { files in
            var locks = files[file] ?? []
            if let blocking = locks.first(where: { $0.owner != owner && $0.overlaps(start, end) && (write || $0.write) }) {
                return blocking
            }
            locks = Self.cut(locks, owner: owner, start: start, end: end)
            locks.append(Lock(owner: owner, write: write, start: start, end: end))
            files[file] = locks
            return nil
        }
    }

    /// Release what `owner` holds in [start, end).
    func unlock(file: [UInt8], owner: [UInt8], start: UInt64, end: UInt64) {
        files.withLock { files in
            guard let locks = files[file] else { return }
            let remaining = Self.cut(locks, owner: owner, start: start, end: end)
            files[file] = remaining.isEmpty ? nil : remaining
        }
    }

    /// Remove [start, end) from `owner`'s locks, splitting where needed.
    static func cut(_ locks: [Lock], owner: [UInt8], start: UInt64, end: UInt64) -> [Lock] {
        var out: [Lock] = []
        for lock in locks {
            guard lock.owner == owner, lock.overlaps(start, end) else {
                out.append(lock)
                continue
            }
            if lock.start < start {
                var left = lock
                left.end = start
                out.append(left)
            }
            if lock.end > end {
                var right = lock
                right.start = end
                out.append(right)
            }
        }
        return out
    }
}
