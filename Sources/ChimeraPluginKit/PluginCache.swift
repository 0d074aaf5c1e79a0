import CChimera

/// A bounded key/value cache the host keeps for a plugin (chimera_host.h
/// "caches", ABI 1.2): byte-string keys and values over the host's RCU
/// table. Lookups take no lock and may run on any thread, loops included;
/// an insert past a bound evicts the oldest entries, never grows the cache.
///
/// The cache is destroyed when the last reference goes; a plugin drops it
/// before its shutdown returns.
public final class PluginCache: @unchecked Sendable {
    /// Why an insert stored nothing.
    public enum InsertError: Error, Sendable, Equatable {
        /// The entry alone passes the byte bound.
        case tooLarge
        /// The host is short of memory.
        case noMemory
        case invalid
    }

    /// The host's counters for this cache.
    public struct Statistics: Sendable, Equatable {
        public var entries: UInt64
        /// Charged: key + value + ``PluginCache/entryOverhead`` per entry.
        public var bytes: UInt64
        public var hits: UInt64
        public var misses: UInt64
        public var insertions: UInt64
        public var evictions: UInt64
    }

    /// Bytes charged for each entry on top of its key and value.
    public static let entryOverhead = Int(CHIMERA_CACHE_ENTRY_OVERHEAD)
    /// Longest key.
    public static let maxKeyLength = Int(CHIMERA_CACHE_KEY_MAX)

    private let host: UnsafePointer<chimera_host>
    private let raw: OpaquePointer
    public let name: String

    /// nil on a host older than ABI 1.2, on a bad name or bound (the host
    /// logs why), or when memory is short.
    init?(host: UnsafePointer<chimera_host>, name: String, maxEntries: UInt64, maxBytes: UInt64) {
        guard Self.hostOffersCaches(host) else { return nil }
        var config = chimera_cache_config()
        config.struct_size = UInt32(MemoryLayout<chimera_cache_config>.size)
        config.max_entries = maxEntries
        config.max_bytes = maxBytes
        let created = name.withCString { cname in
            config.name = cname
            return host.pointee.cache_create?(host, &config)
        }
        guard let created else { return nil }
        self.host = host
        self.raw = created
        self.name = name
    }

    deinit {
        host.pointee.cache_destroy?(raw)
    }

    static func hostOffersCaches(_ host: UnsafePointer<chimera_host>) -> Bool {
        guard let end = MemoryLayout<chimera_host>.offset(of: \.cache_stats) else { return false }
        return Int(host.pointee.struct_size) >= end + MemoryLayout<UnsafeRawPointer>.size
    }

    // MARK: Lookups

    /// What ``lookup(_:into:)`` did: copied that many bytes, found nothing,
    /// or found a value longer than the buffer (nothing written).
    public enum CopyResult: Sendable, Equatable {
        case copied(Int)
        case miss
        case tooSmall(needed: Int)
    }

    /// Copy the value under `key` into `buffer`.
    public func lookup(_ key: UnsafeRawBufferPointer, into buffer: UnsafeMutableRawBufferPointer) -> CopyResult {
        var length = buffer.count
        let status = host.pointee.cache_lookup?(raw, key.baseAddress, UInt32(key.count), buffer.baseAddress, &length)
        switch status {
        case CHIMERA_OK: return .copied(length)
        case CHIMERA_RANGE: return .tooSmall(needed: length)
        default: return .miss
        }
    }

    /// Call `body` with the value under `key`, in place (no copy), on this
    /// thread, inside the host's read-side section; nil on a miss. `body`
    /// must not block, keep the pointer, or drop the last reference to
    /// this cache.
    public func withValue<R>(forKey key: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> R) -> R? {
        var result: R?
        withoutActuallyEscaping(body) { body in
            var visit: (UnsafeRawBufferPointer) -> Void = { bytes in result = body(bytes) }
            withUnsafeMutablePointer(to: &visit) { visitor in
                _ = host.pointee.cache_visit?(
                    raw, key.baseAddress, UInt32(key.count),
                    { arg, value, length in
                        guard let arg else { return }
                        let visit = arg.assumingMemoryBound(to: ((UnsafeRawBufferPointer) -> Void).self).pointee
                        visit(UnsafeRawBufferPointer(start: value, count: length))
                    },
                    visitor
                )
            }
        }
        return result
    }

    /// The value under `key` as a new array; nil on a miss.
    public func value(forKey key: some Collection<UInt8>) -> [UInt8]? {
        Array(key).withUnsafeBytes { key in withValue(forKey: key) { Array($0) } }
    }

    // MARK: Updates

    /// Store `value` under `key`, replacing what was there. On failure the
    /// key has no value.
    public func insert(_ key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) throws(InsertError) {
        let status = host.pointee.cache_insert?(raw, key.baseAddress, UInt32(key.count), value.baseAddress, value.count)
        switch status {
        case CHIMERA_OK: return
        case CHIMERA_FBIG: throw .tooLarge
        case CHIMERA_NOSPC: throw .noMemory
        default: throw .invalid
        }
    }

    public func insert(key: some Collection<UInt8>, value: some Collection<UInt8>) throws(InsertError) {
        let key = Array(key)
        let value = Array(value)
        let status = key.withUnsafeBytes { k in
            value.withUnsafeBytes { v in
                host.pointee.cache_insert?(raw, k.baseAddress, UInt32(k.count), v.baseAddress, v.count)
            }
        }
        switch status {
        case CHIMERA_OK: return
        case CHIMERA_FBIG: throw .tooLarge
        case CHIMERA_NOSPC: throw .noMemory
        default: throw .invalid
        }
    }

    /// Remove `key`; whether it was there.
    @discardableResult
    public func invalidate(_ key: UnsafeRawBufferPointer) -> Bool {
        host.pointee.cache_invalidate?(raw, key.baseAddress, UInt32(key.count)) == CHIMERA_OK
    }

    @discardableResult
    public func invalidate(key: some Collection<UInt8>) -> Bool {
        Array(key).withUnsafeBytes { invalidate($0) }
    }

    /// Remove every entry.
    public func invalidateAll() {
        host.pointee.cache_invalidate_all?(raw)
    }

    public var statistics: Statistics {
        var stats = chimera_cache_stats()
        stats.struct_size = UInt32(MemoryLayout<chimera_cache_stats>.size)
        host.pointee.cache_stats?(raw, &stats)
        return Statistics(
            entries: stats.entries, bytes: stats.bytes, hits: stats.hits, misses: stats.misses,
            insertions: stats.insertions, evictions: stats.evictions)
    }
}

extension PluginHost {
    /// A new cache bounded by `maxEntries` and/or `maxBytes` (0: that bound
    /// unused; not both). `name` ([a-z0-9_], 1-64) labels its metrics.
    /// nil on a host older than ABI 1.2 or a refused config (the host logs
    /// why).
    public func makeCache(name: String, maxEntries: UInt64 = 0, maxBytes: UInt64 = 0) -> PluginCache? {
        PluginCache(host: raw, name: name, maxEntries: maxEntries, maxBytes: maxBytes)
    }
}
