import CChimera
@testable import ChimeraHost
import Logging
import Synchronization
import Testing

/// What `execute` and `delegate` promise in chimera_host.h, for a VFS
/// module's struct and a front-end's alike.
@Suite("The host thread pool through the C ABI", .serialized)
struct HostThreadPoolABITests {
    /// Where each callback ran, written from host threads.
    final class Trace: @unchecked Sendable {
        let workThread = Atomic<UInt32>(UInt32.max - 1)
        let doneThread = Atomic<UInt32>(UInt32.max - 1)
        let executeThread = Atomic<UInt32>(UInt32.max - 1)
        let callbacks = Atomic<Int>(0)
    }

    @Test("delegate runs work on a delegation thread and done on the loop asked; execute runs on that loop", arguments: [false, true])
    func delegation(isFrontEnd: Bool) async throws {
        let executor = HostExecutor(loops: 1, delegation: 1)
        let runtime = HostRuntime(logger: Logger(label: "test"), executor: executor, loops: 1, delegation: 1)
        let context = PluginContext(runtime: runtime, name: "pool", isFrontEnd: isFrontEnd)
        let host = context.host
        let trace = Trace()
        let arg = Unmanaged.passRetained(trace).toOpaque()
        host.pointee.delegate(
            host, 0,
            { arg in
                let trace = Unmanaged<Trace>.fromOpaque(arg!).takeUnretainedValue()
                trace.workThread.store(ThreadIndex.current ?? UInt32.max, ordering: .releasing)
            },
            { arg in
                let trace = Unmanaged<Trace>.fromOpaque(arg!).takeUnretainedValue()
                trace.doneThread.store(ThreadIndex.current ?? UInt32.max, ordering: .releasing)
                trace.callbacks.add(1, ordering: .releasing)
            },
            arg)
        host.pointee.execute(
            host, 0,
            { arg in
                let trace = Unmanaged<Trace>.fromOpaque(arg!).takeUnretainedValue()
                trace.executeThread.store(ThreadIndex.current ?? UInt32.max, ordering: .releasing)
                trace.callbacks.add(1, ordering: .releasing)
            },
            arg)
        // Bounded: 10 s at most.
        for _ in 0..<1000 where trace.callbacks.load(ordering: .acquiring) < 2 {
            try await Task.sleep(for: .milliseconds(10))
        }
        let finished = trace.callbacks.load(ordering: .acquiring)
        await executor.shutdown()
        Unmanaged<Trace>.fromOpaque(arg).release()
        #expect(finished == 2)
        #expect(trace.workThread.load(ordering: .acquiring) == 1)  // the first delegation thread follows the loops
        #expect(trace.doneThread.load(ordering: .acquiring) == 0)
        #expect(trace.executeThread.load(ordering: .acquiring) == 0)
    }
}
