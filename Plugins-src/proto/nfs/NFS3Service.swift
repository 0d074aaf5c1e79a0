import CChimera
import ChimeraPluginKit
import NFS3
import ONCRPC
import XDR

/// NFSv3 (RFC 1813): decode a call's arguments, check its handle against the export table, map the
/// credential, consult the duplicate request cache, then run exactly one VFS request and encode the reply
/// from its results (`NFS3Service+Start.swift`, `NFS3Service+Replies.swift`).
enum NFS3Service {
    /// The largest READ / WRITE (FSINFO rtmax / wtmax): fits the host's default record limit with room for
    /// the RPC and WRITE headers.
    static let maxIOSize: UInt32 = 1 << 20
    /// The largest READDIR / READDIRPLUS reply built (a client's count above it is clamped).
    static let maxDirectoryReply: UInt32 = 1 << 20

    static func handle(_ call: RPCCall, procedure: NFS3Program.V3.Procedure, credentials: RPCCredentials) {
        call.procedure = procedure
        let arguments: NFS3Arguments
        do {
            var reader = try call.argumentsReader()
            guard let decoded = try NFS3Arguments(procedure: procedure, from: &reader) else {
                call.reject(.procedureUnavailable)
                return
            }
            arguments = decoded
        } catch {
            log(call, .info, "garbage arguments: \(error)")
            call.reject(.garbageArguments)
            return
        }
        guard let connection = call.connection, let handle = arguments.primaryHandle else {
            // NULL (RFC 1813 §3.3.0).
            call.replySuccess(XDRVoid())
            return
        }
        let decision: ExportDecision
        switch connection.access(handle: handle.bytes) {
        case .allowed(let allowed):
            decision = allowed
        case .badHandle:
            fail(call, .badhandle)
            return
        case .unknownMount:
            fail(call, .stale)
            return
        case .denied:
            deny(call, connection)
            return
        }
        if let second = arguments.secondaryHandle {
            switch connection.access(handle: second.bytes) {
            case .allowed(let other) where !(other.readOnly && procedure.cachesReply): break
            case .allowed:
                deny(call, connection, status: .rofs)
                return
            case .badHandle:
                fail(call, .badhandle)
                return
            case .unknownMount:
                fail(call, .stale)
                return
            case .denied:
                deny(call, connection)
                return
            }
        }
        if decision.readOnly && procedure.cachesReply {
            deny(call, connection, status: .rofs)
            return
        }
        call.readOnly = decision.readOnly
        call.setIdentity(credentials.identity(squashing: decision.squash))
        if procedure.cachesReply {
            let key = RPCRequestKey(
                client: connection.client,
                xid: call.xid,
                program: NFS3Program.number,
                version: NFS3Program.V3.number,
                procedure: procedure.rawValue,
                checksum: RPCRequestKey.checksum(call.argumentBytes)
            )
            switch call.loop.replyCache.begin(key) {
            case .new:
                call.cacheKey = key
            case .inProgress:
                call.drop()
                return
            case .replay(let bytes):
                replay(call, bytes)
                return
            }
        }
        start(call, arguments)
    }

    /// A retransmission of a call already answered: the same reply again, the procedure not run again.
    static func replay(_ call: RPCCall, _ bytes: [UInt8]) {
        guard let buffer = call.server.host.allocateBuffer(capacity: bytes.count) else {
            call.finish()
            return
        }
        bytes.withUnsafeBytes { buffer.bytes.copyMemory(from: $0) }
        buffer.length = bytes.count
        call.sendReply(buffer)
    }

    static func deny(_ call: RPCCall, _ connection: RPCConnection, status: NFS3Nfsstat = .acces) {
        call.server.metrics.exportDenied.record(1)
        log(call, .info, "refused by the exports for client \(connection.clientText): \(status)")
        fail(call, status)
    }

    /// Reply `status` with the procedure's failure body and no attributes: every `resfail` arm is optional
    /// attributes and weak cache consistency data, so "nothing known" is a run of FALSE words.
    static func fail(_ call: RPCCall, _ status: NFS3Nfsstat) {
        call.server.metrics.countError(call.procedure)
        call.replySuccess(EmptyFailure(status: status, words: emptyFailureWords(call.procedure)))
    }

    static func emptyFailureWords(_ procedure: NFS3Program.V3.Procedure) -> Int {
        switch procedure {
        case .getattr: return 0
        case .setattr, .write, .create, .mkdir, .symlink, .mknod, .remove, .rmdir, .commit: return 2
        case .link: return 3
        case .rename: return 4
        default: return 1
        }
    }

    struct EmptyFailure: XDREncodable {
        var status: NFS3Nfsstat
        var words: Int

        func encode(to writer: inout XDRWriter) throws(XDRError) {
            try writer.writeInt32(status.rawValue)
            for _ in 0..<words { try writer.writeUInt32(0) }
        }

        var xdrEncodedSize: Int { 4 + 4 * words }
    }

    static func log(_ call: RPCCall, _ level: PluginLogLevel, _ text: @autoclosure () -> String) {
        let host = call.server.host
        guard host.isLogging(level) else { return }
        host.log(level, "\(NFSMetrics.shortName(call.procedure.description)) xid \(call.xid): \(text())")
    }

    /// Count and log a failed procedure: routine statuses (per call) at trace, the rest at info.
    @inline(__always)
    static func noteStatus(_ call: RPCCall, _ status: NFS3Nfsstat, _ vfs: VFSStatus) {
        guard status != .ok else { return }
        call.server.metrics.countError(call.procedure)
        log(call, NFS3StatusTable.isRoutine(status) ? .trace : .info, "\(status) (vfs \(vfs))")
    }
}

/// The completion of every NFSv3 VFS request: back on the call's loop.
let nfs3Completion: chimera_vfs_complete_fn = { request in
    guard let request, let context = request.pointee.caller_data else { return }
    let call = Unmanaged<RPCCall>.fromOpaque(context).takeRetainedValue()
    NFS3Service.complete(call, request)
}
