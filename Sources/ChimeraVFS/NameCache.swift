import CChimera

/// (directory handle, name) → child handle, or "no such name", shared by
/// every protocol. Same freshness rules as ``AttributeCache``; the key's
/// version counter is the (directory, name) pair's.
final class NameCache: @unchecked Sendable {
    /// A child handle (at most 64 bytes) inline.
    struct Entry: BitwiseCopyable {
        var handle: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)
        var handleLength: UInt32
        var negative: UInt32
        var stamp: UInt64
        var expires: UInt64
    }

    /// The longest key: a length byte, a wire handle, a name.
    static let maxKeyLength = 1 + Int(CHIMERA_FH_MAX) + Int(CHIMERA_NAME_MAX)

    let cache: RCUCache<Entry>
    let versions: VersionTable
    let stats: CacheStatistics

    init(maxEntries: UInt64, versions: VersionTable, stats: CacheStatistics) {
        guard let cache = RCUCache<Entry>(maxEntries: maxEntries) else {
            preconditionFailure("cannot allocate the name cache")
        }
        self.cache = cache
        self.versions = versions
        self.stats = stats
    }

    enum Answer {
        case child(UnsafeRawBufferPointer)
        case absent
    }

    /// Run `body` with the key bytes for (directory, name).
    @inline(__always)
    static func withKey<R>(
        directory: UnsafeRawBufferPointer,
        name: UnsafeRawBufferPointer,
        _ body: (UnsafeRawBufferPointer) -> R
    ) -> R {
        withUnsafeTemporaryAllocation(byteCount: maxKeyLength, alignment: 8) { buffer in
            let n = min(directory.count, Int(CHIMERA_FH_MAX))
            let m = min(name.count, Int(CHIMERA_NAME_MAX))
            buffer[0] = UInt8(n)
            if n > 0 { UnsafeMutableRawBufferPointer(rebasing: buffer[1..<(1 + n)]).copyMemory(from: directory) }
            if m > 0 {
                UnsafeMutableRawBufferPointer(rebasing: buffer[(1 + n)..<(1 + n + m)])
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: name[0..<m]))
            }
            return body(UnsafeRawBufferPointer(rebasing: buffer[0..<(1 + n + m)]))
        }
    }

    /// The fresh answer for (directory, name), or nil; a hit calls `body`
    /// with the child handle while it is valid.
    @inline(__always)
    func lookup<R>(
        directory: UnsafeRawBufferPointer,
        name: UnsafeRawBufferPointer,
        hash: UInt64,
        now: UInt64,
        _ body: (Answer) -> R
    ) -> R? {
        let entry = Self.withKey(directory: directory, name: name) { key in cache.get(hash: hash, key: key) }
        guard var entry, entry.expires > now, entry.stamp == versions.load(hash) else {
            stats.miss()
            return nil
        }
        stats.hit()
        if entry.negative != 0 { return body(.absent) }
        return withUnsafeBytes(of: &entry.handle) { bytes in
            body(.child(UnsafeRawBufferPointer(rebasing: bytes[0..<Int(entry.handleLength)])))
        }
    }

    /// Remember a child (or its absence when `child` is nil) if nothing
    /// changed the name since `stamp` was read.
    func store(
        directory: UnsafeRawBufferPointer,
        name: UnsafeRawBufferPointer,
        hash: UInt64,
        child: UnsafeRawBufferPointer?,
        stamp: UInt64,
        expires: UInt64
    ) {
        guard versions.load(hash) == stamp else { return }
        var entry = Entry(
            handle: (0, 0, 0, 0, 0, 0, 0, 0), handleLength: 0, negative: child == nil ? 1 : 0, stamp: stamp,
            expires: expires)
        if let child {
            let n = min(child.count, Int(CHIMERA_FH_MAX))
            withUnsafeMutableBytes(of: &entry.handle) { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: child[0..<n])) }
            entry.handleLength = UInt32(n)
        }
        Self.withKey(directory: directory, name: name) { key in cache.put(hash: hash, key: key, value: entry) }
    }

    var count: UInt64 { cache.count }
}
