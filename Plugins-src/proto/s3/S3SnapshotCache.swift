import CChimera
import ChimeraPluginKit
import S3

/// One directory's entries in S3 key order (files by name, directories by
/// name + "/"), objects only.
final class S3DirectorySnapshot {
    let handle: S3Handle
    let entries: [S3DirectoryEntry]
    /// Each entry's name as it sorts: UTF-8, with "/" after a directory's.
    let sortKeys: [[UInt8]]
    let directoryAttrs: chimera_attrs
    let taken: UInt64

    init(handle: S3Handle, entries unsorted: [S3DirectoryEntry], directoryAttrs: chimera_attrs) {
        var entries = unsorted.filter { $0.isRegular || $0.isDirectory }
        S3ListingOrder.sort(&entries, name: \.name, isDirectory: \.isDirectory)
        self.handle = handle
        self.entries = entries
        sortKeys = entries.map { Array($0.name.utf8) + ($0.isDirectory ? [UInt8(ascii: "/")] : []) }
        self.directoryAttrs = directoryAttrs
        taken = S3Clock.monotonicNanoseconds()
    }

    /// The first entry whose sort key is not below `bound`.
    func firstIndex(notBelow bound: [UInt8]) -> Int {
        var low = 0
        var high = sortKeys.count
        while low < high {
            let middle = (low + high) / 2
            if sortKeys[middle].lexicographicallyPrecedes(bound) { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// Whether the directory is unchanged since the snapshot.
    func isCurrent(_ attrs: chimera_attrs) -> Bool {
        let a = directoryAttrs
        if a.valid.contains(.change) && attrs.valid.contains(.change) && a.change != attrs.change { return false }
        return a.mtime == attrs.mtime && a.ctime == attrs.ctime && a.size == attrs.size
    }
}

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

extension S3Loop {
    /// The sorted entries of `directory`: from the cache when the directory
    /// did not change, else read whole (bounded).
    func snapshot(
        of directory: S3Handle, client: S3VFSClient, done: @escaping (Result<S3DirectorySnapshot, S3Error>) -> Void
    ) {
        // The attributes come first: a change during the read then shows
        // as a mismatch next time.
        let read = { [self] in
            client.getattr(directory) { [self] before in
                guard before.ok else {
                    done(.failure(S3StatusMapping.error(before.status)))
                    return
                }
                S3DirectoryReader.readAll(directory, limit: S3SnapshotCache.maxEntries, client: client) { [self] result in
                    switch result {
                    case .failure(let error): done(.failure(error))
                    case .success(let (entries, _)):
                        let snapshot = S3DirectorySnapshot(
                            handle: directory, entries: entries, directoryAttrs: before.attrs)
                        snapshots.insert(snapshot)
                        done(.success(snapshot))
                    }
                }
            }
        }
        guard let cached = snapshots.lookup(directory) else {
            read()
            return
        }
        client.getattr(directory) { [self] reply in
            if reply.ok && cached.isCurrent(reply.attrs) {
                done(.success(cached))
            } else {
                snapshots.remove(directory)
                read()
            }
        }
    }
}
