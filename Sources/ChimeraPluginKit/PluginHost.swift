import CChimera

/// Log levels of `chimera_host.log` (swift-log's).
public enum PluginLogLevel: Int32, Sendable, Comparable {
    case trace = 0, debug, info, notice, warning, error, critical

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}

/// The services the host hands a plugin (`struct chimera_host`), in Swift.
///
/// Valid from the plugin's init until its shutdown returns.
public struct PluginHost: @unchecked Sendable {
    public let raw: UnsafePointer<chimera_host>

    public init(_ raw: UnsafePointer<chimera_host>) {
        self.raw = raw
    }

    /// The plugin's name as configured.
    public var pluginName: String { raw.pointee.plugin_name.map { String(cString: $0) } ?? "" }
    public var loopThreads: UInt32 { raw.pointee.loop_threads }
    public var delegationThreads: UInt32 { raw.pointee.delegation_threads }
    /// All host threads that may dispatch: loops, then delegation threads.
    public var threadCount: UInt32 { loopThreads + delegationThreads }

    // MARK: Logging

    @inlinable
    public func isLogging(_ level: PluginLogLevel) -> Bool {
        level.rawValue >= raw.pointee.log_level(raw)
    }

    public func log(_ level: PluginLogLevel, _ message: @autoclosure () -> String) {
        guard isLogging(level) else { return }
        var text = message()
        text.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { chars in
                raw.pointee.log(raw, level.rawValue, chars.baseAddress, chars.count)
            }
        }
    }

    // MARK: Metrics

    /// Create a metric once; record on the hot path. `labels` take bounded
    /// values only.
    public func metric(_ kind: PluginMetric.Kind, _ name: String, labels: [(String, String)] = []) -> PluginMetric {
        var strings: [String] = []
        for (k, v) in labels {
            strings.append(k)
            strings.append(v)
        }
        let pointer = withCStrings(strings) { labelPointers in
            name.withCString { cname in
                raw.pointee.metric_create(raw, kind.rawValue, cname, labelPointers)
            }
        }
        return PluginMetric(raw: pointer, record: raw.pointee.metric_record)
    }

    // MARK: Threads

    /// The calling thread's index, or nil off host threads.
    public var currentThread: UInt32? {
        let index = raw.pointee.current_thread(raw)
        return index == UInt32.max ? nil : index
    }

    /// Run `body` on loop `thread` (later, never inline).
    public func execute(on thread: UInt32, _ body: @escaping @Sendable () -> Void) {
        let box = Unmanaged.passRetained(ClosureBox(body)).toOpaque()
        raw.pointee.execute(raw, thread, { arg in
            guard let arg else { return }
            Unmanaged<ClosureBox>.fromOpaque(arg).takeRetainedValue().body()
        }, box)
    }

    /// Run `work` on the delegation pool, then `done` on loop `thread`.
    public func delegate(
        from thread: UInt32,
        work: @escaping @Sendable () -> Void,
        done: @escaping @Sendable () -> Void
    ) {
        let box = Unmanaged.passRetained(DelegationBox(work: work, done: done)).toOpaque()
        raw.pointee.delegate(
            raw, thread,
            { arg in
                guard let arg else { return }
                Unmanaged<DelegationBox>.fromOpaque(arg).takeUnretainedValue().work()
            },
            { arg in
                guard let arg else { return }
                Unmanaged<DelegationBox>.fromOpaque(arg).takeRetainedValue().done()
            },
            box
        )
    }

    // MARK: Timers

    /// `body` on loop `thread` after `delay` nanoseconds, then every
    /// `interval` (0: once). Cancel on that loop.
    public func startTimer(
        on thread: UInt32,
        delayNanoseconds delay: UInt64,
        intervalNanoseconds interval: UInt64 = 0,
        _ body: @escaping @Sendable () -> Void
    ) -> PluginTimer {
        let box = Unmanaged.passRetained(ClosureBox(body))
        let timer = raw.pointee.timer_start(raw, thread, delay, interval, { arg in
            guard let arg else { return }
            Unmanaged<ClosureBox>.fromOpaque(arg).takeUnretainedValue().body()
        }, box.toOpaque())
        return PluginTimer(raw: timer, cancel: raw.pointee.timer_cancel, box: box)
    }

    // MARK: File descriptors

    /// Call `readable` on loop `thread` whenever `fd` becomes readable.
    public func watch(
        fd: Int32,
        on thread: UInt32,
        _ readable: @escaping @Sendable () -> Void
    ) -> PluginFDWatch {
        let box = Unmanaged.passRetained(ClosureBox(readable))
        let watch = raw.pointee.fd_watch(raw, thread, fd, { arg in
            guard let arg else { return }
            Unmanaged<ClosureBox>.fromOpaque(arg).takeUnretainedValue().body()
        }, box.toOpaque())
        return PluginFDWatch(raw: watch, unwatch: raw.pointee.fd_unwatch, box: box)
    }

    // MARK: Upcalls (modules)

    /// The object changed underneath the core: drop what it caches.
    public func invalidate(handle: UnsafeRawBufferPointer) {
        raw.pointee.invalidate(raw, handle.baseAddress?.assumingMemoryBound(to: UInt8.self), UInt32(handle.count))
    }

    /// Fresh attributes of an object, for the core's attribute cache.
    public func attributesChanged(handle: UnsafeRawBufferPointer, attributes: chimera_attrs) {
        withUnsafePointer(to: attributes) { attrs in
            raw.pointee.attr_update(
                raw, handle.baseAddress?.assumingMemoryBound(to: UInt8.self), UInt32(handle.count), attrs)
        }
    }
}

/// A metric created through the host.
public struct PluginMetric: @unchecked Sendable {
    public enum Kind: Int32, Sendable {
        case counter = 0, gauge, timer
    }

    @usableFromInline let raw: OpaquePointer?
    @usableFromInline let recordFunction: (@convention(c) (OpaquePointer?, Int64) -> Void)?

    init(raw: OpaquePointer?, record: (@convention(c) (OpaquePointer?, Int64) -> Void)?) {
        self.raw = raw
        self.recordFunction = record
    }

    /// Counter: add; gauge: set; timer: one sample in nanoseconds.
    @inlinable
    public func record(_ value: Int64) {
        guard let raw, let recordFunction else { return }
        recordFunction(raw, value)
    }
}

/// A running timer; cancel it on its loop.
public final class PluginTimer: @unchecked Sendable {
    let raw: OpaquePointer?
    let cancelFunction: (@convention(c) (OpaquePointer?) -> Void)?
    var box: Unmanaged<ClosureBox>?

    init(raw: OpaquePointer?, cancel: (@convention(c) (OpaquePointer?) -> Void)?, box: Unmanaged<ClosureBox>) {
        self.raw = raw
        self.cancelFunction = cancel
        self.box = box
    }

    public func cancel() {
        guard let box else { return }
        cancelFunction?(raw)
        box.release()
        self.box = nil
    }
}

/// A watched file descriptor; unwatch it before closing the fd.
public final class PluginFDWatch: @unchecked Sendable {
    let raw: OpaquePointer?
    let unwatchFunction: (@convention(c) (OpaquePointer?) -> Void)?
    var box: Unmanaged<ClosureBox>?

    init(raw: OpaquePointer?, unwatch: (@convention(c) (OpaquePointer?) -> Void)?, box: Unmanaged<ClosureBox>) {
        self.raw = raw
        self.unwatchFunction = unwatch
        self.box = box
    }

    public func unwatch() {
        guard let box else { return }
        unwatchFunction?(raw)
        box.release()
        self.box = nil
    }
}

final class ClosureBox {
    let body: @Sendable () -> Void
    init(_ body: @escaping @Sendable () -> Void) { self.body = body }
}

final class DelegationBox {
    let work: @Sendable () -> Void
    let done: @Sendable () -> Void
    init(work: @escaping @Sendable () -> Void, done: @escaping @Sendable () -> Void) {
        self.work = work
        self.done = done
    }
}

/// Call `body` with a NULL-terminated array of C strings.
func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    let duplicated: [UnsafeMutablePointer<CChar>] = strings.map { s in
        let c = s.utf8CString
        let p = UnsafeMutablePointer<CChar>.allocate(capacity: c.count)
        c.withUnsafeBufferPointer { p.initialize(from: $0.baseAddress!, count: c.count) }
        return p
    }
    defer { duplicated.forEach { $0.deallocate() } }
    var pointers: [UnsafePointer<CChar>?] = duplicated.map { UnsafePointer($0) }
    pointers.append(nil)
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}
