import CChimera
import Synchronization

/// Open module handles kept for stateless I/O (NFSv3 READ/WRITE/COMMIT
/// carry only a file handle): the first I/O opens, later ones reuse, and
/// idle opens are closed after a bound. Bounded in count; a removed file's
/// open is dropped so its handle goes stale as the protocol expects.
///
/// Updated on every use, so this is a sharded map under short locks, not an
/// RCU cache; no lock is held across a module call.
final class OpenFileCache: @unchecked Sendable {
    final class Entry: @unchecked Sendable {
        let mount: Mount
        /// The wire handle, in memory that stays put while the entry lives
        /// (CLOSE requests point at it).
        let handle: UnsafeRawBufferPointer
        let hash: UInt64
        let openHandle: UInt64
        let writable: Bool
        /// Guarded by the shard's lock.
        var users = 0
        var lastUsed: UInt64
        var evicted = false

        init(
            mount: Mount, handle: UnsafeRawBufferPointer, hash: UInt64, openHandle: UInt64, writable: Bool, now: UInt64
        ) {
            self.mount = mount
            let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(handle.count, 1), alignment: 8)
            storage.copyMemory(from: handle)
            self.handle = UnsafeRawBufferPointer(rebasing: storage[0..<handle.count])
            self.hash = hash
            self.openHandle = openHandle
            self.writable = writable
            self.lastUsed = now
        }

        deinit {
            handle.deallocate()
        }
    }

    private struct Shard {
        var entries: [UInt64: [Entry]] = [:]
        /// Evicted entries still in use: closed when their last user leaves.
        var count = 0
    }

    private final class LockedShard: Sendable {
        let state = Mutex(Shard())
    }

    private let shards: [LockedShard]
    private let capacity: Int
    private let total = Atomic<Int>(0)

    init(capacity: Int) {
        self.capacity = max(capacity, 1)
        self.shards = (0..<64).map { _ in LockedShard() }
    }

    var count: Int { total.load(ordering: .relaxed) }

    @inline(__always)
    private func shard(_ hash: UInt64) -> LockedShard { shards[Int(hash & 63)] }

    /// A cached open of `handle` (wire) good for writing if `write`;
    /// counts the caller as a user.
    func acquire(handle: UnsafeRawBufferPointer, hash: UInt64, write: Bool) -> Entry? {
        shard(hash).state.withLock { shard in
            guard let list = shard.entries[hash] else { return nil }
            for entry in list where !entry.evicted && (!write || entry.writable) && entry.handle.elementsEqual(handle) {
                entry.users += 1
                return entry
            }
            return nil
        }
    }

    /// Add an open; returns the entry the caller now uses (an existing one
    /// if another thread won the race — then the caller closes its own).
    func insert(_ entry: Entry, write: Bool) -> (entry: Entry, inserted: Bool) {
        shard(entry.hash).state.withLock { shard in
            if let list = shard.entries[entry.hash] {
                for existing in list
                where !existing.evicted && (!write || existing.writable) && existing.handle.elementsEqual(entry.handle) {
                    existing.users += 1
                    return (existing, false)
                }
            }
            entry.users = 1
            shard.entries[entry.hash, default: []].append(entry)
            total.add(1, ordering: .relaxed)
            return (entry, true)
        }
    }

    /// The caller is done with `entry`. Returns true when it was evicted
    /// and this was its last user: the caller closes it.
    func release(_ entry: Entry, now: UInt64) -> Bool {
        shard(entry.hash).state.withLock { _ in
            entry.users -= 1
            entry.lastUsed = now
            return entry.evicted && entry.users == 0
        }
    }

    /// Drop the opens of `handle` (the file was removed). Those not in use
    /// are returned for closing; the others close when released.
    @discardableResult
    func evict(handle: UnsafeRawBufferPointer) -> [Entry] {
        let hash = keyHash(handle)
        return shard(hash).state.withLock { shard in
            guard var list = shard.entries[hash] else { return [] }
            var closing: [Entry] = []
            list.removeAll { entry in
                guard entry.handle.elementsEqual(handle) else { return false }
                entry.evicted = true
                total.subtract(1, ordering: .relaxed)
                if entry.users == 0 { closing.append(entry) }
                return true
            }
            shard.entries[hash] = list.isEmpty ? nil : list
            return closing
        }
    }

    /// Where the next incremental sweep starts (one caller: loop 0).
    private var sweepCursor = 0

    /// Remove and return entries idle since `idleBefore` in `shardCount`
    /// shards (rotating, so each call is bounded work; all of them by
    /// default), and the least recently used idle ones while over capacity.
    func sweep(idleBefore: UInt64, shardCount: Int = 64) -> [Entry] {
        var closing: [Entry] = []
        let visit = (0..<min(shardCount, shards.count)).map { shards[(sweepCursor + $0) % shards.count] }
        sweepCursor = (sweepCursor + visit.count) % shards.count
        for shard in visit {
            shard.state.withLock { shard in
                for (hash, var list) in shard.entries {
                    list.removeAll { entry in
                        guard entry.users == 0, entry.lastUsed < idleBefore else { return false }
                        entry.evicted = true
                        closing.append(entry)
                        return true
                    }
                    shard.entries[hash] = list.isEmpty ? nil : list
                }
            }
        }
        total.subtract(closing.count, ordering: .relaxed)
        if count > capacity {
            closing += evictLeastRecentlyUsed(count - capacity)
        }
        return closing
    }

    private func evictLeastRecentlyUsed(_ n: Int) -> [Entry] {
        var idle: [Entry] = []
        for shard in shards {
            shard.state.withLock { shard in
                for list in shard.entries.values { idle += list.filter { $0.users == 0 } }
            }
        }
        idle.sort { $0.lastUsed < $1.lastUsed }
        var closing: [Entry] = []
        for entry in idle.prefix(n) {
            closing += evict(handle: entry.handle)
        }
        return closing
    }

    /// Everything, for shutdown.
    func drain() -> [Entry] {
        sweep(idleBefore: UInt64.max)
    }
}
