import CChimera
import ChimeraPluginKit
import Glibc
import NFS3
import ONCRPC
import Synchronization
import XDR

/// A blocked NLM lock waiting in the core (CHIMERA_VFS_LOCK_WAIT). It owns copies of everything the wait and
/// the GRANTED call need, since the LOCK call that started it has been answered (BLOCKED) and released.
final class NLMWaiter: @unchecked Sendable {
    let key: NLMWaitTable<NLMWaiter>.Key
    let address: String
    let exclusive: Bool
    let cookie: [UInt8]
    let callerName: [UInt8]
    let oh: [UInt8]
    let svid: Int32
    let nlmOffset: UInt64
    let nlmLength: UInt64
    let thread: UInt32
    /// The C memory the VFS request points at until it completes.
    let credential: UnsafeMutablePointer<chimera_cred>
    let handle: UnsafeMutableRawBufferPointer

    init(key: NLMWaitTable<NLMWaiter>.Key, context: NLMLockContext, arguments: NLM4Lockargs, call: RPCCall) {
        self.key = key
        self.address = context.address
        self.exclusive = arguments.exclusive
        self.cookie = arguments.cookie.makeArray()
        self.callerName = arguments.alock.callerName.makeArray()
        self.oh = arguments.alock.oh.makeArray()
        self.svid = arguments.alock.svid
        self.nlmOffset = arguments.alock.lOffset
        self.nlmLength = arguments.alock.lLen
        self.thread = call.loop.index
        credential = .allocate(capacity: 1)
        credential.initialize(to: call.credential.pointee)
        handle = .allocate(byteCount: max(1, key.handle.count), alignment: 8)
        key.handle.withUnsafeBytes { handle.copyMemory(from: $0) }
    }

    deinit {
        credential.deallocate()
        handle.deallocate()
    }

    /// GRANTED's arguments (RFC 1813 §6.2.5, `nlm4_testargs`): the lock as the client asked for it, so the
    /// client matches it to the process that waits.
    func grantedArguments(serverName: [UInt8]) -> [UInt8]? {
        cookie.withUnsafeBytes { cookie in
            serverName.withUnsafeBytes { name in
                key.handle.withUnsafeBytes { fh in
                    oh.withUnsafeBytes { oh in
                        NLM4Testargs(
                            cookie: XDROpaque(cookie),
                            exclusive: exclusive,
                            alock: NLM4Lock(
                                callerName: XDROpaque(name),
                                fh: XDROpaque(fh),
                                oh: XDROpaque(oh),
                                svid: svid,
                                lOffset: nlmOffset,
                                lLen: nlmLength
                            )
                        ).xdrBytes()
                    }
                }
            }
        }
    }
}

extension NLMService {
    /// The range is locked and the client will wait: remember the wait, start it in the core and answer
    /// BLOCKED (RFC 1813 §6.2.2). A second LOCK for a lock already waiting only answers BLOCKED.
    static func startWait(_ call: RPCCall, _ context: NLMLockContext, _ arguments: NLM4Lockargs) -> NLM4Stats {
        let server = call.server
        let key = NLMWaitTable<NLMWaiter>.Key(
            client: context.client,
            owner: context.owner,
            handle: context.lock.fh.makeArray(),
            range: context.range
        )
        let waiter = NLMWaiter(key: key, context: context, arguments: arguments, call: call)
        let decision = server.nlm.waits.withLock { table -> NLMWaitTable<NLMWaiter>.BlockDecision in
            let decision = table.decide(key)
            if decision == .startWait { table.insert(key, waiter) }
            return decision
        }
        switch decision {
        case .alreadyWaiting: return .blocked
        case .full: return .deniedNolocks
        case .startWait: break
        }
        guard let request = server.vfs.allocate(thread: call.loop.index) else {
            server.nlm.waits.withLock { _ = $0.remove(key) }
            return .deniedNolocks
        }
        request.pointee.op = UInt32(CHIMERA_VFS_OP_LOCK)
        request.pointee.cred = UnsafePointer(waiter.credential)
        request.pointee.fh = UnsafePointer(waiter.handle.baseAddress?.assumingMemoryBound(to: UInt8.self))
        request.pointee.fh_len = UInt32(key.handle.count)
        context.fill(request, exclusive: arguments.exclusive, flags: CHIMERA_VFS_LOCK_WAIT)
        server.vfs.submit(request) { request in
            let status = VFSStatus(rawValue: request.pointee.status)
            server.vfs.free(request)
            waitEnded(server, waiter, status)
        }
        return .blocked
    }

    /// The core ended a wait: granted (tell the client), or cancelled, expired or timed out (nothing to say:
    /// the client cancelled, went, or polls again).
    static func waitEnded(_ server: NFSServer, _ waiter: NLMWaiter, _ status: VFSStatus) {
        let stillWanted = server.nlm.waits.withLock { $0.remove(waiter.key) } != nil
        guard status == .ok else {
            if server.host.isLogging(.debug) {
                server.host.log(.debug, "nlm: wait of \(waiter.address) ended: \(status)")
            }
            return
        }
        guard stillWanted else {
            // FREE_ALL or SM_NOTIFY dropped the host meanwhile; its client (and so the lock) is gone too.
            return
        }
        sendGranted(server, waiter)
    }

    /// GRANTED (RFC 1813 §6.2.5) to the client's lock manager, from the delegation pool. A client that
    /// answers other than GRANTED no longer wants the lock, which is then released; one that cannot be reached
    /// keeps it and learns of it when it polls (Linux re-sends a blocked LOCK every 30 s).
    static func sendGranted(_ server: NFSServer, _ waiter: NLMWaiter) {
        guard let arguments = waiter.grantedArguments(serverName: Array(server.nlm.monitor.serverName.utf8)) else {
            return
        }
        let client = RPCCallbackClient(address: waiter.address, portmapPort: server.config.nlmCallbackPortmapPort)
        let host = server.host
        let outcome = GrantedOutcome()
        server.nlm.callbacks.run(
            from: waiter.thread,
            work: {
                for attempt in 0..<3 {
                    if attempt > 0 { usleep(1_000_000) }
                    let result = client.call(
                        program: NLM4Program.number,
                        version: NLM4Program.V4.number,
                        procedure: NLM4Program.V4.Procedure.granted.rawValue,
                        arguments: arguments
                    )
                    switch result {
                    case .success(let bytes):
                        outcome.set(GrantedOutcome.status(bytes))
                        return
                    case .failure(let failure):
                        outcome.set(.unreachable("\(failure)"))
                        if case .rejected = failure { return }
                    }
                }
            },
            done: {
                let result = outcome.get()
                switch result {
                case .answered(let stat) where stat == NLM4Stats.granted.rawValue:
                    host.log(.debug, "nlm: GRANTED accepted by \(waiter.address)")
                case .answered(let stat):
                    host.log(.info, "nlm: \(waiter.address) refused GRANTED (\(stat)); releasing the lock")
                    releaseRefused(server, waiter)
                case .unreachable(let why):
                    host.log(.info, "nlm: GRANTED to \(waiter.address) not delivered (\(why)); the client polls")
                }
            }
        )
    }

    /// UNLOCK the range a client refused in its GRANTED answer.
    static func releaseRefused(_ server: NFSServer, _ waiter: NLMWaiter) {
        guard let request = server.vfs.allocate(thread: waiter.thread) else { return }
        request.pointee.op = UInt32(CHIMERA_VFS_OP_UNLOCK)
        request.pointee.cred = UnsafePointer(waiter.credential)
        request.pointee.fh = UnsafePointer(waiter.handle.baseAddress?.assumingMemoryBound(to: UInt8.self))
        request.pointee.fh_len = UInt32(waiter.key.handle.count)
        withUnsafeMutableBytes(of: &request.pointee.lock.owner) { out in
            waiter.key.owner.bytes.withUnsafeBytes { out.copyMemory(from: $0) }
        }
        request.pointee.lock.owner_len = UInt32(waiter.key.owner.bytes.count)
        request.pointee.lock.type = waiter.exclusive ? CHIMERA_VFS_LOCK_WRITE : CHIMERA_VFS_LOCK_READ
        request.pointee.lock.offset = waiter.key.range.offset
        request.pointee.lock.length = waiter.key.range.length
        request.pointee.lock.client = waiter.key.client
        server.vfs.submit(request) { request in
            server.vfs.free(request)
            _ = waiter
        }
    }
}

/// The answer to one GRANTED call, handed from the delegation thread to the loop.
final class GrantedOutcome: Sendable {
    enum Result: Sendable {
        case answered(Int32)
        case unreachable(String)
    }

    private let result = Mutex(Result.unreachable("not sent"))

    func set(_ value: Result) {
        result.withLock { $0 = value }
    }

    func get() -> Result {
        result.withLock { $0 }
    }

    /// `nlm4_res`: the cookie, then the status.
    static func status(_ bytes: [UInt8]) -> Result {
        bytes.withUnsafeBytes { raw in
            var reader = XDRReader(raw)
            do {
                let res = try NLM4Res(from: &reader)
                return .answered(res.stat.stat.rawValue)
            } catch {
                return .unreachable("undecodable GRANTED reply")
            }
        }
    }
}
