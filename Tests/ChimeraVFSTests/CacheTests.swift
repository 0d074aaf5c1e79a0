import ChimeraVFS
import Testing

@Suite("RCU cache")
struct CacheTests {
    struct Value: BitwiseCopyable, Equatable {
        var a: UInt64
        var b: UInt32
    }

    func put(_ cache: RCUCache<Value>, _ key: String, _ value: Value) {
        Array(key.utf8).withUnsafeBytes { cache.put(hash: keyHash($0), key: $0, value: value) }
    }

    func get(_ cache: RCUCache<Value>, _ key: String) -> Value? {
        Array(key.utf8).withUnsafeBytes { cache.get(hash: keyHash($0), key: $0) }
    }

    @Test("values come back by key, replace and remove")
    func basics() throws {
        let cache = try #require(RCUCache<Value>(maxEntries: 100))
        put(cache, "a", Value(a: 1, b: 2))
        put(cache, "b", Value(a: 3, b: 4))
        #expect(get(cache, "a") == Value(a: 1, b: 2))
        put(cache, "a", Value(a: 9, b: 9))
        #expect(get(cache, "a") == Value(a: 9, b: 9))
        #expect(cache.count == 2)
        let removed = Array("a".utf8).withUnsafeBytes { cache.remove(hash: keyHash($0), key: $0) }
        #expect(removed)
        #expect(get(cache, "a") == nil)
        #expect(get(cache, "b") == Value(a: 3, b: 4))
    }

    @Test("keys with the same hash stay apart")
    func collisions() throws {
        let cache = try #require(RCUCache<Value>(maxEntries: 100))
        Array("x".utf8).withUnsafeBytes { cache.put(hash: 7, key: $0, value: Value(a: 1, b: 0)) }
        Array("y".utf8).withUnsafeBytes { cache.put(hash: 7, key: $0, value: Value(a: 2, b: 0)) }
        #expect(Array("x".utf8).withUnsafeBytes { cache.get(hash: 7, key: $0) }?.a == 1)
        #expect(Array("y".utf8).withUnsafeBytes { cache.get(hash: 7, key: $0) }?.a == 2)
    }

    @Test("the cache never holds more than its bound")
    func bounded() throws {
        let cache = try #require(RCUCache<Value>(maxEntries: 500))
        for i in 0..<5000 { put(cache, "key-\(i)", Value(a: UInt64(i), b: 0)) }
        #expect(cache.count <= 500)
        #expect(cache.evictions >= 4500)
    }

    @Test("readers and writers on several threads agree on every value they see")
    func concurrent() async throws {
        let cache = try #require(RCUCache<Value>(maxEntries: 10_000))
        await withTaskGroup(of: Bool.self) { group in
            for t in 0..<4 {
                group.addTask {
                    var consistent = true
                    for i in 0..<20_000 {
                        let key = "k\((i * 7 + t) % 1000)"
                        if t % 2 == 0 {
                            // A value's two words always match.
                            let n = UInt64(i)
                            Array(key.utf8).withUnsafeBytes { cache.put(hash: keyHash($0), key: $0, value: Value(a: n, b: UInt32(truncatingIfNeeded: n))) }
                        } else if let v = Array(key.utf8).withUnsafeBytes({ cache.get(hash: keyHash($0), key: $0) }) {
                            consistent = consistent && UInt32(truncatingIfNeeded: v.a) == v.b
                        }
                    }
                    return consistent
                }
            }
            for await ok in group { #expect(ok) }
        }
    }

    @Test("the mutex-sharded map answers the same way")
    func sharded() {
        let cache = MutexShardedCache<UInt64>(maxEntries: 100)
        Array("a".utf8).withUnsafeBytes { cache.put(hash: keyHash($0), key: $0, value: 5) }
        #expect(Array("a".utf8).withUnsafeBytes { cache.get(hash: keyHash($0), key: $0) } == 5)
        #expect(Array("b".utf8).withUnsafeBytes { cache.get(hash: keyHash($0), key: $0) } == nil)
    }
}
