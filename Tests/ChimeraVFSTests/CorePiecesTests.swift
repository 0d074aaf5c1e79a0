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

    @Test("lock ranges: zero length is invalid, UINT64_MAX runs to the end")
    func ranges() {
        #expect(VFSCore.lockRange(offset: 5, length: 0) == nil)
        #expect(VFSCore.lockRange(offset: 5, length: UInt64.max)! == (5, UInt64.max))
        #expect(VFSCore.lockRange(offset: UInt64.max - 1, length: 10)! == (UInt64.max - 1, UInt64.max))
        #expect(VFSCore.lockRange(offset: 5, length: 10)! == (5, 15))
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
