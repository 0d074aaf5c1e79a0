import NFS3
import ONCRPC
import Testing
import XDR

/// What libnfs sent and NFS-Ganesha answered decodes completely and encodes back to the same bytes.
@Suite("Captured libnfs ↔ NFS-Ganesha records")
struct CapturedVectorTests {
    typealias C = CapturedVectors

    enum Handler: Equatable { case nfs, mount }

    static let router: RPCRouter<Handler> = {
        var router = RPCRouter<Handler>()
        for procedure in NFS3Program.V3.Procedure.all {
            router.register(
                program: NFS3Program.number, version: NFS3Program.V3.number, procedure: procedure.rawValue, handler: .nfs,
                cachesReply: procedure.cachesReply)
        }
        for procedure in MOUNT3Program.V3.Procedure.all {
            router.register(
                program: MOUNT3Program.number, version: MOUNT3Program.V3.number, procedure: procedure.rawValue,
                handler: .mount)
        }
        return router
    }()

    func encoded(_ parts: [any XDREncodable]) throws -> [UInt8] {
        let size = parts.reduce(0) { $0 + $1.xdrEncodedSize }
        var writer = XDRWriter(UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 8))
        for part in parts {
            try part.encode(to: &writer)
        }
        #expect(writer.position == size)
        return Array(writer.written())
    }

    /// Decodes a call: header, route, arguments to the end; checks the re-encoding.
    func call(_ bytes: [UInt8], _ procedure: NFS3Program.V3.Procedure) throws -> NFS3Arguments? {
        var reader = XDRReader(pinned(bytes))
        let header = try RPCCallHeader(from: &reader)
        #expect(header.program == NFS3Program.number && header.version == 3 && header.procedure == procedure.rawValue)
        guard case .dispatch(let dispatch) = Self.router.route(header), case .sys(let credential) = dispatch.credentials
        else {
            Issue.record("libnfs's AUTH_SYS call was not dispatched")
            return nil
        }
        #expect(credential.machineName.makeString() == "libnfs")
        #expect(dispatch.cachesReply == procedure.cachesReply)
        let arguments = try NFS3Arguments(procedure: procedure, from: &reader)
        #expect(reader.isAtEnd)
        if let arguments {
            #expect(try encoded([header.message, arguments]) == bytes)
        }
        return arguments
    }

    /// Decodes an accepted SUCCESS reply and its results to the end; checks the re-encoding.
    func reply<T: XDRCodable & Equatable>(_ bytes: [UInt8], _ type: T.Type) throws -> T {
        var reader = XDRReader(pinned(bytes))
        let message = try RPCMsg(from: &reader)
        guard case .reply(.accepted(let accepted)) = message.body, case .success = accepted.replyData else {
            Issue.record("not an accepted SUCCESS reply: \(message)")
            throw XDRError.badDiscriminant(-1)
        }
        let result = try reader.decodeToEnd(type)
        #expect(try encoded([message, result]) == bytes)
        return result
    }

    @Test("MOUNT: NULL, MNT of /mem and EXPORT")
    func mount() throws {
        for bytes in [C.mountNullCall, C.mntCall, C.exportCall] {
            var reader = XDRReader(pinned(bytes))
            let header = try RPCCallHeader(from: &reader)
            #expect(header.program == MOUNT3Program.number)
            #expect(Self.router.route(header) != .reject(.procedureUnavailable))
            let arguments = try MOUNT3Arguments(procedure: .init(rawValue: header.procedure), from: &reader)
            #expect(reader.isAtEnd)
            if case .mnt(let path) = arguments {
                #expect(path.makeString() == "/mem")
            }
        }
        let mounted = try reply(C.mntReply, MOUNT3Mountres.self)
        guard case .ok(let result) = mounted else {
            Issue.record("MNT failed: \(mounted)")
            return
        }
        #expect(result.authFlavors.contains(RPCAuthFlavor.authSys.rawValue))
        #expect(result.fhandle.count <= 64)

        var reader = XDRReader(pinned(C.exportReply))
        let message = try RPCMsg(from: &reader)
        let exports = try MOUNT3ExportsCodec.decode(from: &reader)
        #expect(reader.isAtEnd)
        #expect(exports.map { $0.exDir.makeString() } == ["/mem"])
        var writer = XDRWriter(UnsafeMutableRawBufferPointer.allocate(byteCount: 256, alignment: 8))
        try message.encode(to: &writer)
        try MOUNT3ExportsCodec.encode(exports, to: &writer)
        #expect(Array(writer.written()) == C.exportReply)
        _ = try decode(RPCMsg.self, C.mountNullReply)
    }

    @Test("FSINFO, GETATTR and ACCESS")
    func attributes() throws {
        #expect(try call(C.fsinfoCall, .fsinfo) != nil)
        guard case .ok(let info) = try reply(C.fsinfoReply, NFS3FsinfoRes.self) else {
            Issue.record("FSINFO failed")
            return
        }
        #expect(info.rtmax > 0 && info.wtmax > 0)
        #expect(try call(C.getattrCall, .getattr) != nil)
        guard case .ok(let getattr) = try reply(C.getattrReply, NFS3GetattrRes.self) else {
            Issue.record("GETATTR failed")
            return
        }
        #expect(getattr.objAttributes.type == .dir)
        #expect(getattr.objAttributes.mode == 0o777)
        guard case .access(let access) = try call(C.accessCall, .access) else {
            Issue.record("not ACCESS")
            return
        }
        #expect(access.access & NFS3Constants.accessRead != 0)
        guard case .ok(let allowed) = try reply(C.accessReply, NFS3AccessRes.self) else {
            Issue.record("ACCESS failed")
            return
        }
        #expect(allowed.access & NFS3Constants.accessRead != 0)
    }

    @Test("CREATE, LOOKUP, SETATTR of small.txt")
    func create() throws {
        guard case .create(let create) = try call(C.createCall, .create) else {
            Issue.record("not CREATE")
            return
        }
        #expect(create.where.name.makeString() == "small.txt")
        #expect(create.how.mode == .guarded)
        guard case .ok(let created) = try reply(C.createReply, NFS3CreateRes.self) else {
            Issue.record("CREATE failed")
            return
        }
        #expect(created.obj != nil)
        guard case .lookup(let lookup) = try call(C.lookupCall, .lookup) else {
            Issue.record("not LOOKUP")
            return
        }
        #expect(lookup.what.name.makeString() == "small.txt")
        guard case .ok(let found) = try reply(C.lookupReply, NFS3LookupRes.self) else {
            Issue.record("LOOKUP failed")
            return
        }
        #expect(found.objAttributes?.type == .reg)
        #expect(try call(C.setattrCall, .setattr) != nil)
        _ = try reply(C.setattrReply, NFS3SetattrRes.self)
    }

    @Test("WRITE data is a slice of the record; COMMIT and READ return it")
    func data() throws {
        guard case .write(let write) = try call(C.writeCall, .write) else {
            Issue.record("not WRITE")
            return
        }
        #expect(write.data.makeString() == "hello chimera\n")
        #expect(write.payloadMatchesCount)
        #expect(write.stable == .unstable)
        guard case .ok(let written) = try reply(C.writeReply, NFS3WriteRes.self) else {
            Issue.record("WRITE failed")
            return
        }
        #expect(written.count == 14)
        #expect(try call(C.commitCall, .commit) != nil)
        guard case .ok(let committed) = try reply(C.commitReply, NFS3CommitRes.self) else {
            Issue.record("COMMIT failed")
            return
        }
        #expect(committed.verf == written.verf)
        guard case .read(let read) = try call(C.readCall, .read) else {
            Issue.record("not READ")
            return
        }
        #expect(read.offset == 0)
        guard case .ok(let readResult) = try reply(C.readReply, NFS3ReadRes.self) else {
            Issue.record("READ failed")
            return
        }
        // Ganesha's MEM FSAL answered with filler bytes of the right length (nfs-cat printed them too).
        #expect(readResult.data.makeString() == String(repeating: "a", count: 14))
        #expect(readResult.count == 14)
        #expect(readResult.eof)
    }

    @Test("READDIRPLUS lists ., .. and small.txt")
    func readdirplus() throws {
        guard case .readdirplus(let arguments) = try call(C.readdirplusCall, .readdirplus) else {
            Issue.record("not READDIRPLUS")
            return
        }
        #expect(arguments.cookie == 0)
        guard case .ok(let listing) = try reply(C.readdirplusReply, NFS3ReaddirplusRes.self) else {
            Issue.record("READDIRPLUS failed")
            return
        }
        #expect(listing.reply.entries.map { $0.name.makeString() } == [".", "..", "small.txt"])
        #expect(listing.reply.eof)
    }

    @Test("every prefix of a captured header and result is truncated for its decoder")
    func truncation() throws {
        let header = try RPCCallHeader(record: pinned(C.getattrCall))
        expectEveryPrefixTruncated(RPCMsg.self, Array(C.getattrCall[0..<header.argumentsOffset]))
        expectEveryPrefixTruncated(NFS3GetattrArgs.self, Array(C.getattrCall[header.argumentsOffset...]))
        expectEveryPrefixTruncated(RPCMsg.self, Array(C.readdirplusReply[0..<24]))
        expectEveryPrefixTruncated(NFS3ReaddirplusRes.self, Array(C.readdirplusReply[24...]))
    }
}
