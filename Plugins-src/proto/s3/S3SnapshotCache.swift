import CChimera
import ChimeraPluginKit
import S3

/// Sorted large directories listed lately, so the pages of one listing
/// read such a directory once: a later page finds its place in the snapshot
/// by binary search (a cursor), after checking the directory did not
/// change. The snapshots live in a host cache (chimera_host.h "caches"),
/// one for the plugin, so a listing's pages hit on whichever loop their
/// connections are; the host bounds it in snapshots and bytes and evicts the
/// oldest. Without a host cache (a host before ABI 1.2) nothing is cached
/// and each page reads its directories again.
final class S3SnapshotCache: @unchecked Sendable {
    /// Smaller directories are read again for each page: cheaper than a
    /// GETATTR and a cache slot.
    static let minimumEntries = 1024
    static let maxEntries = 400_000
    static let maxSnapshots: UInt64 = 32
    /// About 250 bytes an entry: room for one snapshot of maxEntries.
    static let maxBytes: UInt64 = 128 << 20
    static let maxAgeNanoseconds: UInt64 = 120_000_000_000

    private let cache: PluginCache?

    init(host: PluginHost) {
        cache = host.makeCache(name: "s3_dir_snapshots", maxEntries: Self.maxSnapshots, maxBytes: Self.maxBytes)
        if cache == nil {
            host.log(.notice, "s3: no host cache for directory snapshots; listings read directories per page")
        }
    }

    /// A copy of the cached snapshot of `handle`, if one is there and young.
    /// `memo` is the calling loop's last copy: the pages of one listing come
    /// on one connection, so one loop, and while the cache still holds that
    /// very snapshot (its `taken` stamp, read in place) it is used without
    /// copying the whole snapshot out again.
    func lookup(_ handle: S3Handle, memo: S3DirectorySnapshot? = nil) -> S3DirectorySnapshot? {
        guard let cache else { return nil }
        if let memo, memo.handle.bytes == handle.bytes {
            let taken = handle.bytes.withUnsafeBytes { key in
                cache.withValue(forKey: key) { S3DirectorySnapshot.taken(in: $0) }
            }
            if taken == memo.taken, S3Clock.monotonicNanoseconds() &- memo.taken <= Self.maxAgeNanoseconds {
                return memo
            }
        }
        guard let bytes = cache.value(forKey: handle.bytes) else { return nil }
        guard let snapshot = S3DirectorySnapshot.decoding(bytes, handle: handle),
            S3Clock.monotonicNanoseconds() &- snapshot.taken <= Self.maxAgeNanoseconds
        else {
            remove(handle)
            return nil
        }
        return snapshot
    }

    func insert(_ snapshot: S3DirectorySnapshot) {
        guard let cache, snapshot.count >= Self.minimumEntries, snapshot.count <= Self.maxEntries else { return }
        // Too large or short of memory: the host dropped any older value, and
        // the next page reads the directory again.
        try? cache.insert(key: snapshot.handle.bytes, value: snapshot.bytes)
    }

    func remove(_ handle: S3Handle) {
        cache?.invalidate(key: handle.bytes)
    }
}
