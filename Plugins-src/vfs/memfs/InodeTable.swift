import Synchronization

/// Live inodes by number, for handle resolution.
///
/// Sharded by inode number so threads resolving different handles rarely
/// meet on a lock. A shard lock is a leaf: nothing else is locked while it
/// is held.
final class InodeTable: Sendable {
    /// An inode number as a dictionary key. Numbers are handed out in
    /// sequence by memfs, never chosen by a client, so a multiplicative mix
    /// spreads them well without SipHash's cost.
    struct Key: Hashable {
        let number: UInt64

        func _rawHashValue(seed: Int) -> Int {
            var mixed = (number ^ UInt64(bitPattern: Int64(seed))) &* 0x9E37_79B9_7F4A_7C15
            mixed ^= mixed >> 29
            return Int(truncatingIfNeeded: mixed)
        }
    }

    final class Shard: Sendable {
        let inodes = Mutex<[Key: Inode]>([:])
    }

    static let shardCount = 64
    private let shards: [Shard]

    init() {
        shards = (0..<Self.shardCount).map { _ in Shard() }
    }

    @inline(__always)
    private func shard(_ number: UInt64) -> Shard {
        shards[Int(truncatingIfNeeded: number) & (Self.shardCount - 1)]
    }

    @inline(__always)
    func get(_ number: UInt64) -> Inode? {
        shard(number).inodes.withLock { $0[Key(number: number)] }
    }

    func insert(_ inode: Inode) {
        shard(inode.number).inodes.withLock { $0[Key(number: inode.number)] = inode }
    }

    func remove(_ number: UInt64) {
        shard(number).inodes.withLock { _ = $0.removeValue(forKey: Key(number: number)) }
    }

    /// Empty the table (shutdown), returning what it held.
    func removeAll() -> [Inode] {
        var all: [Inode] = []
        for shard in shards {
            let inodes = shard.inodes.withLock { inodes in
                let values = Array(inodes.values)
                inodes = [:]
                return values
            }
            all.append(contentsOf: inodes)
        }
        return all
    }
}
