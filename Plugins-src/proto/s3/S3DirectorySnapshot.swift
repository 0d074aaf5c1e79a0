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
