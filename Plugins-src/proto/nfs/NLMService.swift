import CChimera
import ChimeraPluginKit
import NFS3
import ONCRPC
import Synchronization
import XDR

/// NLM v4 (RFC 1813 Appendix II), the lock manager of NFSv3 clients, as a front-end of the core's open state:
/// each host (`caller_name`) is one recorded core client, each owner (`svid`, `oh`) an owner within it, and
/// TEST / LOCK / CANCEL / UNLOCK are TEST_LOCK / LOCK / LOCK_CANCEL / UNLOCK in the core, so NLM locks meet
/// every other protocol's. Blocked locks wait in the core and are granted by a GRANTED call to the client
/// (`NLMService+Blocking.swift`). The asynchronous _MSG forms run the same way and answer with the matching
/// _RES call to the client's lock manager (`NLMService+Messages.swift`); GRANTED_MSG is never sent (GRANTED is).
enum NLMService {
    static func handle(_ call: RPCCall, procedure: NLM4Program.V4.Procedure, credentials: RPCCredentials) {
        do {
            var reader = try call.argumentsReader()
            switch procedure {
            case .null, .testRes, .lockRes, .cancelRes, .unlockRes, .grantedRes:
                // GRANTED_RES answers a GRANTED_MSG we never send; the others are answers to _MSG calls.
                call.replySuccess(XDRVoid())
            case .test, .testMsg:
                let arguments = try NLM4Testargs(from: &reader)
                test(call, arguments, credentials, message: procedure == .testMsg ? .testRes : nil)
            case .lock, .nmLock, .lockMsg:
                let arguments = try NLM4Lockargs(from: &reader)
                lock(call, arguments, credentials, message: procedure == .lockMsg ? .lockRes : nil)
            case .cancel, .cancelMsg:
                let arguments = try NLM4Cancargs(from: &reader)
                cancel(call, arguments, credentials, message: procedure == .cancelMsg ? .cancelRes : nil)
            case .unlock, .unlockMsg:
                let arguments = try NLM4Unlockargs(from: &reader)
                unlock(call, arguments, credentials, message: procedure == .unlockMsg ? .unlockRes : nil)
            case .share, .unshare:
                // DOS share reservations: not mapped onto the core's share modes yet.
                let arguments = try NLM4Shareargs(from: &reader)
                let status: NLM4Stats = procedure == .unshare ? .granted : .deniedNolocks
                call.replySuccess(NLM4Shareres(cookie: arguments.cookie, stat: status, sequence: 0))
            case .freeAll:
                let arguments = try NLM4Notify(from: &reader)
                freeAll(call, name: arguments.name.makeArray())
            default:
                call.reject(.procedureUnavailable)
            }
        } catch {
            log(call, .info, "NLM \(procedure): garbage arguments: \(error)")
            call.reject(.garbageArguments)
        }
    }

    // MARK: Procedures

    /// TEST (RFC 1813 §6.2.1): would the lock be granted? DENIED names the holder.
    static func test(
        _ call: RPCCall,
        _ arguments: NLM4Testargs,
        _ credentials: RPCCredentials,
        message: NLM4Program.V4.Procedure? = nil
    ) {
        let cookie = arguments.cookie
        // During the grace period after a restart only reclaims are decided (RFC 1813 §6.1.1), TEST too.
        if call.server.nlm.clients.inGrace {
            return answer(call, message, NLM4Testres(cookie: cookie, testStat: .default(.deniedGracePeriod)))
        }
        guard
            let context = prepare(
                call,
                arguments.alock,
                credentials,
                reply: { status in
                    answer(call, message, NLM4Testres(cookie: cookie, testStat: .default(status)))
                }
            )
        else { return }
        guard let request = context.request(call, op: CHIMERA_VFS_OP_TEST_LOCK, exclusive: arguments.exclusive)
        else { return answer(call, message, NLM4Testres(cookie: cookie, testStat: .default(.deniedNolocks))) }
        call.server.vfs.submit(request) { request in
            let status = VFSStatus(rawValue: request.pointee.status)
            guard status == .locked else {
                return answer(
                    call,
                    message,
                    NLM4Testres(cookie: cookie, testStat: .default(NLMStatusTable.stats(status)))
                )
            }
            let lock = request.pointee.lock
            let owner = withUnsafeBytes(of: lock.r_conflict_owner) {
                Array($0.prefix(min(Int(lock.r_conflict_owner_len), NLMLockOwner.maxLength)))
            }
            let range = NLMLockRange(offset: lock.r_conflict_offset, length: lock.r_conflict_length)
            answer(
                call,
                message,
                TestDenied(
                    cookie: cookie,
                    exclusive: lock.r_conflict_type == CHIMERA_VFS_LOCK_WRITE,
                    svid: owner.withUnsafeBytes { NLMLockOwner.svid(ofOwner: $0, isNLM: true) },
                    oh: Array(owner.dropFirst(min(4, owner.count))),
                    offset: range.offset,
                    length: range.nlmLength
                )
            )
        }
    }

    /// LOCK (RFC 1813 §6.2.2); NM_LOCK is the same without monitoring, which changes nothing here.
    static func lock(
        _ call: RPCCall,
        _ arguments: NLM4Lockargs,
        _ credentials: RPCCredentials,
        message: NLM4Program.V4.Procedure? = nil
    ) {
        let cookie = arguments.cookie
        let reply: (NLM4Stats) -> Void = { answer(call, message, NLM4Res(cookie: cookie, stat: NLM4Stat(stat: $0))) }
        if !arguments.reclaim && call.server.nlm.clients.inGrace {
            return reply(.deniedGracePeriod)
        }
        guard let context = prepare(call, arguments.alock, credentials, reply: reply) else { return }
        guard
            let request = context.request(
                call,
                op: CHIMERA_VFS_OP_LOCK,
                exclusive: arguments.exclusive,
                flags: arguments.reclaim ? CHIMERA_VFS_LOCK_RECLAIM : 0
            )
        else { return reply(.deniedNolocks) }
        call.server.vfs.submit(request) { request in
            let status = VFSStatus(rawValue: request.pointee.status)
            guard status == .locked, arguments.block else { return reply(NLMStatusTable.stats(status)) }
            reply(startWait(call, context, arguments))
        }
    }

    /// CANCEL (RFC 1813 §6.2.3): give up a blocked LOCK.
    static func cancel(
        _ call: RPCCall,
        _ arguments: NLM4Cancargs,
        _ credentials: RPCCredentials,
        message: NLM4Program.V4.Procedure? = nil
    ) {
        let cookie = arguments.cookie
        let reply: (NLM4Stats) -> Void = { answer(call, message, NLM4Res(cookie: cookie, stat: NLM4Stat(stat: $0))) }
        guard let context = prepare(call, arguments.alock, credentials, reply: reply) else { return }
        guard let request = context.request(call, op: CHIMERA_VFS_OP_LOCK_CANCEL, exclusive: arguments.exclusive)
        else { return reply(.deniedNolocks) }
        call.server.vfs.submit(request) { request in
            let status = VFSStatus(rawValue: request.pointee.status)
            // The waiter's completion (CANCELED) forgets the wait; a cancel of nothing waiting is DENIED.
            reply(status == .noEntry ? .denied : NLMStatusTable.stats(status))
        }
    }

    /// UNLOCK (RFC 1813 §6.2.4): unlocking what is not held is still GRANTED.
    static func unlock(
        _ call: RPCCall,
        _ arguments: NLM4Unlockargs,
        _ credentials: RPCCredentials,
        message: NLM4Program.V4.Procedure? = nil
    ) {
        let cookie = arguments.cookie
        let reply: (NLM4Stats) -> Void = { answer(call, message, NLM4Res(cookie: cookie, stat: NLM4Stat(stat: $0))) }
        guard let context = prepare(call, arguments.alock, credentials, reply: reply) else { return }
        guard let request = context.request(call, op: CHIMERA_VFS_OP_UNLOCK, exclusive: true)
        else { return reply(.deniedNolocks) }
        call.server.vfs.submit(request) { request in
            let status = VFSStatus(rawValue: request.pointee.status)
            reply(status == .noEntry ? .granted : NLMStatusTable.stats(status))
        }
    }

    /// FREE_ALL (RFC 1813 §6.2.10): host `name` restarted; everything it held goes.
    static func freeAll(_ call: RPCCall, name: [UInt8]) {
        NLMService.releaseHost(call.server, name: name, thread: call.loop.index)
        call.replySuccess(XDRVoid())
    }

    /// Drop host `name` (FREE_ALL, or SM_NOTIFY from its status monitor).
    static func releaseHost(_ server: NFSServer, name: [UInt8], thread: UInt32) {
        let nlm = server.nlm
        guard let client = nlm.hosts.release(named: name) else { return }
        _ = nlm.waits.withLock { $0.removeAll(client: client) }
        server.host.log(.info, "nlm: host \(String(decoding: name, as: UTF8.self)) released (client \(client))")
        let monitor = nlm.monitor
        server.host.delegate(from: thread, work: { monitor.forgetHost(name) }, done: {})
    }

    // MARK: Shared steps

    /// Check the lock's handle against the exports, map the credential and find the host's core client;
    /// nil after replying `reply(status)` when any of it fails.
    static func prepare(
        _ call: RPCCall,
        _ lock: NLM4Lock,
        _ credentials: RPCCredentials,
        reply: (NLM4Stats) -> Void
    ) -> NLMLockContext? {
        guard let connection = call.connection else {
            call.finish()
            return nil
        }
        switch connection.access(handle: lock.fh.bytes) {
        case .allowed(let decision):
            call.setIdentity(credentials.identity(squashing: decision.squash))
        case .badHandle, .unknownMount:
            reply(.staleFh)
            return nil
        case .denied:
            call.server.metrics.exportDenied.record(1)
            reply(.failed)
            return nil
        }
        let name = lock.callerName.makeArray()
        guard !name.isEmpty else {
            reply(.failed)
            return nil
        }
        let nlm = call.server.nlm
        switch nlm.hosts.client(named: name, address: connection.clientText, thread: call.loop.index) {
        case .failure(let status):
            log(call, .info, "nlm: no core client for \(lock.callerName.makeString()): \(status)")
            reply(.deniedNolocks)
            return nil
        case .success(let (host, isNew)):
            if isNew {
                let monitor = nlm.monitor
                let address = host.address
                call.server.host.delegate(
                    from: call.loop.index,
                    work: { monitor.recordHost(name, address: address) },
                    done: {}
                )
            }
            return NLMLockContext(
                client: host.client,
                address: host.address,
                owner: NLMLockOwner(svid: lock.svid, oh: lock.oh.bytes),
                range: NLMLockRange(nlmOffset: lock.lOffset, nlmLength: lock.lLen),
                lock: lock
            )
        }
    }

    static func log(_ call: RPCCall, _ level: PluginLogLevel, _ text: @autoclosure () -> String) {
        let host = call.server.host
        guard host.isLogging(level) else { return }
        host.log(level, "xid \(call.xid): \(text())")
    }

    /// TEST's DENIED answer with the holder (`nlm4_testres` with `nlm4_holder`).
    struct TestDenied: XDREncodable {
        var cookie: XDROpaque
        var exclusive: Bool
        var svid: Int32
        var oh: [UInt8]
        var offset: UInt64
        var length: UInt64

        func encode(to writer: inout XDRWriter) throws(XDRError) {
            try writer.writeOpaque(cookie)
            try writer.writeInt32(NLM4Stats.denied.rawValue)
            try writer.writeBool(exclusive)
            try writer.writeInt32(svid)
            try writer.writeOpaque(array: oh, maxLength: NLM4Constants.maxnetobjSz)
            try writer.writeUInt64(offset)
            try writer.writeUInt64(length)
        }

        var xdrEncodedSize: Int { cookie.xdrEncodedSize + 4 + 4 + 4 + 4 + XDRWriter.paddedLength(oh.count) + 16 }
    }
}

/// What one NLM lock call resolved to: the host's core client and the owner and range in the core's terms.
struct NLMLockContext {
    var client: UInt64
    var address: String
    var owner: NLMLockOwner
    var range: NLMLockRange
    var lock: NLM4Lock

    /// A VFS request for `op` on the lock's file with `args.lock` filled, or nil when the VFS has none.
    func request(
        _ call: RPCCall,
        op: Int32,
        exclusive: Bool,
        flags: UInt32 = 0
    )
        -> UnsafeMutablePointer<chimera_vfs_request>?
    {
        guard let request = call.makeRequest(op: op, handle: lock.fh) else { return nil }
        fill(request, exclusive: exclusive, flags: flags)
        return request
    }

    func fill(_ request: UnsafeMutablePointer<chimera_vfs_request>, exclusive: Bool, flags: UInt32) {
        withUnsafeMutableBytes(of: &request.pointee.lock.owner) { out in
            owner.bytes.withUnsafeBytes { out.copyMemory(from: $0) }
        }
        request.pointee.lock.owner_len = UInt32(owner.bytes.count)
        request.pointee.lock.type = exclusive ? CHIMERA_VFS_LOCK_WRITE : CHIMERA_VFS_LOCK_READ
        request.pointee.lock.offset = range.offset
        request.pointee.lock.length = range.length
        request.pointee.lock.client = client
        request.pointee.lock.open = 0
        request.pointee.lock.flags = flags
    }
}
