import CChimera
import CChimeraRCU
import ChimeraVFS
import CoreMetrics
import Logging
import Synchronization

extension HostThunks {
    /// The `cache_*` functions of `chimera_host` (ABI 1.2, chimera_host.h
    /// "caches"): each `struct chimera_cache *` is a retained ``HostCache``.
    static func installCaches(_ host: inout chimera_host) {
        host.cache_create = { host, config in
            guard let context = PluginContext.from(host) else { return nil }
            guard let config else {
                context.logger.error("cache_create: no config")
                return nil
            }
            switch HostCache.make(plugin: context.name, config) {
            case .success(let cache):
                cache.startPublishing(on: context.runtime.executor)
                context.logger.debug(
                    "plugin cache created",
                    metadata: [
                        "cache.name": "\(cache.name)", "cache.max_entries": "\(cache.maxEntries)",
                        "cache.max_bytes": "\(cache.maxBytes)",
                    ])
                return OpaquePointer(Unmanaged.passRetained(cache).toOpaque())
            case .failure(let error):
                context.logger.error("cache_create: \(error.message)")
                return nil
            }
        }
        host.cache_destroy = { cache in
            guard let cache else { return }
            Unmanaged<HostCache>.fromOpaque(UnsafeRawPointer(cache)).release()
        }
        host.cache_lookup = { cache, key, keyLength, buffer, length in
            guard let cache = HostCache.from(cache), let length, keyLength <= CHIMERA_CACHE_KEY_MAX,
                key != nil || keyLength == 0, buffer != nil || length.pointee == 0
            else { return CHIMERA_INVAL }
            let found = chimera_blob_cache_get(
                cache.raw, HostCache.hash(key, keyLength), key, keyLength, buffer, length)
            return found == 1 ? CHIMERA_OK : found == 0 ? CHIMERA_NOENT : CHIMERA_RANGE
        }
        host.cache_visit = { cache, key, keyLength, visit, arg in
            guard let cache = HostCache.from(cache), let visit, keyLength <= CHIMERA_CACHE_KEY_MAX,
                key != nil || keyLength == 0
            else { return CHIMERA_INVAL }
            let hit = chimera_blob_cache_visit(cache.raw, HostCache.hash(key, keyLength), key, keyLength, visit, arg)
            return hit == 1 ? CHIMERA_OK : CHIMERA_NOENT
        }
        host.cache_insert = { cache, key, keyLength, value, valueLength in
            guard let cache = HostCache.from(cache), keyLength <= CHIMERA_CACHE_KEY_MAX,
                key != nil || keyLength == 0, value != nil || valueLength == 0
            else { return CHIMERA_INVAL }
            return cache.insert(key, keyLength, value, valueLength)
        }
        host.cache_invalidate = { cache, key, keyLength in
            guard let cache = HostCache.from(cache), keyLength <= CHIMERA_CACHE_KEY_MAX, key != nil || keyLength == 0
            else { return CHIMERA_INVAL }
            let removed = chimera_blob_cache_remove(cache.raw, HostCache.hash(key, keyLength), key, keyLength)
            return removed == 1 ? CHIMERA_OK : CHIMERA_NOENT
        }
        host.cache_invalidate_all = { cache in
            guard let cache = HostCache.from(cache) else { return }
            _ = chimera_blob_cache_clear(cache.raw)
        }
        host.cache_stats = { cache, stats in
            guard let cache = HostCache.from(cache), let stats else { return }
            cache.fill(stats)
        }
    }
}

/// One plugin cache: the RCU table and its metrics.
final class HostCache: @unchecked Sendable {
    struct ConfigError: Error {
        let message: String
    }

    /// Entries when a config bounds bytes only: max_bytes / this.
    static let bytesPerDefaultEntry: UInt64 = 256
    static let maxEntryBound: UInt64 = 16 << 20

    let raw: OpaquePointer
    let name: String
    let maxEntries: UInt64
    let maxBytes: UInt64
    /// The metrics refresh on loop 0; cancelled when the cache goes.
    private let refresh = Mutex<(any VFSScheduledTask)?>(nil)
    static let publishIntervalNanoseconds: UInt64 = 1_000_000_000
    private let entriesGauge: Gauge
    private let bytesGauge: Gauge
    private let hitsGauge: Gauge
    private let missesGauge: Gauge
    private let evictionsGauge: Gauge

    static func make(plugin: String, _ config: UnsafePointer<chimera_cache_config>) -> Result<HostCache, ConfigError> {
        let c = config.pointee
        guard Int(c.struct_size) >= MemoryLayout<chimera_cache_config>.size else {
            return .failure(ConfigError(message: "struct_size \(c.struct_size) is smaller than the 1.2 config"))
        }
        guard let pointer = c.name else { return .failure(ConfigError(message: "name is NULL")) }
        let name = String(cString: pointer)
        guard (1...64).contains(name.utf8.count),
            name.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F })
        else {
            return .failure(ConfigError(message: "name \"\(name)\" is not 1-64 of [a-z0-9_]"))
        }
        guard c.max_entries != 0 || c.max_bytes != 0 else {
            return .failure(ConfigError(message: "cache \(name): max_entries and max_bytes are both 0 (no bound)"))
        }
        guard c.max_entries <= maxEntryBound else {
            return .failure(ConfigError(message: "cache \(name): max_entries \(c.max_entries) is over \(maxEntryBound)"))
        }
        let entries = c.max_entries != 0 ? c.max_entries : min(maxEntryBound, max(1, c.max_bytes / bytesPerDefaultEntry))
        guard let raw = chimera_blob_cache_create(entries, c.max_bytes) else {
            return .failure(ConfigError(message: "cache \(name): out of memory for \(entries) entries"))
        }
        return .success(HostCache(raw: raw, plugin: plugin, name: name, maxEntries: entries, maxBytes: c.max_bytes))
    }

    private init(raw: OpaquePointer, plugin: String, name: String, maxEntries: UInt64, maxBytes: UInt64) {
        self.raw = raw
        self.name = name
        self.maxEntries = maxEntries
        self.maxBytes = maxBytes
        let dimensions = [("plugin", plugin), ("cache", name)]
        entriesGauge = Gauge(label: "chimera_plugin_cache_entries", dimensions: dimensions)
        bytesGauge = Gauge(label: "chimera_plugin_cache_bytes", dimensions: dimensions)
        hitsGauge = Gauge(label: "chimera_plugin_cache_hits", dimensions: dimensions)
        missesGauge = Gauge(label: "chimera_plugin_cache_misses", dimensions: dimensions)
        evictionsGauge = Gauge(label: "chimera_plugin_cache_evictions", dimensions: dimensions)
    }

    deinit {
        refresh.withLock { $0?.cancel() }
        chimera_blob_cache_destroy(raw)
    }

    /// Publish the counters as metrics every second, on loop 0, while the
    /// cache lives (the task holds it weakly). No executor (tests): only
    /// cache_stats publishes.
    func startPublishing(on executor: HostExecutor?) {
        guard let executor, executor.loopCount > 0 else { return }
        let task = executor.scheduleRepeating(onLoop: 0, intervalNanoseconds: Self.publishIntervalNanoseconds) {
            [weak self] in
            guard let self else { return }
            self.publish(self.counters())
        }
        refresh.withLock { $0 = task }
    }

    static func from(_ pointer: OpaquePointer?) -> HostCache? {
        guard let pointer else { return nil }
        return Unmanaged<HostCache>.fromOpaque(UnsafeRawPointer(pointer)).takeUnretainedValue()
    }

    @inline(__always)
    static func hash(_ key: UnsafeRawPointer?, _ length: UInt32) -> UInt64 {
        chimera_hash_bytes(key, Int(length), nil, 0)
    }

    func insert(_ key: UnsafeRawPointer?, _ keyLength: UInt32, _ value: UnsafeRawPointer?, _ valueLength: Int) -> Int32 {
        let stored = chimera_blob_cache_put(raw, Self.hash(key, keyLength), key, keyLength, value, valueLength)
        switch stored {
        case 0: return CHIMERA_OK
        case -2: return CHIMERA_FBIG
        default: return CHIMERA_NOSPC
        }
    }

    func counters() -> chimera_blob_cache_counters {
        var counters = chimera_blob_cache_counters()
        chimera_blob_cache_counters(raw, &counters)
        return counters
    }

    func publish(_ c: chimera_blob_cache_counters) {
        entriesGauge.record(c.entries)
        bytesGauge.record(c.bytes)
        hitsGauge.record(c.hits)
        missesGauge.record(c.misses)
        evictionsGauge.record(c.evictions)
    }

    /// Fill what the caller's struct has room for (its struct_size).
    func fill(_ stats: UnsafeMutablePointer<chimera_cache_stats>) {
        let c = counters()
        publish(c)
        var full = chimera_cache_stats()
        full.struct_size = UInt32(MemoryLayout<chimera_cache_stats>.size)
        full.entries = c.entries
        full.bytes = c.bytes
        full.hits = c.hits
        full.misses = c.misses
        full.insertions = c.insertions
        full.evictions = c.evictions
        let room = min(Int(stats.pointee.struct_size), MemoryLayout<chimera_cache_stats>.size)
        let header = MemoryLayout<chimera_cache_stats>.offset(of: \.entries) ?? 8
        guard room > header else { return }
        withUnsafeBytes(of: &full) { bytes in
            UnsafeMutableRawPointer(stats).advanced(by: header)
                .copyMemory(from: bytes.baseAddress!.advanced(by: header), byteCount: room - header)
        }
    }
}
