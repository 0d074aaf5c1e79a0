import NFS3
import Testing
import XDR

@Suite("READDIR / READDIRPLUS reply encoder")
struct NFS3DirectoryReplyEncoderTests {
    typealias W = NFS3Wire

    func buffer(_ size: Int) -> XDRWriter {
        XDRWriter(UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 8))
    }

    @Test("entries written one by one decode as the generated READDIR3res")
    func readdirDecodes() throws {
        var encoder = try NFS3DirectoryReplyEncoder(
            readdirInto: buffer(4096), count: 4096, directoryAttributes: W.fattrValue, cookieVerifier: W.verifierValue)
        #expect(try encoder.append(fileid: 2, name: opaque("."), cookie: 1) == .appended)
        #expect(try encoder.append(fileid: 99, name: opaque("file"), cookie: 2) == .appended)
        #expect(encoder.entryCount == 2)
        let writer = try encoder.finish(eof: true)
        let expected = NFS3ReaddirRes.ok(
            NFS3ReaddirResok(
                dirAttributes: W.fattrValue, cookieverf: W.verifierValue,
                reply: NFS3Dirlist(
                    entries: [
                        NFS3Entry(fileid: 2, name: opaque("."), cookie: 1),
                        NFS3Entry(fileid: 99, name: opaque("file"), cookie: 2),
                    ], eof: true)))
        #expect(Array(writer.written()) == (try encode(expected)))
    }

    @Test("READDIR count bounds the resok structure: the entry that would pass it is refused and nothing is written")
    func readdirCount() throws {
        // resok: no attributes (4) + verifier (8) + trailer (8) = 20; each entry with a 1-byte name is 28.
        var encoder = try NFS3DirectoryReplyEncoder(
            readdirInto: buffer(4096), count: 20 + 28 * 2, directoryAttributes: nil, cookieVerifier: W.verifierValue)
        #expect(try encoder.append(fileid: 1, name: opaque("a"), cookie: 1) == .appended)
        #expect(try encoder.append(fileid: 2, name: opaque("b"), cookie: 2) == .appended)
        #expect(try encoder.append(fileid: 3, name: opaque("c"), cookie: 3) == .full)
        #expect(try encoder.append(fileid: 3, name: opaque(""), cookie: 3) == .full)
        let writer = try encoder.finish(eof: false)
        #expect(writer.position == 4 + 20 + 56, "status + exactly count bytes")
        let decoded = try decode(NFS3ReaddirRes.self, Array(writer.written()))
        guard case .ok(let resok) = decoded else {
            Issue.record("not NFS3_OK")
            return
        }
        #expect(resok.reply.entries.map(\.fileid) == [1, 2])
        #expect(resok.reply.eof == false)
    }

    @Test("READDIRPLUS: dircount counts directory information only, maxcount everything")
    func readdirplusLimits() throws {
        // Directory information of an entry with a 4-byte name: 4 + 8 + 8 + 8 = 28.
        #expect(NFS3DirectoryReplyEncoder.directorySize(nameLength: 4) == 28)
        var byDircount = try NFS3DirectoryReplyEncoder(
            readdirplusInto: buffer(65536), dircount: 56, maxcount: 65536, directoryAttributes: nil,
            cookieVerifier: W.verifierValue)
        for fileid: UInt64 in 1...2 {
            let result = try byDircount.append(
                fileid: fileid, name: opaque("file"), cookie: fileid, attributes: W.fattrValue, handle: W.fhValue)
            #expect(result == .appended)
        }
        #expect(
            try byDircount.append(fileid: 3, name: opaque("file"), cookie: 3, attributes: W.fattrValue, handle: W.fhValue)
                == .full)
        // One entry plus: 28 + 88 (attributes) + 16 (handle) = 132; the resok frame is 4 + 8 + 8 = 20.
        var byMaxcount = try NFS3DirectoryReplyEncoder(
            readdirplusInto: buffer(65536), dircount: 65536, maxcount: 20 + 132, directoryAttributes: nil,
            cookieVerifier: W.verifierValue)
        #expect(
            try byMaxcount.append(fileid: 1, name: opaque("file"), cookie: 1, attributes: W.fattrValue, handle: W.fhValue)
                == .appended)
        #expect(
            try byMaxcount.append(fileid: 2, name: opaque("file"), cookie: 2, attributes: nil, handle: nil) == .full)
        let writer = try byMaxcount.finish(eof: false)
        let decoded = try decode(NFS3ReaddirplusRes.self, Array(writer.written()))
        guard case .ok(let resok) = decoded else {
            Issue.record("not NFS3_OK")
            return
        }
        #expect(resok.reply.entries == [
            NFS3Entryplus(fileid: 1, name: opaque("file"), cookie: 1, nameAttributes: W.fattrValue, nameHandle: W.fhValue)
        ])
    }

    @Test("the buffer bounds the reply too, and a reply that cannot hold an empty list is refused (NFS3ERR_TOOSMALL)")
    func bufferBound() throws {
        var small = try NFS3DirectoryReplyEncoder(
            readdirInto: buffer(4 + 20 + 28), count: 1 << 20, directoryAttributes: nil, cookieVerifier: W.verifierValue)
        #expect(try small.append(fileid: 1, name: opaque("a"), cookie: 1) == .appended)
        #expect(try small.append(fileid: 2, name: opaque("b"), cookie: 2) == .full)
        #expect(throws: XDRError.bufferTooSmall(needed: 108, available: 104)) {
            _ = try NFS3DirectoryReplyEncoder(
                readdirInto: buffer(4096), count: 100, directoryAttributes: W.fattrValue, cookieVerifier: W.verifierValue)
        }
    }
}
