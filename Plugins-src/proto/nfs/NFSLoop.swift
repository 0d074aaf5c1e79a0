import CChimera
import ChimeraPluginKit
import ONCRPC

/// One event loop's share of the plugin: its connections, a pool of call contexts, the duplicate request
/// cache and the mount ids of the namespace's mounts. Touched only on its loop, so nothing here is locked.
final class NFSLoop {
    let index: UInt32
    let server: NFSServer
    let router: RPCRouter<RPCService>
    var replyCache: RPCDuplicateRequestCache<ContinuousClock>
    private var freeCalls: [RPCCall] = []
    private var connections: [UInt64: RPCConnection] = [:]
    private(set) var draining = false

    /// Each mount's id (the first 16 bytes of every handle in it), by mount index; learnt from the VFS when
    /// the loop's first client connects.
    private(set) var mountIDs: [MountIDWords?]
    private var resolution = Resolution.idle
    /// Messages that arrived while the mount ids were being learnt (bounded).
    private var waiting: [(RPCConnection, PluginMessage)] = []

    static let maxPooledCalls = 1024
    static let maxWaitingMessages = 4096

    enum Resolution {
        case idle
        case resolving(remaining: Int)
        case ready
    }

    init(index: UInt32, server: NFSServer) {
        self.index = index
        self.server = server
        self.router = RPCService.makeRouter(nlm: server.config.nlm)
        self.replyCache = RPCDuplicateRequestCache(
            maxEntries: 8192,
            maxBytes: 8 << 20,
            timeToLive: .seconds(120),
            clock: ContinuousClock()
        )
        self.mountIDs = Array(repeating: nil, count: server.config.mountNames.count)
        freeCalls.reserveCapacity(64)
    }

    // MARK: Calls

    /// A call context from the pool.
    @inline(__always)
    func takeCall() -> RPCCall {
        freeCalls.popLast() ?? RPCCall(loop: self)
    }

    @inline(__always)
    func recycle(_ call: RPCCall) {
        if freeCalls.count < NFSLoop.maxPooledCalls { freeCalls.append(call) }
    }

    // MARK: Connections

    func opened(_ connection: RPCConnection) {
        connections[connection.id] = connection
        if case .idle = resolution { resolveMounts() }
    }

    func forget(_ connection: RPCConnection) {
        connections[connection.id] = nil
    }

    /// Shutdown: close idle connections now, the others after their last reply.
    func drain() {
        draining = true
        for connection in connections.values where connection.inFlight == 0 {
            connection.close()
        }
        for (connection, message) in waiting {
            message.release()
            connection.callFinished()
        }
        waiting.removeAll()
    }

    func stop() {
        freeCalls.removeAll()
    }

    // MARK: Mount ids

    var isReady: Bool {
        if case .ready = resolution { return true }
        return false
    }

    /// Hold a message until the mount ids are known; false when too many wait (the caller drops it).
    func hold(_ message: PluginMessage, for connection: RPCConnection) -> Bool {
        guard waiting.count < NFSLoop.maxWaitingMessages else { return false }
        waiting.append((connection, message))
        return true
    }

    /// The mount index of a handle's mount id: `server.rootIndex` for the namespace root, nil when unknown.
    @inline(__always)
    func mountIndex(of id: MountIDWords) -> Int? {
        if id.isRoot { return server.rootIndex }
        for (index, known) in mountIDs.enumerated() where known == id {
            return index
        }
        return nil
    }

    /// Record a mount id learnt from a handle (MNT resolves paths too).
    func learn(mount index: Int, id: MountIDWords) {
        if index < mountIDs.count { mountIDs[index] = id }
    }

    /// Look up every mount's root ("/name") once, then serve what waited.
    private func resolveMounts() {
        let names = server.config.mountNames
        guard !names.isEmpty else {
            finishResolution()
            return
        }
        resolution = .resolving(remaining: names.count)
        for (index, name) in names.enumerated() {
            PathLookup.start(path: "/" + name, loop: self) { [self] status, handle in
                if status == .ok, let id = MountIDWords(handle: handle) {
                    learn(mount: index, id: id)
                } else {
                    server.host.log(.warning, "cannot resolve mount /\(name): \(status)")
                }
                if case .resolving(let remaining) = resolution {
                    if remaining <= 1 {
                        finishResolution()
                    } else {
                        resolution = .resolving(remaining: remaining - 1)
                    }
                }
            }
        }
    }

    private func finishResolution() {
        resolution = .ready
        let held = waiting
        waiting.removeAll()
        for (connection, message) in held {
            connection.deliverHeld(message)
        }
    }
}
