import NFS3
import Testing
import XDR

/// Every NFSv3 procedure's arguments and results (RFC 1813 §3.3), against bytes written out by hand: encode,
/// decode, and every prefix truncated.
@Suite("NFSv3 procedures")
struct NFS3ProcedureTests {
    typealias W = NFS3Wire

    /// The arguments also decode through NFS3Arguments by procedure number.
    func expectArguments(
        _ arguments: NFS3Arguments, _ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        var reader = XDRReader(pinned(bytes))
        let decoded = try NFS3Arguments(procedure: arguments.procedure, from: &reader)
        #expect(decoded == arguments, sourceLocation: sourceLocation)
        #expect(reader.isAtEnd, sourceLocation: sourceLocation)
        #expect(arguments.xdrEncodedSize == bytes.count, sourceLocation: sourceLocation)
    }

    @Test("NULL (0): no arguments, no results")
    func null() throws {
        try expectArguments(.null, [])
        #expect(NFS3Program.V3.Procedure.null.rawValue == 0)
    }

    @Test("GETATTR (1)")
    func getattr() throws {
        let arguments = NFS3GetattrArgs(object: W.fhValue)
        try expectWireFormat(arguments, W.fh)
        try expectArguments(.getattr(arguments), W.fh)
        try expectWireFormat(NFS3GetattrRes.ok(NFS3GetattrResok(objAttributes: W.fattrValue)), hex("00000000") + W.fattr)
        try expectWireFormat(NFS3GetattrRes.default(.stale), hex("00000046"))  // NFS3ERR_STALE, no body
    }

    @Test("SETATTR (2)")
    func setattr() throws {
        let arguments = NFS3SetattrArgs(
            object: W.fhValue, newAttributes: W.sattrValue, guard: NFS3Nfstime(seconds: 1_600_000_000, nseconds: 3))
        let bytes = W.fh + W.sattr + hex("00000001", "5f5e1000 00000003")  // guard: check TRUE, obj_ctime
        try expectWireFormat(arguments, bytes)
        try expectArguments(.setattr(arguments), bytes)
        try expectWireFormat(NFS3SetattrRes.ok(NFS3SetattrResok(objWcc: W.wccValue)), hex("00000000") + W.wcc)
        try expectWireFormat(
            NFS3SetattrRes.resfail(.acces, NFS3SetattrResfail(objWcc: W.emptyWccValue)), hex("0000000d") + W.emptyWcc)
    }

    @Test("LOOKUP (3)")
    func lookup() throws {
        let arguments = NFS3LookupArgs(what: W.diropValue)
        try expectWireFormat(arguments, W.dirop)
        try expectArguments(.lookup(arguments), W.dirop)
        try expectWireFormat(
            NFS3LookupRes.ok(NFS3LookupResok(object: W.fhValue, objAttributes: W.fattrValue, dirAttributes: nil)),
            hex("00000000") + W.fh + W.attributes + W.noAttributes)
        try expectWireFormat(
            NFS3LookupRes.resfail(.noent, NFS3LookupResfail(dirAttributes: W.fattrValue)), hex("00000002") + W.attributes)
    }

    @Test("ACCESS (4)")
    func access() throws {
        let arguments = NFS3AccessArgs(object: W.fhValue, access: 0x1f)
        try expectWireFormat(arguments, W.fh + hex("0000001f"))
        try expectArguments(.access(arguments), W.fh + hex("0000001f"))
        #expect(NFS3Constants.accessRead | NFS3Constants.accessLookup == 3)
        try expectWireFormat(
            NFS3AccessRes.ok(NFS3AccessResok(objAttributes: W.fattrValue, access: 3)),
            hex("00000000") + W.attributes + hex("00000003"))
        try expectWireFormat(NFS3AccessRes.resfail(.stale, NFS3AccessResfail(objAttributes: nil)), hex("00000046 00000000"))
    }

    @Test("READLINK (5)")
    func readlink() throws {
        let arguments = NFS3ReadlinkArgs(symlink: W.fhValue)
        try expectWireFormat(arguments, W.fh)
        try expectArguments(.readlink(arguments), W.fh)
        try expectWireFormat(
            NFS3ReadlinkRes.ok(NFS3ReadlinkResok(symlinkAttributes: nil, data: opaque("/tmp"))),
            hex("00000000", "00000000", "00000004 2f746d70"))
        try expectWireFormat(
            NFS3ReadlinkRes.resfail(.inval, NFS3ReadlinkResfail(symlinkAttributes: nil)), hex("00000016 00000000"))
    }

    @Test("READ (6)")
    func read() throws {
        let arguments = NFS3ReadArgs(file: W.fhValue, offset: 4096, count: 1024)
        let bytes = W.fh + hex("00000000 00001000", "00000400")  // offset 4096, count 1024
        try expectWireFormat(arguments, bytes)
        try expectArguments(.read(arguments), bytes)
        try expectWireFormat(
            NFS3ReadRes.ok(NFS3ReadResok(fileAttributes: W.fattrValue, count: 3, eof: true, data: opaque("abc"))),
            hex("00000000") + W.attributes + hex("00000003", "00000001", "00000003 61626300"))
        try expectWireFormat(NFS3ReadRes.resfail(.io, NFS3ReadResfail(fileAttributes: nil)), hex("00000005 00000000"))
    }

    @Test("WRITE (7): the data is a view into the record")
    func write() throws {
        let arguments = NFS3WriteArgs(file: W.fhValue, offset: 0, count: 5, stable: .fileSync, data: opaque("hello"))
        let bytes = W.fh + hex("00000000 00000000", "00000005", "00000002", "00000005 68656c6c 6f000000")
        try expectWireFormat(arguments, bytes)
        try expectArguments(.write(arguments), bytes)
        let record = pinned(bytes)
        var reader = XDRReader(record)
        let decoded = try NFS3WriteArgs(from: &reader)
        #expect(decoded.data.bytes.baseAddress == record.baseAddress.map { $0 + 32 })
        #expect(decoded.payloadMatchesCount)
        try expectWireFormat(
            NFS3WriteRes.ok(
                NFS3WriteResok(fileWcc: W.wccValue, count: 5, committed: .fileSync, verf: W.verifierValue)),
            hex("00000000") + W.wcc + hex("00000005", "00000002") + W.verifier)
        try expectWireFormat(NFS3WriteRes.resfail(.nospc, NFS3WriteResfail(fileWcc: W.emptyWccValue)), hex("0000001c") + W.emptyWcc)
    }

    @Test("CREATE (8): unchecked, guarded and exclusive")
    func create() throws {
        let guarded = NFS3CreateArgs(where: W.diropValue, how: .guarded(W.sattrValue))
        try expectWireFormat(guarded, W.dirop + hex("00000001") + W.sattr)
        try expectArguments(.create(guarded), W.dirop + hex("00000001") + W.sattr)
        try expectWireFormat(
            NFS3CreateArgs(where: W.diropValue, how: .unchecked(W.sattrValue)), W.dirop + hex("00000000") + W.sattr)
        try expectWireFormat(
            NFS3CreateArgs(where: W.diropValue, how: .exclusive(W.verifierValue)), W.dirop + hex("00000002") + W.verifier)
        #expect(throws: XDRError.badDiscriminant(3)) {
            _ = try decode(NFS3CreateArgs.self, W.dirop + hex("00000003") + W.verifier)
        }
        try expectWireFormat(
            NFS3CreateRes.ok(NFS3CreateResok(obj: W.fhValue, objAttributes: W.fattrValue, dirWcc: W.wccValue)),
            hex("00000000") + W.handle + W.attributes + W.wcc)
        try expectWireFormat(NFS3CreateRes.resfail(.exist, NFS3CreateResfail(dirWcc: W.wccValue)), hex("00000011") + W.wcc)
    }

    @Test("MKDIR (9)")
    func mkdir() throws {
        let arguments = NFS3MkdirArgs(where: W.diropValue, attributes: W.sattrValue)
        try expectWireFormat(arguments, W.dirop + W.sattr)
        try expectArguments(.mkdir(arguments), W.dirop + W.sattr)
        try expectWireFormat(
            NFS3MkdirRes.ok(NFS3MkdirResok(obj: nil, objAttributes: nil, dirWcc: W.emptyWccValue)),
            hex("00000000", "00000000", "00000000") + W.emptyWcc)
        try expectWireFormat(NFS3MkdirRes.resfail(.rofs, NFS3MkdirResfail(dirWcc: W.emptyWccValue)), hex("0000001e") + W.emptyWcc)
    }

    @Test("SYMLINK (10)")
    func symlink() throws {
        let arguments = NFS3SymlinkArgs(
            where: W.diropValue, symlink: NFS3Symlinkdata(symlinkAttributes: W.sattrValue, symlinkData: opaque("../t")))
        let bytes = W.dirop + W.sattr + hex("00000004 2e2e2f74")
        try expectWireFormat(arguments, bytes)
        try expectArguments(.symlink(arguments), bytes)
        try expectWireFormat(
            NFS3SymlinkRes.ok(NFS3SymlinkResok(obj: W.fhValue, objAttributes: nil, dirWcc: W.wccValue)),
            hex("00000000") + W.handle + W.noAttributes + W.wcc)
        try expectWireFormat(
            NFS3SymlinkRes.resfail(.nametoolong, NFS3SymlinkResfail(dirWcc: W.emptyWccValue)), hex("0000003f") + W.emptyWcc)
    }

    @Test("MKNOD (11): devices carry their numbers, pipes only attributes, other types nothing")
    func mknod() throws {
        let device = NFS3MknodArgs(
            where: W.diropValue,
            what: .chr(NFS3Devicedata(devAttributes: W.sattrValue, spec: NFS3Specdata(specdata1: 1, specdata2: 3))))
        let deviceBytes = W.dirop + hex("00000004") + W.sattr + hex("00000001 00000003")
        try expectWireFormat(device, deviceBytes)
        try expectArguments(.mknod(device), deviceBytes)
        try expectWireFormat(NFS3MknodArgs(where: W.diropValue, what: .fifo(W.sattrValue)), W.dirop + hex("00000007") + W.sattr)
        try expectWireFormat(NFS3MknodArgs(where: W.diropValue, what: .default(.reg)), W.dirop + hex("00000001"))
        #expect(NFS3Mknoddata.default(.reg).type == .reg)
        try expectWireFormat(
            NFS3MknodRes.ok(NFS3MknodResok(obj: W.fhValue, objAttributes: W.fattrValue, dirWcc: W.wccValue)),
            hex("00000000") + W.handle + W.attributes + W.wcc)
        try expectWireFormat(
            NFS3MknodRes.resfail(.notsupp, NFS3MknodResfail(dirWcc: W.emptyWccValue)), hex("00002714") + W.emptyWcc)
    }

    @Test("REMOVE (12)")
    func remove() throws {
        let arguments = NFS3RemoveArgs(object: W.diropValue)
        try expectWireFormat(arguments, W.dirop)
        try expectArguments(.remove(arguments), W.dirop)
        try expectWireFormat(NFS3RemoveRes.ok(NFS3RemoveResok(dirWcc: W.wccValue)), hex("00000000") + W.wcc)
        try expectWireFormat(NFS3RemoveRes.resfail(.noent, NFS3RemoveResfail(dirWcc: W.wccValue)), hex("00000002") + W.wcc)
    }

    @Test("RMDIR (13)")
    func rmdir() throws {
        let arguments = NFS3RmdirArgs(object: W.diropValue)
        try expectWireFormat(arguments, W.dirop)
        try expectArguments(.rmdir(arguments), W.dirop)
        try expectWireFormat(NFS3RmdirRes.ok(NFS3RmdirResok(dirWcc: W.emptyWccValue)), hex("00000000") + W.emptyWcc)
        try expectWireFormat(NFS3RmdirRes.resfail(.notempty, NFS3RmdirResfail(dirWcc: W.wccValue)), hex("00000042") + W.wcc)
    }

    @Test("RENAME (14)")
    func rename() throws {
        let to = NFS3Diropargs(dir: W.fhValue, name: opaque("other"))
        let arguments = NFS3RenameArgs(from: W.diropValue, to: to)
        let bytes = W.dirop + W.fh + hex("00000005 6f746865 72000000")
        try expectWireFormat(arguments, bytes)
        try expectArguments(.rename(arguments), bytes)
        try expectWireFormat(
            NFS3RenameRes.ok(NFS3RenameResok(fromdirWcc: W.wccValue, todirWcc: W.emptyWccValue)),
            hex("00000000") + W.wcc + W.emptyWcc)
        try expectWireFormat(
            NFS3RenameRes.resfail(.xdev, NFS3RenameResfail(fromdirWcc: W.emptyWccValue, todirWcc: W.emptyWccValue)),
            hex("00000012") + W.emptyWcc + W.emptyWcc)
    }

    @Test("LINK (15)")
    func link() throws {
        let arguments = NFS3LinkArgs(file: W.fhValue, link: W.diropValue)
        try expectWireFormat(arguments, W.fh + W.dirop)
        try expectArguments(.link(arguments), W.fh + W.dirop)
        try expectWireFormat(
            NFS3LinkRes.ok(NFS3LinkResok(fileAttributes: W.fattrValue, linkdirWcc: W.wccValue)),
            hex("00000000") + W.attributes + W.wcc)
        try expectWireFormat(
            NFS3LinkRes.resfail(.mlink, NFS3LinkResfail(fileAttributes: nil, linkdirWcc: W.emptyWccValue)),
            hex("0000001f") + W.noAttributes + W.emptyWcc)
    }

    @Test("READDIR (16)")
    func readdir() throws {
        let arguments = NFS3ReaddirArgs(dir: W.fhValue, cookie: 0, cookieverf: XDRFixedOpaque(), count: 4096)
        let bytes = W.fh + hex("00000000 00000000", "00000000 00000000", "00001000")
        try expectWireFormat(arguments, bytes)
        try expectArguments(.readdir(arguments), bytes)
        let entries = [
            NFS3Entry(fileid: 2, name: opaque("."), cookie: 1),
            NFS3Entry(fileid: 99, name: opaque("file"), cookie: 2),
        ]
        try expectWireFormat(
            NFS3ReaddirRes.ok(
                NFS3ReaddirResok(
                    dirAttributes: nil, cookieverf: W.verifierValue, reply: NFS3Dirlist(entries: entries, eof: true))),
            hex("00000000", "00000000") + W.verifier
                + hex(
                    "00000001", "00000000 00000002", "00000001 2e000000", "00000000 00000001",  // ".", cookie 1
                    "00000001", "00000000 00000063", "00000004 66696c65", "00000000 00000002",  // "file", cookie 2
                    "00000000",  // no more entries
                    "00000001"  // eof
                ))
        try expectWireFormat(
            NFS3ReaddirRes.resfail(.badCookie, NFS3ReaddirResfail(dirAttributes: nil)), hex("00002713 00000000"))
    }

    @Test("READDIRPLUS (17)")
    func readdirplus() throws {
        let arguments = NFS3ReaddirplusArgs(
            dir: W.fhValue, cookie: 2, cookieverf: W.verifierValue, dircount: 512, maxcount: 8192)
        let bytes = W.fh + hex("00000000 00000002") + W.verifier + hex("00000200", "00002000")
        try expectWireFormat(arguments, bytes)
        try expectArguments(.readdirplus(arguments), bytes)
        let entry = NFS3Entryplus(
            fileid: 99, name: opaque("file"), cookie: 3, nameAttributes: W.fattrValue, nameHandle: W.fhValue)
        try expectWireFormat(
            NFS3ReaddirplusRes.ok(
                NFS3ReaddirplusResok(
                    dirAttributes: W.fattrValue, cookieverf: W.verifierValue,
                    reply: NFS3Dirlistplus(entries: [entry], eof: false))),
            hex("00000000") + W.attributes + W.verifier
                + hex("00000001", "00000000 00000063", "00000004 66696c65", "00000000 00000003") + W.attributes + W.handle
                + hex("00000000", "00000000"))
        try expectWireFormat(
            NFS3ReaddirplusRes.resfail(.toosmall, NFS3ReaddirplusResfail(dirAttributes: nil)), hex("00002715 00000000"))
    }

    @Test("FSSTAT (18)")
    func fsstat() throws {
        let arguments = NFS3FsstatArgs(fsroot: W.fhValue)
        try expectWireFormat(arguments, W.fh)
        try expectArguments(.fsstat(arguments), W.fh)
        try expectWireFormat(
            NFS3FsstatRes.ok(
                NFS3FsstatResok(
                    objAttributes: nil, tbytes: 1 << 40, fbytes: 1 << 39, abytes: 1 << 38, tfiles: 1000, ffiles: 900,
                    afiles: 800, invarsec: 0)),
            hex(
                "00000000", "00000000",  // NFS3_OK, no attributes
                "00000100 00000000", "00000080 00000000", "00000040 00000000",  // tbytes, fbytes, abytes
                "00000000 000003e8", "00000000 00000384", "00000000 00000320",  // tfiles, ffiles, afiles
                "00000000"  // invarsec
            ))
        try expectWireFormat(NFS3FsstatRes.resfail(.stale, NFS3FsstatResfail(objAttributes: nil)), hex("00000046 00000000"))
    }

    @Test("FSINFO (19)")
    func fsinfo() throws {
        let arguments = NFS3FsinfoArgs(fsroot: W.fhValue)
        try expectWireFormat(arguments, W.fh)
        try expectArguments(.fsinfo(arguments), W.fh)
        let properties = NFS3Constants.fsfLink | NFS3Constants.fsfSymlink | NFS3Constants.fsfHomogeneous
            | NFS3Constants.fsfCansettime
        try expectWireFormat(
            NFS3FsinfoRes.ok(
                NFS3FsinfoResok(
                    objAttributes: W.fattrValue, rtmax: 1 << 20, rtpref: 1 << 20, rtmult: 4096, wtmax: 1 << 20,
                    wtpref: 1 << 20, wtmult: 4096, dtpref: 65536, maxfilesize: .max,
                    timeDelta: NFS3Nfstime(seconds: 0, nseconds: 1), properties: properties)),
            hex("00000000") + W.attributes
                + hex(
                    "00100000", "00100000", "00001000",  // rtmax, rtpref, rtmult
                    "00100000", "00100000", "00001000",  // wtmax, wtpref, wtmult
                    "00010000",  // dtpref
                    "ffffffff ffffffff",  // maxfilesize
                    "00000000 00000001",  // time_delta: 1 ns
                    "0000001b"  // properties: LINK | SYMLINK | HOMOGENEOUS | CANSETTIME
                ))
        try expectWireFormat(
            NFS3FsinfoRes.resfail(.serverfault, NFS3FsinfoResfail(objAttributes: nil)), hex("00002716 00000000"))
    }

    @Test("PATHCONF (20)")
    func pathconf() throws {
        let arguments = NFS3PathconfArgs(object: W.fhValue)
        try expectWireFormat(arguments, W.fh)
        try expectArguments(.pathconf(arguments), W.fh)
        try expectWireFormat(
            NFS3PathconfRes.ok(
                NFS3PathconfResok(
                    objAttributes: nil, linkmax: 32767, nameMax: 255, noTrunc: true, chownRestricted: true,
                    caseInsensitive: false, casePreserving: true)),
            hex("00000000", "00000000", "00007fff", "000000ff", "00000001", "00000001", "00000000", "00000001"))
        try expectWireFormat(
            NFS3PathconfRes.resfail(.badhandle, NFS3PathconfResfail(objAttributes: nil)), hex("00002711 00000000"))
        #expect(throws: XDRError.badBoolean(2)) {
            _ = try decode(
                NFS3PathconfRes.self,
                hex("00000000", "00000000", "00007fff", "000000ff", "00000002", "00000001", "00000000", "00000001"))
        }
    }

    @Test("COMMIT (21)")
    func commit() throws {
        let arguments = NFS3CommitArgs(file: W.fhValue, offset: 0, count: 0)
        try expectWireFormat(arguments, W.fh + hex("00000000 00000000", "00000000"))
        try expectArguments(.commit(arguments), W.fh + hex("00000000 00000000", "00000000"))
        try expectWireFormat(
            NFS3CommitRes.ok(NFS3CommitResok(fileWcc: W.wccValue, verf: W.verifierValue)),
            hex("00000000") + W.wcc + W.verifier)
        try expectWireFormat(
            NFS3CommitRes.resfail(.jukebox, NFS3CommitResfail(fileWcc: W.emptyWccValue)), hex("00002718") + W.emptyWcc)
    }

    @Test("procedure numbers 0 to 21, an unknown one decodes to nil, and the non-idempotent ones are marked")
    func procedures() throws {
        #expect(NFS3Program.number == 100_003)
        #expect(NFS3Program.V3.number == 3)
        #expect(NFS3Program.V3.Procedure.all.map(\.rawValue) == Array(0...21))
        #expect(NFS3Program.V3.Procedure.commit.description == "NFSPROC3_COMMIT")
        var reader = XDRReader(pinned([]))
        #expect(try NFS3Arguments(procedure: NFS3Program.V3.Procedure(rawValue: 22), from: &reader) == nil)
        let cached = NFS3Program.V3.Procedure.all.filter(\.cachesReply).map(\.rawValue)
        #expect(cached == [2, 7, 8, 9, 10, 11, 12, 13, 14, 15])
    }

    @Test("status codes: every RFC 1813 value has its name, an unknown one stays representable")
    func statuses() throws {
        #expect(NFS3Nfsstat.ok.rawValue == 0)
        #expect(NFS3Nfsstat.jukebox.rawValue == 10008)
        #expect(NFS3Nfsstat.notSync.description == "NFS3ERR_NOT_SYNC")
        let unknown = try decode(NFS3GetattrRes.self, hex("00004e20"))
        #expect(unknown == .default(NFS3Nfsstat(rawValue: 20000)))
        #expect(unknown.status.description == "nfsstat3(20000)")
    }

    @Test("a file handle over 64 bytes is refused, on decode and on encode")
    func handleLimit() throws {
        let long = hex("00000041") + [UInt8](repeating: 1, count: 68)
        #expect(throws: XDRError.lengthTooLong(length: 65, limit: 64)) { _ = try decode(NFS3GetattrArgs.self, long) }
        #expect(throws: XDRError.lengthTooLong(length: 65, limit: 64)) {
            _ = try encode(NFS3GetattrArgs(object: NFS3Fh(data: opaque([UInt8](repeating: 1, count: 65)))))
        }
    }

    @Test("a 4 GiB WRITE data length in a 100-byte record is truncated, nothing allocated")
    func hostileWrite() {
        var bytes = W.fh + hex("00000000 00000000", "00000005", "00000002", "ffffffff")
        bytes += [UInt8](repeating: 0, count: 100 - bytes.count)
        #expect(throws: XDRError.truncated) { _ = try decode(NFS3WriteArgs.self, bytes) }
    }
}
