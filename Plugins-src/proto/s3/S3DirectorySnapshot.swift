import CChimera
import ChimeraPluginKit
import S3

/// One directory's entries in S3 key order (files by name, directories by
/// name + "/"), objects only, as the flat bytes the host's snapshot cache
/// holds (``S3SnapshotCache``): any loop can take a copy of them, and an
/// entry is decoded only when a listing reaches it.
///
/// Layout (native byte order; written and read by this process only):
/// a header (count, taken, the directory's attributes), `count` record
/// offsets, then the records: handle length (1 byte), handle, cookie (8),
/// attributes, name length (2), name bytes.
final class S3DirectorySnapshot {
    let handle: S3Handle
    let count: Int
    let directoryAttrs: chimera_attrs
    let taken: UInt64
    /// The encoded snapshot, as cached.
    let bytes: [UInt8]

    private static let attrsSize = MemoryLayout<chimera_attrs>.size
    private static let countOffset = 0
    private static let takenOffset = 8
    private static let attrsOffset = 16
    private static let offsetsStart = attrsOffset + attrsSize

    var isEmpty: Bool { count == 0 }

    /// A fresh snapshot of `unsorted` (READDIR's entries), taken now.
    convenience init(handle: S3Handle, entries unsorted: [S3DirectoryEntry], directoryAttrs: chimera_attrs) {
        var entries = unsorted.filter { ($0.isRegular || $0.isDirectory) && $0.handle.bytes.count <= 255 }
        S3ListingOrder.sort(&entries, name: \.name, isDirectory: \.isDirectory)
        let taken = S3Clock.monotonicNanoseconds()
        self.init(
            handle: handle, bytes: Self.encode(entries, directoryAttrs: directoryAttrs, taken: taken),
            count: entries.count, directoryAttrs: directoryAttrs, taken: taken)
    }

    private init(handle: S3Handle, bytes: [UInt8], count: Int, directoryAttrs: chimera_attrs, taken: UInt64) {
        self.handle = handle
        self.bytes = bytes
        self.count = count
        self.directoryAttrs = directoryAttrs
        self.taken = taken
    }

    /// The snapshot in bytes ``encode(_:directoryAttrs:taken:)`` wrote; nil
    /// when they are too short to be one.
    static func decoding(_ bytes: [UInt8], handle: S3Handle) -> S3DirectorySnapshot? {
        guard bytes.count >= offsetsStart else { return nil }
        return bytes.withUnsafeBytes { raw in
            let count = raw.loadUnaligned(fromByteOffset: countOffset, as: UInt64.self)
            guard count <= UInt64((bytes.count - offsetsStart) / 4) else { return nil }
            return S3DirectorySnapshot(
                handle: handle, bytes: bytes, count: Int(count),
                directoryAttrs: raw.loadUnaligned(fromByteOffset: attrsOffset, as: chimera_attrs.self),
                taken: raw.loadUnaligned(fromByteOffset: takenOffset, as: UInt64.self))
        }
    }

    /// The `taken` stamp of encoded snapshot bytes, without decoding them.
    static func taken(in bytes: UnsafeRawBufferPointer) -> UInt64? {
        guard bytes.count >= offsetsStart else { return nil }
        return bytes.loadUnaligned(fromByteOffset: takenOffset, as: UInt64.self)
    }

    static func encode(_ entries: [S3DirectoryEntry], directoryAttrs: chimera_attrs, taken: UInt64) -> [UInt8] {
        var out: [UInt8] = []
        let recordsStart = offsetsStart + 4 * entries.count
        var size = recordsStart
        for entry in entries { size += 1 + entry.handle.bytes.count + 8 + attrsSize + 2 + entry.name.utf8.count }
        out.reserveCapacity(size)
        append(UInt64(entries.count), to: &out)
        append(taken, to: &out)
        append(directoryAttrs, to: &out)
        var offset = recordsStart
        for entry in entries {
            append(UInt32(offset), to: &out)
            offset += 1 + entry.handle.bytes.count + 8 + attrsSize + 2 + entry.name.utf8.count
        }
        for entry in entries {
            out.append(UInt8(entry.handle.bytes.count))
            out.append(contentsOf: entry.handle.bytes)
            append(entry.cookie, to: &out)
            append(entry.attrs, to: &out)
            let name = entry.name.utf8.prefix(Int(UInt16.max))
            append(UInt16(name.count), to: &out)
            out.append(contentsOf: name)
        }
        return out
    }

    private static func append<T: BitwiseCopyable>(_ value: T, to out: inout [UInt8]) {
        withUnsafeBytes(of: value) { out.append(contentsOf: $0) }
    }

    /// Where record `index` starts, and its name's range.
    private func record(_ index: Int, _ raw: UnsafeRawBufferPointer) -> (start: Int, name: Range<Int>, isDirectory: Bool) {
        let start = Int(raw.loadUnaligned(fromByteOffset: Self.offsetsStart + 4 * index, as: UInt32.self))
        let handleLength = Int(raw[start])
        let attrsAt = start + 1 + handleLength + 8
        let attrs = raw.loadUnaligned(fromByteOffset: attrsAt, as: chimera_attrs.self)
        let nameLength = Int(raw.loadUnaligned(fromByteOffset: attrsAt + Self.attrsSize, as: UInt16.self))
        let nameStart = attrsAt + Self.attrsSize + 2
        let isDirectory = attrs.valid.contains(.mode) && attrs.fileType == .directory
        return (start, nameStart..<(nameStart + nameLength), isDirectory)
    }

    /// Entry `index` (0 ..< count), decoded.
    func entry(at index: Int) -> S3DirectoryEntry {
        bytes.withUnsafeBytes { raw in
            let (start, name, _) = record(index, raw)
            let handleLength = Int(raw[start])
            let handle = Array(raw[(start + 1)..<(start + 1 + handleLength)])
            let cookie = raw.loadUnaligned(fromByteOffset: start + 1 + handleLength, as: UInt64.self)
            let attrs = raw.loadUnaligned(fromByteOffset: start + 1 + handleLength + 8, as: chimera_attrs.self)
            return S3DirectoryEntry(
                name: String(decoding: raw[name], as: UTF8.self), handle: S3Handle(handle), attrs: attrs,
                cookie: cookie)
        }
    }

    /// The first entry whose sort key (its name, with "/" after a
    /// directory's) is not below `bound`.
    func firstIndex(notBelow bound: [UInt8]) -> Int {
        bytes.withUnsafeBytes { raw in
            var low = 0
            var high = count
            while low < high {
                let middle = (low + high) / 2
                let (_, name, isDirectory) = record(middle, raw)
                if Self.sortKey(raw[name], isDirectory: isDirectory, precedes: bound) {
                    low = middle + 1
                } else {
                    high = middle
                }
            }
            return low
        }
    }

    /// Whether `name` (+ "/" for a directory) sorts before `bound`, bytewise,
    /// without building the key.
    private static func sortKey(_ name: Slice<UnsafeRawBufferPointer>, isDirectory: Bool, precedes bound: [UInt8]) -> Bool {
        var index = 0
        for byte in name {
            guard index < bound.count else { return false }
            if byte != bound[index] { return byte < bound[index] }
            index += 1
        }
        if isDirectory {
            guard index < bound.count else { return false }
            if UInt8(ascii: "/") != bound[index] { return UInt8(ascii: "/") < bound[index] }
            index += 1
        }
        return index < bound.count
    }

    /// Whether the directory is unchanged since the snapshot.
    func isCurrent(_ attrs: chimera_attrs) -> Bool {
        let a = directoryAttrs
        if a.valid.contains(.change) && attrs.valid.contains(.change) && a.change != attrs.change { return false }
        return a.mtime == attrs.mtime && a.ctime == attrs.ctime && a.size == attrs.size
    }
}
