import CChimera
import ChimeraPluginKit
import Testing

@testable import ChimeraVFS

@Suite("VFS core pieces")
struct CorePiecesTests {
    @Test("mount ids depend on the name only, and never collide with the root")
    func mountIDs() {
        #expect(MountID(mountName: "memfs") == MountID(mountName: "memfs"))
        #expect(MountID(mountName: "memfs") != MountID(mountName: "linux"))
        #expect(MountID(mountName: "memfs") != .root)
        let bytes = MountID(mountName: "memfs").bytes
        #expect(bytes.count == 16)
        #expect(bytes.withUnsafeBytes { MountID(prefixOf: $0) } == MountID(mountName: "memfs"))
    }

    @Test("names a module may see: no empty, dot, dot-dot, slash, NUL or overlong names")
    func names() {
        func check(_ s: [UInt8]) -> VFSStatus? { s.withUnsafeBytes { VFSCore.validate(name: $0) } }
        #expect(check(Array("file".utf8)) == nil)
        #expect(check(Array("...".utf8)) == nil)
        #expect(check([]) == .invalid)
        #expect(check(Array(".".utf8)) == .invalid)
        #expect(check(Array("..".utf8)) == .invalid)
        #expect(check(Array("a/b".utf8)) == .invalid)
        #expect(check([0x61, 0, 0x62]) == .invalid)
        #expect(check(Array(repeating: 0x61, count: 255)) == nil)
        #expect(check(Array(repeating: 0x61, count: 256)) == .nameTooLong)
    }

    @Test("hidden names are the .chimera- prefix only")
    func hidden() {
        #expect(Array(".chimera-s3".utf8).withUnsafeBytes { HiddenNames.isHidden($0) })
        #expect(!Array(".chimera".utf8).withUnsafeBytes { HiddenNames.isHidden($0) })
        #expect(!Array("chimera-s3".utf8).withUnsafeBytes { HiddenNames.isHidden($0) })
    }

    @Test("byte-range locks: writers exclude, readers share, owners replace and split their own")
    func locks() {
        let table = LockTable()
        let file: [UInt8] = [1]
        let a: [UInt8] = [0xA]
        let b: [UInt8] = [0xB]
        #expect(table.lock(file: file, owner: a, write: true, start: 0, end: 100) == nil)
        #expect(table.lock(file: file, owner: b, write: false, start: 50, end: 60)?.owner == a)
        #expect(table.lock(file: file, owner: b, write: false, start: 100, end: 200) == nil)
        // a downgrades the middle to a read lock: b can now read there.
        #expect(table.lock(file: file, owner: a, write: false, start: 40, end: 70) == nil)
        #expect(table.conflict(file: file, owner: b, write: false, start: 50, end: 60) == nil)
        #expect(table.conflict(file: file, owner: b, write: true, start: 50, end: 60)?.owner == a)
        #expect(table.conflict(file: file, owner: b, write: false, start: 10, end: 20)?.owner == a)
        table.unlock(file: file, owner: a, start: 0, end: UInt64.max)
        #expect(table.conflict(file: file, owner: b, write: true, start: 0, end: 100) == nil)
        #expect(table.conflict(file: file, owner: a, write: true, start: 150, end: 160)?.owner == b)
    }

    @Test("lock ranges: zero length is invalid, UINT64_MAX runs to the end")
    func ranges() {
        #expect(LockTable.range(offset: 5, length: 0) == nil)
        #expect(LockTable.range(offset: 5, length: UInt64.max)! == (5, UInt64.max))
        #expect(LockTable.range(offset: UInt64.max - 1, length: 10)! == (UInt64.max - 1, UInt64.max))
        #expect(LockTable.range(offset: 5, length: 10)! == (5, 15))
    }

    @Test("the version table: bump and compare-exchange")
    func versions() {
        let table = VersionTable(log2Slots: 4)
        let v = table.load(42)
        #expect(table.bump(42) == v + 1)
        #expect(table.compareExchange(42, expected: v + 1, desired: v + 2))
        #expect(!table.compareExchange(42, expected: v + 1, desired: v + 3))
        #expect(table.load(42) == v + 2)
    }
}
