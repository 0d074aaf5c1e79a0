import CChimera
@testable import ChimeraHost
import ChimeraPluginKit
import Dispatch
import Logging
import Synchronization
import Testing

@Suite("Plugin caches through the C ABI (1.2)")
struct HostCacheABITests {
    static func context() -> PluginContext {
        let runtime = HostRuntime(logger: Logger(label: "test"), executor: nil, loops: 1, delegation: 0)
        return PluginContext(runtime: runtime, name: "test", isFrontEnd: true)
    }

    static func create(
        _ host: UnsafeMutablePointer<chimera_host>, name: String, entries: UInt64, bytes: UInt64
    ) -> OpaquePointer? {
        var config = chimera_cache_config()
        config.struct_size = UInt32(MemoryLayout<chimera_cache_config>.size)
        config.max_entries = entries
        config.max_bytes = bytes
        return name.withCString { cname in
            config.name = cname
            return host.pointee.cache_create(host, &config)
        }
    }

    static func insert(_ host: UnsafeMutablePointer<chimera_host>, _ cache: OpaquePointer, _ key: String, _ value: [UInt8])
        -> Int32
    {
        Array(key.utf8).withUnsafeBytes { k in
            value.withUnsafeBytes { v in
                host.pointee.cache_insert(cache, k.baseAddress, UInt32(k.count), v.baseAddress, v.count)
            }
        }
    }

    static func lookup(_ host: UnsafeMutablePointer<chimera_host>, _ cache: OpaquePointer, _ key: String, room: Int = 256)
        -> (Int32, [UInt8], Int)
    {
        var buffer = [UInt8](repeating: 0xEE, count: room)
        var length = room
        let status = Array(key.utf8).withUnsafeBytes { k in
            buffer.withUnsafeMutableBytes { b in
                host.pointee.cache_lookup(cache, k.baseAddress, UInt32(k.count), b.baseAddress, &length)
            }
        }
        return (status, status == CHIMERA_OK ? Array(buffer.prefix(length)) : buffer, length)
    }

    static func stats(_ host: UnsafeMutablePointer<chimera_host>, _ cache: OpaquePointer) -> chimera_cache_stats {
        var stats = chimera_cache_stats()
        stats.struct_size = UInt32(MemoryLayout<chimera_cache_stats>.size)
        host.pointee.cache_stats(cache, &stats)
        return stats
    }

    @Test("the host struct is 1.2 and its caches sit after the idmap functions")
    func layout() throws {
        let context = Self.context()
        #expect(context.host.pointee.abi_minor == 2)
        let idmapEnd = try #require(MemoryLayout<chimera_host>.offset(of: \.idmap_user))
        let cacheStart = try #require(MemoryLayout<chimera_host>.offset(of: \.cache_create))
        #expect(cacheStart > idmapEnd)
    }

    @Test("insert, lookup (copy and RANGE), replace, invalidate one and all")
    func basics() throws {
        let context = Self.context()
        let host = context.host
        let cache = try #require(Self.create(host, name: "basics", entries: 16, bytes: 0))
        defer { host.pointee.cache_destroy(cache) }

        #expect(Self.lookup(host, cache, "a").0 == CHIMERA_NOENT)
        #expect(Self.insert(host, cache, "a", [1, 2, 3]) == CHIMERA_OK)
        #expect(Self.insert(host, cache, "empty", []) == CHIMERA_OK)
        let (status, value, length) = Self.lookup(host, cache, "a")
        #expect(status == CHIMERA_OK && value == [1, 2, 3] && length == 3)
        #expect(Self.lookup(host, cache, "empty").0 == CHIMERA_OK)
        #expect(Self.lookup(host, cache, "empty").2 == 0)

        let (small, untouched, needed) = Self.lookup(host, cache, "a", room: 2)
        #expect(small == CHIMERA_RANGE && needed == 3 && untouched == [0xEE, 0xEE])

        #expect(Self.insert(host, cache, "a", [9]) == CHIMERA_OK)
        #expect(Self.lookup(host, cache, "a").1 == [9])
        #expect(Self.stats(host, cache).entries == 2)

        let removed = Array("a".utf8).withUnsafeBytes { host.pointee.cache_invalidate(cache, $0.baseAddress, 1) }
        #expect(removed == CHIMERA_OK)
        let again = Array("a".utf8).withUnsafeBytes { host.pointee.cache_invalidate(cache, $0.baseAddress, 1) }
        #expect(again == CHIMERA_NOENT)
        #expect(Self.lookup(host, cache, "a").0 == CHIMERA_NOENT)

        for i in 0..<10 { #expect(Self.insert(host, cache, "k\(i)", [UInt8(i)]) == CHIMERA_OK) }
        host.pointee.cache_invalidate_all(cache)
        let after = Self.stats(host, cache)
        #expect(after.entries == 0 && after.bytes == 0)
        #expect(Self.lookup(host, cache, "k3").0 == CHIMERA_NOENT)
    }

    @Test("inserting past the entry bound evicts the oldest, never grows")
    func entryBound() throws {
        let context = Self.context()
        let host = context.host
        let cache = try #require(Self.create(host, name: "entries", entries: 8, bytes: 0))
        defer { host.pointee.cache_destroy(cache) }
        for i in 0..<100 {
            #expect(Self.insert(host, cache, "key\(i)", [UInt8(i)]) == CHIMERA_OK)
            #expect(Self.stats(host, cache).entries <= 8)
        }
        let stats = Self.stats(host, cache)
        #expect(stats.entries == 8 && stats.evictions == 92 && stats.insertions == 100)
        #expect(Self.lookup(host, cache, "key0").0 == CHIMERA_NOENT)
        #expect(Self.lookup(host, cache, "key99").1 == [99])
        #expect(Self.lookup(host, cache, "key92").1 == [92])
    }

    @Test("inserting past the byte bound evicts until the entry fits; an entry past it alone is refused")
    func byteBound() throws {
        let context = Self.context()
        let host = context.host
        let bound: UInt64 = 4096
        let cache = try #require(Self.create(host, name: "bytes", entries: 0, bytes: bound))
        defer { host.pointee.cache_destroy(cache) }
        let value = [UInt8](repeating: 7, count: 500)
        for i in 0..<50 {
            #expect(Self.insert(host, cache, "k\(i)", value) == CHIMERA_OK)
            #expect(Self.stats(host, cache).bytes <= bound)
        }
        let stats = Self.stats(host, cache)
        // Each entry is charged 2-3 key bytes + 500 + 64: at most 7 fit in 4096.
        #expect(stats.entries == 7)
        #expect(stats.evictions == 43)
        #expect(Self.lookup(host, cache, "k49", room: 500).1 == value)

        // Too large alone: refused, and the old value under the key is gone.
        #expect(Self.insert(host, cache, "k49", [UInt8](repeating: 1, count: 5000)) == CHIMERA_FBIG)
        #expect(Self.lookup(host, cache, "k49", room: 5000).0 == CHIMERA_NOENT)
        #expect(Self.stats(host, cache).bytes <= bound)
    }

    @Test("a config without a bound, or with a bad name, is refused")
    func badConfigs() {
        let context = Self.context()
        #expect(Self.create(context.host, name: "unbounded", entries: 0, bytes: 0) == nil)
        #expect(Self.create(context.host, name: "Bad-Name", entries: 4, bytes: 0) == nil)
        #expect(Self.create(context.host, name: "", entries: 4, bytes: 0) == nil)
    }

    @Test("two reader threads see whole values or misses while a writer replaces and evicts")
    func concurrentReaders() throws {
        let context = Self.context()
        let cache = try #require(PluginHost(UnsafePointer(context.host)).makeCache(name: "race", maxEntries: 16))
        let keys = 32
        let rounds = 20_000
        let torn = Atomic<Int>(0)
        let hits = Atomic<Int>(0)
        for i in 0..<keys { try cache.insert(key: Array("k\(i)".utf8), value: [1]) }
        DispatchQueue.concurrentPerform(iterations: 3) { worker in
            if worker == 0 {
                for round in 0..<rounds {
                    // A value is its length repeated: a torn read shows.
                    let length = 1 + round % 200
                    let value = [UInt8](repeating: UInt8(length), count: length)
                    try? cache.insert(key: Array("k\(round % keys)".utf8), value: value)
                    if round % 997 == 996 { cache.invalidateAll() }
                }
                return
            }
            var buffer = [UInt8](repeating: 0, count: 256)
            for round in 0..<rounds {
                let key = Array("k\((round * 7 + worker) % keys)".utf8)
                let result = key.withUnsafeBytes { k in buffer.withUnsafeMutableBytes { cache.lookup(k, into: $0) } }
                if case .copied(let length) = result {
                    hits.add(1, ordering: .relaxed)
                    if length == 0 || buffer.prefix(length).contains(where: { Int($0) != length }) {
                        torn.add(1, ordering: .relaxed)
                    }
                }
                let inPlace = key.withUnsafeBytes { k in
                    cache.withValue(forKey: k) { bytes in bytes.allSatisfy { Int($0) == bytes.count } }
                }
                if inPlace == false { torn.add(1, ordering: .relaxed) }
            }
        }
        #expect(torn.load(ordering: .relaxed) == 0)
        #expect(cache.statistics.entries <= 16)
        #expect(hits.load(ordering: .relaxed) > 0)
    }

    @Test("PluginCache wraps the ABI; a host before 1.2 offers no caches")
    func wrapper() throws {
        let context = Self.context()
        let cache = try #require(PluginHost(UnsafePointer(context.host)).makeCache(name: "kit", maxBytes: 1 << 20))
        try cache.insert(key: Array("x".utf8), value: [1, 2])
        #expect(cache.value(forKey: Array("x".utf8)) == [1, 2])
        #expect(cache.value(forKey: Array("y".utf8)) == nil)
        #expect(cache.invalidate(key: Array("x".utf8)))
        #expect(cache.value(forKey: Array("x".utf8)) == nil)
        #expect(throws: PluginCache.InsertError.tooLarge) {
            try cache.insert(key: Array("big".utf8), value: [UInt8](repeating: 0, count: 2 << 20))
        }

        var older = context.host.pointee
        older.struct_size = UInt32(MemoryLayout<chimera_host>.offset(of: \.cache_create) ?? 0)
        older.abi_minor = 1
        #expect(withUnsafePointer(to: &older) { PluginHost($0).makeCache(name: "old", maxEntries: 4) } == nil)
    }
}
