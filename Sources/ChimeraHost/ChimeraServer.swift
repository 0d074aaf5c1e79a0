import CChimera
import ChimeraPluginKit
import ChimeraVFS
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// Every plugin of a config, loaded and initialised, with the VFS core
/// between them. `chimera check` builds one and tears it down; `chimera
/// serve` also binds the listeners and serves until told to stop.
public final class ChimeraServer: @unchecked Sendable {
    public let config: ServerConfig
    let logger: Logger
    let runtime: HostRuntime
    public let executor: HostExecutor
    public private(set) var core: VFSCore?
    var protocols: [ProtocolInstance] = []
    /// Every plugin's context: the `chimera_host` each plugin holds points
    /// into one, so they live as long as the server.
    var contexts: [PluginContext] = []
    var listeners: [any Channel] = []
    let connections = ConnectionRegistry()

    public init(config: ServerConfig, logger: Logger) {
        self.config = config
        self.logger = logger
        let executor = HostExecutor(loops: config.threads, delegation: config.delegationThreads)
        self.executor = executor
        self.runtime = HostRuntime(
            logger: logger, executor: executor, loops: config.threads, delegation: config.delegationThreads,
            idmap: config.idmap)
    }

    // MARK: Start

    /// Load and initialise every plugin and mount everything. Nothing is
    /// listening yet. Throws one line on the first problem, after undoing
    /// what was started.
    public func load() async throws(ChimeraError) {
        let modules = try loadModules()
        var specs: [VFSCore.MountSpec] = []
        for mount in config.mounts {
            // Validated by the config loader.
            guard let module = modules[mount.module] else { continue }
            specs.append(VFSCore.MountSpec(name: mount.name, module: module, path: mount.path))
        }
        var coreConfiguration = VFSCore.Configuration()
        coreConfiguration.requestTimeoutNanoseconds = UInt64(config.requestTimeoutMilliseconds) * 1_000_000
        coreConfiguration.state = config.state
        let core = VFSCore(
            mounts: specs, modules: Array(modules.values), executor: executor, logger: logger,
            configuration: coreConfiguration)
        self.core = core
        runtime.core = core
        do {
            try await core.start()
        } catch {
            await core.shutdown()
            throw ChimeraError.config(config.file, error.description)
        }
        for module in modules.values.sorted(by: { $0.name < $1.name }) {
            logger.info(
                "loaded VFS module",
                metadata: [
                    "plugin": "\(module.name)",
                    "description": "\(module.module.pointee.description.map { String(cString: $0) } ?? "")",
                ])
        }
        try await loadProtocols()
    }

    private func loadModules() throws(ChimeraError) -> [String: VFSModuleInstance] {
        var modules: [String: VFSModuleInstance] = [:]
        do {
            try loadModules(into: &modules)
        } catch {
            // The ones initialised before the failure are shut down again
            // (no thread was started for them yet).
            for module in modules.values { module.shutdownWithoutThreads() }
            throw error
        }
        return modules
    }

    private func loadModules(into modules: inout [String: VFSModuleInstance]) throws(ChimeraError) {
        for entry in config.modules {
            let key = "\(config.file): server.vfs.\(entry.name)"
            let path = config.pluginPath(kind: "vfs", name: entry.name, explicit: entry.path)
            let module = try PluginLoader.loadModule(path: path, key: key) { logger.warning("\($0)") }
            let context = PluginContext(runtime: runtime, name: entry.name, isFrontEnd: false)
            contexts.append(context)
            var modulePrivate: UnsafeMutableRawPointer?
            var error = [CChar](repeating: 0, count: 1024)
            let rc = entry.config.withCString { text in
                error.withUnsafeMutableBufferPointer { buffer in
                    module.pointee.`init`!(UnsafePointer(context.host), text, &modulePrivate, buffer.baseAddress, buffer.count)
                }
            }
            guard rc == 0 else {
                let message = String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                throw ChimeraError(
                    .config, "\(key): module \(path) refused its config: \(message.isEmpty ? "init failed" : message)")
            }
            let instance = VFSModuleInstance(
                name: entry.name, module: module, modulePrivate: modulePrivate,
                threadCount: config.threads + config.delegationThreads,
                cachePolicy: cachePolicy(
                    entry, capabilities: module.pointee.capabilities, blockingOps: module.pointee.blocking_ops))
            context.module = instance
            modules[entry.name] = instance
        }
    }

    private func cachePolicy(_ entry: ServerConfig.ModuleEntry, capabilities: UInt64, blockingOps: UInt64) -> CachePolicy {
        var policy = CachePolicy.default(forCapabilities: capabilities, blockingOps: blockingOps)
        if let c = entry.cache {
            if let ms = c.attributeMilliseconds { policy.attributeTTL = UInt64(ms) * 1_000_000 }
            if let ms = c.nameMilliseconds { policy.nameTTL = UInt64(ms) * 1_000_000 }
            if let ms = c.negativeMilliseconds { policy.negativeTTL = UInt64(ms) * 1_000_000 }
            if let on = c.readdirSnapshots { policy.snapshotDirectories = on }
        }
        return policy
    }

    private func loadProtocols() async throws(ChimeraError) {
        for entry in config.protocols {
            let key = "\(config.file): server.protocols.\(entry.name)"
            let path = config.pluginPath(kind: "proto", name: entry.name, explicit: entry.path)
            let plugin = try PluginLoader.loadProtocol(path: path, key: key) { logger.warning("\($0)") }
            let context = PluginContext(runtime: runtime, name: entry.name, isFrontEnd: true)
            contexts.append(context)
            let instance = ProtocolInstance(name: entry.name, plugin: plugin, context: context, loops: config.threads)
            context.protocolInstance = instance
            context.initializing = true
            var protocolPrivate: UnsafeMutableRawPointer?
            var error = [CChar](repeating: 0, count: 1024)
            let rc = entry.config.withCString { text in
                config.document.withCString { document in
                    config.file.withCString { file in
                        var pc = chimera_protocol_config(
                            struct_size: UInt32(MemoryLayout<chimera_protocol_config>.size), reserved: 0, config: text,
                            document: document, path: file)
                        return error.withUnsafeMutableBufferPointer { buffer in
                            plugin.pointee.`init`!(
                                UnsafePointer(context.host), &pc, &protocolPrivate, buffer.baseAddress, buffer.count)
                        }
                    }
                }
            }
            context.initializing = false
            guard rc == 0 else {
                let message = String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                throw ChimeraError(
                    .config, "\(key): plugin \(path) refused its config: \(message.isEmpty ? "init failed" : message)")
            }
            instance.protocolPrivate = protocolPrivate
            protocols.append(instance)
            logger.info(
                "loaded protocol plugin",
                metadata: [
                    "plugin": "\(entry.name)",
                    "description": "\(plugin.pointee.description.map { String(cString: $0) } ?? "")",
                ])
        }
        let instances = protocols
        await onEveryLoop { loop in
            for instance in instances {
                // Each loop writes only its own slot.
                instance.threadPrivates[Int(loop)] =
                    instance.plugin.pointee.thread_init?(instance.protocolPrivate, loop) ?? instance.protocolPrivate
            }
        }
    }

    func onEveryLoop(_ body: @escaping @Sendable (UInt32) -> Void) async {
        await withTaskGroup(of: Void.self) { group in
            for (index, loop) in executor.loops.enumerated() {
                group.addTask {
                    try? await loop.submit { body(UInt32(index)) }.get()
                }
            }
        }
    }

    // MARK: Serve

    /// Bind every listener front-ends asked for, and the metrics endpoint.
    /// A port in use undoes the binds and throws.
    public func bind(metrics: (@Sendable () -> ByteBuffer)? = nil) async throws(ChimeraError) {
        for request in runtime.listenerRequests {
            let address = request.bindAddress ?? config.bindAddress
            do {
                let channel = try await bootstrap(for: request).bind(host: address, port: request.port).get()
                listeners.append(channel)
                let port = channel.localAddress?.port ?? request.port
                logger.info(
                    "listening",
                    metadata: [
                        "plugin": "\(request.instance.name)", "listener": "\(request.name)",
                        "address": "\(address):\(port)",
                    ])
            } catch {
                await closeListeners()
                throw ChimeraError(
                    .unavailable,
                    "\(config.file): server.protocols.\(request.instance.name): cannot listen on \(address):\(request.port) for \(request.name): \(Self.reason(error))"
                )
            }
        }
        if let port = config.metricsPort, let metrics {
            do {
                let channel = try await MetricsEndpoint.bind(
                    group: executor.group, host: config.bindAddress, port: port, render: metrics)
                listeners.append(channel)
                logger.info("listening", metadata: ["listener": "metrics", "address": "\(config.bindAddress):\(port)"])
            } catch {
                await closeListeners()
                throw ChimeraError(
                    .unavailable,
                    "\(config.file): server.metrics_port: cannot listen on \(config.bindAddress):\(port): \(Self.reason(error))")
            }
        }
    }

    static func reason(_ error: any Error) -> String {
        if let io = error as? IOError {
            if io.errnoCode == EADDRINUSE { return "address already in use" }
            if io.errnoCode == EACCES { return "permission denied" }
            if io.errnoCode == EADDRNOTAVAIL { return "address not available" }
            return "\(io)"
        }
        return "\(error)"
    }

    /// The listening ports, in the order listeners were requested (tests).
    public var boundPorts: [Int] { listeners.compactMap { $0.localAddress?.port } }

    private func bootstrap(for request: ListenerRequest) -> ServerBootstrap {
        let instance = request.instance
        let framing = request.framing
        let maxMessage = request.maxMessage
        let arg = SendableRaw(request.listenerArg)
        let connections = self.connections
        return ServerBootstrap(group: executor.group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { channel in
                let loopIndex = ThreadIndex.current ?? 0
                connections.add(channel)
                return channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    switch framing {
                    case CHIMERA_FRAMING_HTTP1:
                        try pipeline.configureHTTPServerPipeline(
                            withPipeliningAssistance: true, withErrorHandling: true)
                        try pipeline.addHandler(
                            HTTPProtocolHandler(instance: instance, listenerArg: arg.pointer, loopIndex: loopIndex))
                    case CHIMERA_FRAMING_LENGTH_PREFIX:
                        try pipeline.addHandler(ByteToMessageHandler(LengthPrefixDecoder(maxMessage: maxMessage)))
                        try pipeline.addHandler(
                            ProtocolChannelHandler(
                                instance: instance, framing: framing, listenerArg: arg.pointer, loopIndex: loopIndex))
                    default:
                        try pipeline.addHandler(ByteToMessageHandler(RecordMarkingDecoder(maxRecord: maxMessage)))
                        try pipeline.addHandler(
                            ProtocolChannelHandler(
                                instance: instance, framing: framing, listenerArg: arg.pointer, loopIndex: loopIndex))
                    }
                }
            }
    }

    // MARK: Stop

    func closeListeners() async {
        for listener in listeners { try? await listener.close() }
        listeners.removeAll()
    }

    /// Stop accepting, let front-ends finish (bounded by `drainTimeout`),
    /// then shut every plugin and thread down.
    public func stop(drainTimeout: Duration = .seconds(10)) async {
        await closeListeners()
        // Clients' opens, locks and leases go with the process (records on
        // stable storage stay for the next run's grace period); requests
        // waiting for a lock end now rather than hold the drain up.
        core?.dropAllState()
        let instances = protocols
        await onEveryLoop { loop in
            for instance in instances {
                instance.plugin.pointee.drain?(instance.threadPrivates[Int(loop)])
            }
        }
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: drainTimeout)
        while clock.now < deadline, instances.contains(where: { $0.liveConnections.load(ordering: .relaxed) > 0 }) {
            try? await Task.sleep(for: .milliseconds(20))
        }
        // Whoever is still connected is cut off; their plugins get
        // connection_closed and release.
        await connections.closeAll()
        let settle = clock.now.advanced(by: .seconds(2))
        while clock.now < settle, instances.contains(where: { $0.liveConnections.load(ordering: .relaxed) > 0 }) {
            try? await Task.sleep(for: .milliseconds(20))
        }
        var requestsInFlight = false
        if let core {
            let quiet = clock.now.advanced(by: .seconds(5))
            requestsInFlight = await inFlight(core)
            while clock.now < quiet, requestsInFlight {
                try? await Task.sleep(for: .milliseconds(20))
                requestsInFlight = await inFlight(core)
            }
        }
        await onEveryLoop { loop in
            for instance in instances {
                instance.plugin.pointee.thread_shutdown?(instance.threadPrivates[Int(loop)])
            }
        }
        if requestsInFlight {
            // A module never answered: its front-ends and the module itself
            // may still be called back, so neither is shut down under it.
            logger.warning("requests still in flight after the drain: plugins are left running as the process exits")
        } else {
            for instance in instances { instance.plugin.pointee.shutdown?(instance.protocolPrivate) }
        }
        protocols.removeAll()
        await core?.shutdown(requestsInFlight: requestsInFlight)
        await executor.shutdown(waitForPool: !requestsInFlight)
    }

    /// Whether any loop still has VFS requests in flight (asked on each
    /// loop, which owns its count).
    private func inFlight(_ core: VFSCore) async -> Bool {
        let counts = Mutex(0)
        await onEveryLoop { loop in
            let n = core.inFlightCount(thread: loop)
            counts.withLock { $0 += n }
        }
        return counts.withLock { $0 } > 0
    }
}

/// A listener's argument, carried into the channel initializer.
struct SendableRaw: @unchecked Sendable {
    let pointer: UnsafeMutableRawPointer?
    init(_ pointer: UnsafeMutableRawPointer?) { self.pointer = pointer }
}

/// Open client channels, so shutdown can close the ones that linger.
final class ConnectionRegistry: Sendable {
    private let channels = Mutex<[ObjectIdentifier: any Channel]>([:])

    func add(_ channel: any Channel) {
        let id = ObjectIdentifier(channel)
        channels.withLock { $0[id] = channel }
        channel.closeFuture.whenComplete { [self] _ in
            _ = channels.withLock { $0.removeValue(forKey: id) }
        }
    }

    func closeAll() async {
        let open = channels.withLock { Array($0.values) }
        for channel in open { try? await channel.close() }
    }
}
