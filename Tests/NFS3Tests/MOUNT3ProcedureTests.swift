import NFS3
import Testing
import XDR

/// Every MOUNT3 procedure (RFC 1813 Appendix I) against bytes written out by hand.
@Suite("MOUNT3 procedures")
struct MOUNT3ProcedureTests {
    static let exportPath = hex("00000007 2f657870 6f727400")  // dirpath "/export"

    func arguments(_ procedure: MOUNT3Program.V3.Procedure, _ bytes: [UInt8]) throws -> MOUNT3Arguments? {
        var reader = XDRReader(pinned(bytes))
        let decoded = try MOUNT3Arguments(procedure: procedure, from: &reader)
        #expect(reader.isAtEnd)
        return decoded
    }

    @Test("NULL (0), UMNTALL (4), DUMP (2) and EXPORT (5) take no arguments")
    func voidArguments() throws {
        #expect(try arguments(.null, []) == .null)
        #expect(try arguments(.umntall, []) == .umntall)
        #expect(try arguments(.dump, []) == .dump)
        #expect(try arguments(.export, []) == .export)
        #expect(try arguments(MOUNT3Program.V3.Procedure(rawValue: 6), []) == nil)
    }

    @Test("MNT (1): a path in, a handle and auth flavors out")
    func mnt() throws {
        #expect(try arguments(.mnt, Self.exportPath) == .mnt(opaque("/export")))
        for length in 0..<Self.exportPath.count {
            var reader = XDRReader(pinned(Array(Self.exportPath[0..<length])))
            #expect(throws: XDRError.truncated) { _ = try MOUNT3Arguments(procedure: .mnt, from: &reader) }
        }
        let long = hex("00000401") + [UInt8](repeating: 0x61, count: 1028)
        #expect(throws: XDRError.lengthTooLong(length: 1025, limit: 1024)) { _ = try arguments(.mnt, long) }
        try expectWireFormat(
            MOUNT3Mountres.ok(MOUNT3MountresOk(fhandle: opaque([1, 2, 3, 4, 5, 6, 7, 8]), authFlavors: [1])),
            hex(
                "00000000",  // MNT3_OK
                "00000008 01020304 05060708",  // fhandle3
                "00000001 00000001"  // auth_flavors<>: AUTH_SYS
            ))
        try expectWireFormat(MOUNT3Mountres.default(.acces), hex("0000000d"))
        #expect(MOUNT3Mountstat.serverfault.rawValue == 10006)
    }

    @Test("DUMP (2): a linked list of mounts")
    func dump() throws {
        let list: MOUNT3Mountlist = [MOUNT3Mountbody(mlHostname: opaque("client"), mlDirectory: opaque("/export"))]
        let bytes = hex("00000001", "00000006 636c6965 6e740000") + Self.exportPath + hex("00000000")
        var writer = XDRWriter(UnsafeMutableRawBufferPointer.allocate(byteCount: 64, alignment: 8))
        try MOUNT3MountlistCodec.encode(list, to: &writer)
        #expect(Array(writer.written()) == bytes)
        var reader = XDRReader(pinned(bytes))
        #expect(try MOUNT3MountlistCodec.decode(from: &reader) == list)
        #expect(MOUNT3MountlistCodec.encodedSize(of: list) == bytes.count)
    }

    @Test("UMNT (3): a path in, nothing out")
    func umnt() throws {
        #expect(try arguments(.umnt, Self.exportPath) == .umnt(opaque("/export")))
        #expect(MOUNT3Arguments.umnt(opaque("/export")).xdrEncodedSize == Self.exportPath.count)
    }

    @Test("EXPORT (5): a list of exports, each with a list of groups")
    func export() throws {
        let exports: MOUNT3Exports = [
            MOUNT3Exportnode(exDir: opaque("/export"), exGroups: [MOUNT3Groupnode(grName: opaque("*"))])
        ]
        let bytes =
            hex("00000001") + Self.exportPath
            + hex(
                "00000001", "00000001 2a000000",  // groups: TRUE, "*"
                "00000000",  // end of groups
                "00000000"  // end of exports
            )
        var writer = XDRWriter(UnsafeMutableRawBufferPointer.allocate(byteCount: 64, alignment: 8))
        try MOUNT3ExportsCodec.encode(exports, to: &writer)
        #expect(Array(writer.written()) == bytes)
        var reader = XDRReader(pinned(bytes))
        #expect(try MOUNT3ExportsCodec.decode(from: &reader) == exports)
        for length in 0..<bytes.count {
            var prefix = XDRReader(pinned(Array(bytes[0..<length])))
            #expect(throws: XDRError.truncated) { _ = try MOUNT3ExportsCodec.decode(from: &prefix) }
        }
        #expect(MOUNT3Program.number == 100_005)
    }
}
