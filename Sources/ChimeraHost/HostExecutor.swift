import ChimeraVFS
import NIOCore
import NIOPosix

/// The host's threads as the VFS core sees them: NIO event loops, then the
/// delegation pool.
public final class HostExecutor: VFSExecutor, @unchecked Sendable {
    public let group: MultiThreadedEventLoopGroup
    public let loops: [any EventLoop]
    let pool: DelegationPool

    public var loopCount: UInt32 { UInt32(loops.count) }
    public var delegationCount: UInt32 { UInt32(pool.count) }

    /// Start `loops` event loops and `delegation` pool threads.
    public init(loops count: Int, delegation: Int) {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: count)
        self.group = group
        var loops: [any EventLoop] = []
        var iterator = group.makeIterator()
        while let loop = iterator.next() { loops.append(loop) }
        self.loops = loops
        for (index, loop) in loops.enumerated() {
            // Known before any work reaches the loop: `wait` blocks start-up
            // only, on a thread that is not a loop.
            try? loop.submit { ThreadIndex.set(UInt32(index)) }.wait()
        }
        self.pool = DelegationPool(count: delegation, firstIndex: UInt32(count))
        pool.start()
    }

    /// Stop the pool and the loops. Without `waitForPool`, a pool thread
    /// stuck in a module call is left behind (the process is exiting)
    /// instead of being joined forever.
    public func shutdown(waitForPool: Bool = true) async {
        pool.shutdown(join: waitForPool)
        try? await group.shutdownGracefully()
    }

    public func currentThread() -> UInt32? { ThreadIndex.current }

    public func execute(onLoop loop: UInt32, _ task: @escaping @Sendable () -> Void) {
        loops[Int(loop)].execute(task)
    }

    public func execute(onDelegationThread thread: UInt32, _ task: @escaping @Sendable () -> Void) {
        pool.submit(toThread: thread) { _ in task() }
    }

    public func delegate(_ task: @escaping @Sendable (UInt32) -> Void) {
        if pool.count == 0 {
            // No pool configured: run blocking work on the loop that asked.
            // (Config validation warns; tests may run this way.)
            task(ThreadIndex.current ?? 0)
            return
        }
        pool.submit(task)
    }

    public func scheduleRepeating(
        onLoop loop: UInt32,
        intervalNanoseconds interval: UInt64,
        _ task: @escaping @Sendable () -> Void
    ) -> any VFSScheduledTask {
        let repeated = loops[Int(loop)].scheduleRepeatedTask(
            initialDelay: .nanoseconds(Int64(interval)), delay: .nanoseconds(Int64(interval))
        ) { _ in task() }
        return ScheduledTask(repeated)
    }

    struct ScheduledTask: VFSScheduledTask {
        let task: RepeatedTask
        init(_ task: RepeatedTask) { self.task = task }
        func cancel() { task.cancel() }
    }
}
