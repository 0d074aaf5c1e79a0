import CChimera
import ChimeraPluginKit
import S3

/// Sorted large directories a loop listed lately, so the pages of one
/// listing read such a directory once: a later page finds its place in the
/// snapshot by binary search (a cursor), after checking the directory did
/// not change. Bounded in directories and entries.
final class S3SnapshotCache {
    /// Smaller directories are read again for each page: cheaper than a
    /// GETATTR and a cache slot.
    static let minimumEntries = 1024
    static let maxEntries = 400_000
    static let maxSnapshots = 32
    static let maxAgeNanoseconds: UInt64 = 120_000_000_000

    private var snapshots: [S3Handle: S3DirectorySnapshot] = [:]
    private var order: [S3Handle] = []
    private var total = 0

    func lookup(_ handle: S3Handle) -> S3DirectorySnapshot? {
        guard let snapshot = snapshots[handle] else { return nil }
        if S3Clock.monotonicNanoseconds() &- snapshot.taken > Self.maxAgeNanoseconds {
            remove(handle)
            return nil
        }
        return snapshot
    }

    func insert(_ snapshot: S3DirectorySnapshot) {
        guard snapshot.entries.count >= Self.minimumEntries, snapshot.entries.count <= Self.maxEntries else { return }
        remove(snapshot.handle)
        while !order.isEmpty && (order.count >= Self.maxSnapshots || total + snapshot.entries.count > Self.maxEntries) {
            remove(order[0])
        }
        snapshots[snapshot.handle] = snapshot
        order.append(snapshot.handle)
        total += snapshot.entries.count
    }

    func remove(_ handle: S3Handle) {
        guard let old = snapshots.removeValue(forKey: handle) else { return }
        total -= old.entries.count
        order.removeAll { $0 == handle }
    }
}
