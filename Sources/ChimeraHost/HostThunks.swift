import Synchronization
import CChimera
import ChimeraPluginKit
import ChimeraVFS
import CoreMetrics
import Logging
import NIOCore
import NIOPosix

/// The C functions behind `struct chimera_host` and `struct
/// chimera_vfs_api`. Each recovers the plugin's ``PluginContext`` from the
/// host pointer; none captures state.
enum HostThunks {
    static func leak(_ s: String) -> UnsafePointer<CChar> {
        let c = s.utf8CString
        let p = UnsafeMutablePointer<CChar>.allocate(capacity: c.count)
        c.withUnsafeBufferPointer { p.initialize(from: $0.baseAddress!, count: c.count) }
        return UnsafePointer(p)
    }

    static let logLevels: [Logger.Level] = [.trace, .debug, .info, .notice, .warning, .error, .critical]

    /// A C pointer and argument carried to another thread; the plugin
    /// promised they stay valid (chimera_host.h).
    struct Call: @unchecked Sendable {
        let fn: @convention(c) (UnsafeMutableRawPointer?) -> Void
        let arg: UnsafeMutableRawPointer?
        func run() { fn(arg) }
    }

    nonisolated(unsafe) static let template: chimera_host = {
        var host = chimera_host()
        host.abi_major = UInt32(CHIMERA_HOST_ABI_MAJOR)
        host.abi_minor = UInt32(CHIMERA_HOST_ABI_MINOR)
        host.struct_size = UInt32(MemoryLayout<chimera_host>.size)

        host.log = { host, level, message, length in
            guard let context = PluginContext.from(host), let message else { return }
            let text = String(decoding: UnsafeRawBufferPointer(start: message, count: length), as: UTF8.self)
            let index = Int(max(0, min(level, 6)))
            context.logger.log(level: HostThunks.logLevels[index], "\(text)")
        }
        host.log_level = { host in
            guard let context = PluginContext.from(host) else { return CHIMERA_LOG_INFO }
            return Int32(HostThunks.logLevels.firstIndex(of: context.logger.logLevel) ?? 2)
        }

        host.metric_create = { host, kind, name, labels in
            guard let name else { return nil }
            let label = String(cString: name)
            guard !label.isEmpty, label.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F })
            else { return nil }
            var dimensions: [(String, String)] = []
            var i = 0
            while let labels, let key = labels[i], let value = labels[i + 1], i < 64 {
                dimensions.append((String(cString: key), String(cString: value)))
                i += 2
            }
            guard let metric = HostMetric(kind: kind, label: "chimera_" + label, dimensions: dimensions) else {
                return nil
            }
            return OpaquePointer(Unmanaged.passRetained(metric).toOpaque())
        }
        host.metric_record = { metric, value in
            guard let metric else { return }
            Unmanaged<HostMetric>.fromOpaque(UnsafeRawPointer(metric)).takeUnretainedValue().record(value)
        }

        host.current_thread = { _ in ThreadIndex.current ?? UInt32.max }
        host.execute = { host, thread, fn, arg in
            guard let context = PluginContext.from(host), let executor = context.runtime.executor, let fn,
                Int(thread) < executor.loops.count
            else { return }
            let call = Call(fn: fn, arg: arg)
            executor.loops[Int(thread)].execute { call.run() }
        }
        host.delegate = { host, thread, work, done, arg in
            guard let context = PluginContext.from(host), let executor = context.runtime.executor, let work, let done,
                Int(thread) < executor.loops.count
            else { return }
            let first = Call(fn: work, arg: arg)
            let then = Call(fn: done, arg: arg)
            let loop = executor.loops[Int(thread)]
            executor.delegate { _ in
                first.run()
                loop.execute { then.run() }
            }
        }

        host.timer_start = { host, thread, delay, interval, fn, arg in
            guard let context = PluginContext.from(host), let executor = context.runtime.executor, let fn,
                Int(thread) < executor.loops.count
            else { return nil }
            let timer = HostTimer(loop: executor.loops[Int(thread)], delay: delay, interval: interval, call: Call(fn: fn, arg: arg))
            return OpaquePointer(Unmanaged.passRetained(timer).toOpaque())
        }
        host.timer_cancel = { timer in
            guard let timer else { return }
            Unmanaged<HostTimer>.fromOpaque(UnsafeRawPointer(timer)).takeRetainedValue().cancel()
        }

        host.fd_watch = { host, thread, fd, readable, arg in
            guard let context = PluginContext.from(host), let executor = context.runtime.executor, let readable,
                Int(thread) < executor.loops.count
            else { return nil }
            guard let watch = FDWatch(loop: executor.loops[Int(thread)], fd: fd, call: Call(fn: readable, arg: arg)) else {
                context.logger.error("fd_watch: cannot watch descriptor", metadata: ["fd": "\(fd)"])
                return nil
            }
            return OpaquePointer(Unmanaged.passRetained(watch).toOpaque())
        }
        host.fd_unwatch = { watch in
            guard let watch else { return }
            Unmanaged<FDWatch>.fromOpaque(UnsafeRawPointer(watch)).takeRetainedValue().stop()
        }

        host.buffer_alloc = { _, capacity in HostBuffer.allocate(capacity: capacity) }
        host.buffer_release = { buffer in
            guard let buffer else { return }
            _ = HostBuffer.take(buffer)
        }
        host.message_release = { message in
            guard let message else { return }
            HostMessage.release(message)
        }

        host.listen = { host, config, error, errorLength in
            guard let context = PluginContext.from(host), let config else { return -1 }
            return HostThunks.listen(context, config, error, errorLength)
        }
        host.send = { connection, buffers, count, done, arg in
            var bytes: [ByteBuffer] = []
            var ok = true
            for i in 0..<Int(count) {
                guard let raw = buffers?[i] else { continue }
                let buffer = HostBuffer.take(raw)
                if let b = buffer.takeBytes() { bytes.append(b) } else { ok = false }
            }
            let completion: (@Sendable (Int32) -> Void)? = done.map { done in
                let call = SendDone(fn: done, arg: arg)
                return { status in call.run(status) }
            }
            guard let connection else {
                completion?(-1)
                return -1
            }
            guard ok else {
                completion?(-1)
                return -1
            }
            return HostConnection.from(connection).send(&bytes, done: completion)
        }
        host.http_respond = { connection, response in
            guard let connection, let response else { return -1 }
            return HostConnection.from(connection).respond(response)
        }
        host.http_end = { connection in
            guard let connection else { return -1 }
            return HostConnection.from(connection).end()
        }
        host.set_read_enabled = { connection, enabled in
            guard let connection else { return }
            HostConnection.from(connection).setReadEnabled(enabled != 0)
        }
        host.close = { connection in
            guard let connection else { return }
            HostConnection.from(connection).close()
        }
        host.connection_release = { connection in
            guard let connection else { return }
            let owner = Unmanaged<HostConnection>.fromOpaque(UnsafeRawPointer(connection))
            owner.takeUnretainedValue().instance.liveConnections.subtract(1, ordering: .relaxed)
            owner.release()
        }

        host.invalidate = { host, fh, length in
            guard let context = PluginContext.from(host), let module = context.module, let core = context.runtime.core
            else { return }
            core.invalidate(module: module, moduleHandle: UnsafeRawBufferPointer(start: fh, count: Int(length)))
        }
        host.attr_update = { host, fh, length, attrs in
            guard let context = PluginContext.from(host), let module = context.module, let core = context.runtime.core,
                let attrs
            else { return }
            core.attributesChanged(
                module: module, moduleHandle: UnsafeRawBufferPointer(start: fh, count: Int(length)),
                attributes: attrs.pointee)
        }
        installIDMap(&host)
        installStateUpcalls(&host)
        installCaches(&host)
        return host
    }()

    struct SendDone: @unchecked Sendable {
        let fn: @convention(c) (UnsafeMutableRawPointer?, Int32) -> Void
        let arg: UnsafeMutableRawPointer?
        func run(_ status: Int32) { fn(arg, status) }
    }

    static func listen(
        _ context: PluginContext, _ config: UnsafePointer<chimera_listener_config>, _ error: UnsafeMutablePointer<CChar>?,
        _ errorLength: Int
    ) -> Int32 {
        func fail(_ message: String) -> Int32 {
            PluginError(message).writeC(to: error, capacity: errorLength)
            return -1
        }
        guard context.initializing, let instance = context.protocolInstance else {
            return fail("listen() is only valid during a front-end's init")
        }
        let c = config.pointee
        guard c.framing == CHIMERA_FRAMING_RPC_RECORD || c.framing == CHIMERA_FRAMING_LENGTH_PREFIX
            || c.framing == CHIMERA_FRAMING_HTTP1
        else {
            return fail("listen(): unknown framing \(c.framing)")
        }
        let defaultMax = c.framing == CHIMERA_FRAMING_HTTP1 ? 64 * 1024 : 1024 * 1024 + 64 * 1024
        let name = c.name.map { String(cString: $0) } ?? context.name
        context.runtime.listenerRequests.append(
            ListenerRequest(
                instance: instance, name: name, framing: Int32(c.framing),
                bindAddress: c.bind_address.map { String(cString: $0) }, port: Int(c.port),
                maxMessage: c.max_message == 0 ? defaultMax : Int(c.max_message), listenerArg: c.listener_arg))
        return 0
    }

    /// The VFS API front-ends call (chimera_host.h).
    nonisolated(unsafe) static let vfsAPI: UnsafeMutablePointer<chimera_vfs_api> = {
        let api = UnsafeMutablePointer<chimera_vfs_api>.allocate(capacity: 1)
        var value = chimera_vfs_api()
        value.struct_size = UInt32(MemoryLayout<chimera_vfs_api>.size)
        value.request_alloc = { host, thread in
            guard let context = PluginContext.from(host), let core = context.runtime.core,
                Int(thread) < context.runtime.loopCount
            else { return nil }
            let legacy = (context.protocolInstance?.plugin.pointee.abi_minor ?? UInt32(CHIMERA_PROTOCOL_ABI_MINOR)) < 1
            return core.allocateRequest(thread: thread, legacyCredential: legacy)
        }
        value.request_free = { request in
            guard let request else { return }
            VFSCore.freeRequestAnywhere(request)
        }
        value.submit = { request in
            guard let request else { return }
            VFSCore.submitAnywhere(request)
        }
        value.root_fh = { _, fh in
            guard let fh else { return 0 }
            fh.initialize(repeating: 0, count: VFSCore.rootHandle.count)
            return UInt32(VFSCore.rootHandle.count)
        }
        value.capabilities = { host, fh, length in
            guard let context = PluginContext.from(host), let core = context.runtime.core else { return 0 }
            return core.capabilities(handle: UnsafeRawBufferPointer(start: fh, count: Int(length)))
        }
        installState(&value)
        api.initialize(to: value)
        return api
    }()
}

extension PluginError {
    func writeC(to buffer: UnsafeMutablePointer<CChar>?, capacity: Int) {
        guard let buffer, capacity > 0 else { return }
        var bytes: [UInt8] = []
        for scalar in message.unicodeScalars {
            let encoded = Array(String(scalar).utf8)
            if bytes.count + encoded.count > capacity - 1 { break }
            bytes.append(contentsOf: encoded)
        }
        for (i, b) in bytes.enumerated() { buffer[i] = CChar(bitPattern: b) }
        buffer[bytes.count] = 0
    }
}

/// A metric a plugin created.
final class HostMetric: @unchecked Sendable {
    enum Storage {
        case counter(Counter)
        case gauge(Gauge)
        case timer(CoreMetrics.Timer)
    }

    let storage: Storage

    init?(kind: Int32, label: String, dimensions: [(String, String)]) {
        switch kind {
        case CHIMERA_METRIC_COUNTER: storage = .counter(Counter(label: label, dimensions: dimensions))
        case CHIMERA_METRIC_GAUGE: storage = .gauge(Gauge(label: label, dimensions: dimensions))
        case CHIMERA_METRIC_TIMER: storage = .timer(CoreMetrics.Timer(label: label, dimensions: dimensions))
        default: return nil
        }
    }

    func record(_ value: Int64) {
        switch storage {
        case .counter(let c): c.increment(by: value)
        case .gauge(let g): g.record(value)
        case .timer(let t): t.recordNanoseconds(value)
        }
    }
}

/// A plugin's timer on one loop.
final class HostTimer: @unchecked Sendable {
    private var scheduled: Scheduled<Void>?
    private var repeated: RepeatedTask?

    init(loop: any EventLoop, delay: UInt64, interval: UInt64, call: HostThunks.Call) {
        let delay = Int64(clamping: delay)
        if interval == 0 {
            scheduled = loop.scheduleTask(in: .nanoseconds(delay)) { call.run() }
        } else {
            repeated = loop.scheduleRepeatedTask(
                initialDelay: .nanoseconds(delay), delay: .nanoseconds(Int64(clamping: interval))
            ) { _ in call.run() }
        }
    }

    func cancel() {
        scheduled?.cancel()
        repeated?.cancel()
    }
}

/// A plugin's file descriptor watched on one loop: NIO reads (and so
/// drains) a duplicate of it, and each read calls the plugin back.
final class FDWatch: @unchecked Sendable {
    private var channel: (any Channel)?
    private var stopped = false
    let loop: any EventLoop

    init?(loop: any EventLoop, fd: Int32, call: HostThunks.Call) {
        self.loop = loop
        let copy = dup(fd)
        guard copy >= 0 else { return nil }
        let future = NIOPipeBootstrap(group: loop)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(FDWatchHandler(call: call))
                }
            }
            .takingOwnershipOfDescriptor(input: copy)
        future.whenComplete { [self] result in
            switch result {
            case .success(let channel):
                if self.stopped { channel.close(promise: nil) } else { self.channel = channel }
            case .failure:
                close(copy)
            }
        }
    }

    func stop() {
        stopped = true
        channel?.close(promise: nil)
        channel = nil
    }
}

final class FDWatchHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    let call: HostThunks.Call
    init(call: HostThunks.Call) { self.call = call }
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}
    func channelReadComplete(context: ChannelHandlerContext) { call.run() }
}
