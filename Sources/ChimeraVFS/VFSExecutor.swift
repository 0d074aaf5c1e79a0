import CChimera
import Glibc

/// The threads the VFS core runs on, provided by the host.
///
/// Host threads are numbered: event loops `0 ..< loopCount`, then the
/// delegation pool `loopCount ..< loopCount + delegationCount`. The core
/// stays free of NIO so it can be driven by any host (and by tests).
public protocol VFSExecutor: AnyObject, Sendable {
    var loopCount: UInt32 { get }
    var delegationCount: UInt32 { get }

    /// The calling thread's host index, or nil off host threads.
    func currentThread() -> UInt32?

    /// Run `task` on event loop `loop`, later (never inline).
    func execute(onLoop loop: UInt32, _ task: @escaping @Sendable () -> Void)

    /// Run `task` on the delegation thread with host index `thread`.
    func execute(onDelegationThread thread: UInt32, _ task: @escaping @Sendable () -> Void)

    /// Run `task` on any delegation thread; it receives that thread's host
    /// index.
    func delegate(_ task: @escaping @Sendable (UInt32) -> Void)

    /// Run `task` on `loop` every `interval` nanoseconds until cancelled.
    func scheduleRepeating(
        onLoop loop: UInt32,
        intervalNanoseconds interval: UInt64,
        _ task: @escaping @Sendable () -> Void
    ) -> any VFSScheduledTask
}

/// A repeating task; cancel stops further runs.
public protocol VFSScheduledTask: Sendable {
    func cancel()
}

/// Monotonic nanoseconds, for cache expiry and request ages.
@inlinable
public func monotonicNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
}
