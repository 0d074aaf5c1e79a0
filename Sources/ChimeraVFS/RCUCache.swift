import CChimeraRCU

/// A bounded, lock-free-read cache of fixed-size POD values keyed by bytes,
/// over liburcu's RCU hash table (see `chimera_rcu.h`).
///
/// `Value` must be a trivial type (no references): values are copied in
/// and out as bytes. Public so benchmarks can compare it with
/// ``MutexShardedCache``.
public final class RCUCache<Value: BitwiseCopyable>: @unchecked Sendable {
    private let raw: OpaquePointer

    public init?(maxEntries: UInt64) {
        guard let raw = chimera_rcu_cache_create(maxEntries, UInt32(MemoryLayout<Value>.size)) else { return nil }
        self.raw = raw
    }

    deinit {
        chimera_rcu_cache_destroy(raw)
    }

    @inline(__always)
    public func get(hash: UInt64, key: UnsafeRawBufferPointer) -> Value? {
        withUnsafeTemporaryAllocation(of: Value.self, capacity: 1) { out in
            guard chimera_rcu_cache_get(raw, hash, key.baseAddress, UInt32(key.count), out.baseAddress) == 1 else {
                return nil
            }
            return out[0]
        }
    }

    @inline(__always)
    public func put(hash: UInt64, key: UnsafeRawBufferPointer, value: Value) {
        withUnsafePointer(to: value) { v in
            _ = chimera_rcu_cache_put(raw, hash, key.baseAddress, UInt32(key.count), v)
        }
    }

    @inline(__always)
    @discardableResult
    public func remove(hash: UInt64, key: UnsafeRawBufferPointer) -> Bool {
        chimera_rcu_cache_remove(raw, hash, key.baseAddress, UInt32(key.count)) == 1
    }

    public var count: UInt64 { chimera_rcu_cache_count(raw) }
    public var evictions: UInt64 { chimera_rcu_cache_evictions(raw) }
}

/// Counters by key hash; see `chimera_rcu.h`. A cached value is fresh only
/// while its stamp equals its key's counter.
final class VersionTable: @unchecked Sendable {
    private let raw: OpaquePointer

    init(log2Slots: UInt32 = 16) {
        // Allocation of 512 KiB at start-up; failing it means the process
        // cannot run at all.
        guard let raw = chimera_version_table_create(log2Slots) else {
            preconditionFailure("cannot allocate the VFS version table")
        }
        self.raw = raw
    }

    deinit { chimera_version_table_destroy(raw) }

    @inline(__always) func load(_ hash: UInt64) -> UInt64 { chimera_version_load(raw, hash) }
    @inline(__always) @discardableResult func bump(_ hash: UInt64) -> UInt64 { chimera_version_bump(raw, hash) }
    @inline(__always) func compareExchange(_ hash: UInt64, expected: UInt64, desired: UInt64) -> Bool {
        chimera_version_cas(raw, hash, expected, desired) == 1
    }
}

/// Hash of a handle, or of a directory handle and a name.
@inline(__always)
public func keyHash(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0))
    -> UInt64
{
    chimera_hash_bytes(a.baseAddress, a.count, b.baseAddress, b.count)
}
