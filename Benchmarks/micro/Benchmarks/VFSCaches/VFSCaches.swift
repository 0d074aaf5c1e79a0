// The VFS core's cache read side: a lookup of (directory handle, name) -> 64-byte entry, as the name cache
// does for every LOOKUP, and of a handle -> attributes, as the attribute cache does for every GETATTR.
// The RCU cache (liburcu's lock-free hash table, what Chimera ships) against the conventional design it
// replaced, a hash map in 64 shards behind mutexes, with the same API and bound. Both are measured from
// one thread and from two threads at once (the host runs one event loop a core; on two cores, two
// loops look up concurrently), so the table shows what a lock costs when nobody else holds it and what
// it costs when the other core does.

import Benchmark
import ChimeraVFS
import Dispatch

/// What a name-cache entry holds: a child handle and the attributes the module reported, 64 bytes.
struct Entry: BitwiseCopyable, Sendable {
    var handle: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    var size: UInt64 = 0
    var mtime: UInt64 = 0
    var fileid: UInt64 = 0
    var mode: UInt32 = 0
    var nlink: UInt32 = 0
}

let entries = 100_000
let lookupsPerIteration = 100_000

/// 16-byte keys (a parent's id and a name's number), with their hashes, laid out once.
struct Keys: @unchecked Sendable {
    let bytes: UnsafeMutableRawBufferPointer
    let hashes: [UInt64]

    init(count: Int) {
        bytes = .allocate(byteCount: count * 16, alignment: 16)
        var hashes: [UInt64] = []
        hashes.reserveCapacity(count)
        for index in 0..<count {
            let key = UnsafeMutableRawBufferPointer(rebasing: bytes[index * 16..<index * 16 + 16])
            key.storeBytes(of: UInt64(0xD1E_C70F).littleEndian, toByteOffset: 0, as: UInt64.self)
            key.storeBytes(of: UInt64(index).littleEndian, toByteOffset: 8, as: UInt64.self)
            hashes.append(keyHash(UnsafeRawBufferPointer(key)))
        }
        self.hashes = hashes
    }

    func key(_ index: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: bytes[index * 16..<index * 16 + 16])
    }
}

let keys = Keys(count: entries)

/// Either cache, behind one call shape.
protocol LookupCache: Sendable {
    func get(hash: UInt64, key: UnsafeRawBufferPointer) -> Entry?
    func put(hash: UInt64, key: UnsafeRawBufferPointer, value: Entry)
}

extension RCUCache: LookupCache where Value == Entry {}
extension MutexShardedCache: LookupCache where Value == Entry {}

func filled<C: LookupCache>(_ cache: C) -> C {
    for index in 0..<entries {
        var entry = Entry()
        entry.fileid = UInt64(index)
        cache.put(hash: keys.hashes[index], key: keys.key(index), value: entry)
    }
    return cache
}

/// `count` lookups starting at `start`, striding so consecutive lookups touch different buckets.
@inline(never)
func lookups<C: LookupCache>(_ cache: C, start: Int, count: Int) -> UInt64 {
    var sum: UInt64 = 0
    var index = start % entries
    for _ in 0..<count {
        if let hit = cache.get(hash: keys.hashes[index], key: keys.key(index)) { sum &+= hit.fileid }
        index &+= 7919
        if index >= entries { index -= entries }
    }
    return sum
}

struct CacheUnavailable: Error {
    let name: String
}

func register<C: LookupCache>(_ name: String, _ make: @escaping @Sendable () -> C?) {
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, .cpuTotal, .throughput, .mallocCountTotal],
        scalingFactor: .one, maxDuration: .seconds(3), maxIterations: 200)

    Benchmark("\(name): 100k lookups, 1 thread", configuration: configuration) {
        (benchmark: Benchmark, cache: C) in
        for _ in benchmark.scaledIterations {
            blackHole(lookups(cache, start: 0, count: lookupsPerIteration))
        }
    } setup: {
        guard let cache = make() else { throw CacheUnavailable(name: name) }
        return filled(cache)
    }

    Benchmark("\(name): 100k lookups, 2 threads at once", configuration: configuration) {
        (benchmark: Benchmark, cache: C) in
        for _ in benchmark.scaledIterations {
            DispatchQueue.concurrentPerform(iterations: 2) { worker in
                blackHole(lookups(cache, start: worker * (entries / 2), count: lookupsPerIteration / 2))
            }
        }
    } setup: {
        guard let cache = make() else { throw CacheUnavailable(name: name) }
        return filled(cache)
    }
}

let benchmarks: @Sendable () -> Void = {
    register("RCUCache (liburcu, lock-free reads)") { RCUCache<Entry>(maxEntries: UInt64(entries) * 2) }
    register("MutexShardedCache (64 shards)") { MutexShardedCache<Entry>(maxEntries: UInt64(entries) * 2) }
}
