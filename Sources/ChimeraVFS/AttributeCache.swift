import ChimeraPluginKit
import CChimera

/// Attributes of objects by wire handle, shared by every protocol.
///
/// Readers take no lock (RCU). A value is served only while its stamp
/// equals its key's version counter and its lifetime has not run out; an op
/// that changes an object bumps the counter when it starts and when it
/// ends, so a change made through the core is never hidden by the cache.
final class AttributeCache: @unchecked Sendable {
    struct Entry: BitwiseCopyable {
        var attributes: chimera_attrs
        var stamp: UInt64
        var expires: UInt64
    }

    let cache: RCUCache<Entry>
    let versions: VersionTable
    let stats: CacheStatistics

    init(maxEntries: UInt64, versions: VersionTable, stats: CacheStatistics) {
        guard let cache = RCUCache<Entry>(maxEntries: maxEntries) else {
            preconditionFailure("cannot allocate the attribute cache")
        }
        self.cache = cache
        self.versions = versions
        self.stats = stats
    }

    /// Fresh attributes covering `mask`, or nil.
    @inline(__always)
    func lookup(handle: UnsafeRawBufferPointer, hash: UInt64, mask: UInt64, now: UInt64) -> chimera_attrs? {
        guard let entry = cache.get(hash: hash, key: handle),
            entry.expires > now,
            entry.stamp == versions.load(hash),
            entry.attributes.valid_mask & mask == mask
        else {
            stats.miss()
            return nil
        }
        stats.hit()
        return entry.attributes
    }

    /// Store attributes a module returned, if nothing changed the object
    /// since `stamp` was read from the version table.
    @inline(__always)
    func store(handle: UnsafeRawBufferPointer, hash: UInt64, attributes: chimera_attrs, stamp: UInt64, expires: UInt64) {
        guard attributes.valid_mask & VFSAttributeMask.stat.rawValue == VFSAttributeMask.stat.rawValue else { return }
        guard versions.load(hash) == stamp else { return }
        cache.put(hash: hash, key: handle, value: Entry(attributes: attributes, stamp: stamp, expires: expires))
    }

    /// Make whatever is cached for the object stale.
    @inline(__always)
    func invalidate(hash: UInt64) {
        versions.bump(hash)
    }

    var count: UInt64 { cache.count }
}

/// Hit and miss counts of one cache, exported as metrics.
final class CacheStatistics: @unchecked Sendable {
    let hits = AtomicCounter()
    let misses = AtomicCounter()

    @inline(__always) func hit() { hits.increment() }
    @inline(__always) func miss() { misses.increment() }
}
