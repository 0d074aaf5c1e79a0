import Synchronization

/// The conventional alternative to ``RCUCache``: a hash map split into
/// shards, each behind a mutex. Same API and bound, kept for the cache
/// micro-benchmark that justifies the RCU design.
public final class MutexShardedCache<Value: BitwiseCopyable & Sendable>: Sendable {
    private struct Entry: Sendable {
        var key: [UInt8]
        var value: Value
    }

    private final class Shard: Sendable {
        let map = Mutex<[UInt64: [Entry]]>([:])
    }

    private let shards: [Shard]
    private let perShard: Int

    public init(maxEntries: UInt64, shards count: Int = 64) {
        self.shards = (0..<count).map { _ in Shard() }
        self.perShard = max(1, Int(maxEntries) / count)
    }

    @inline(__always)
    private func shard(_ hash: UInt64) -> Shard { shards[Int(hash % UInt64(shards.count))] }

    public func get(hash: UInt64, key: UnsafeRawBufferPointer) -> Value? {
        shard(hash).map.withLock { map in
            map[hash]?.first { $0.key.elementsEqual(key) }?.value
        }
    }

    public func put(hash: UInt64, key: UnsafeRawBufferPointer, value: Value) {
        let bytes = Array(key)
        shard(hash).map.withLock { map in
            if map.count >= perShard, map[hash] == nil, let victim = map.keys.first {
                map.removeValue(forKey: victim)
            }
            var list = map[hash] ?? []
            list.removeAll { $0.key == bytes }
            list.append(Entry(key: bytes, value: value))
            map[hash] = list
        }
    }

    @discardableResult
    public func remove(hash: UInt64, key: UnsafeRawBufferPointer) -> Bool {
        shard(hash).map.withLock { map in
            guard var list = map[hash] else { return false }
            let before = list.count
            list.removeAll { $0.key.elementsEqual(key) }
            map[hash] = list.isEmpty ? nil : list
            return list.count != before
        }
    }
}
