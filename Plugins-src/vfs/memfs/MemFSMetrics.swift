import ChimeraPluginKit
import Synchronization

/// The module's gauges: bytes of file data held and objects held.
///
/// Recorded once a second from a timer on loop 0, never per op: the
/// counters are atomics in ``MemFSUsage`` and a gauge only needs to be
/// fresh for a scrape.
final class MemFSMetrics: Sendable {
    static let interval: UInt64 = 1_000_000_000

    let host: PluginHost
    let usage: MemFSUsage
    let dataBytes: PluginMetric
    let inodes: PluginMetric
    let timer = Mutex<PluginTimer?>(nil)

    init(host: PluginHost, usage: MemFSUsage) {
        self.host = host
        self.usage = usage
        let labels = [("module", host.pluginName.isEmpty ? "memfs" : host.pluginName)]
        dataBytes = host.metric(.gauge, "vfs_memfs_data_bytes", labels: labels)
        inodes = host.metric(.gauge, "vfs_memfs_inodes", labels: labels)
        record()
    }

    func record() {
        dataBytes.record(usage.dataBytes.load(ordering: .relaxed))
        inodes.record(usage.inodes.load(ordering: .relaxed))
    }

    /// Start the timer on loop `thread` (from that loop).
    func start(on thread: UInt32) {
        let started = host.startTimer(
            on: thread,
            delayNanoseconds: Self.interval,
            intervalNanoseconds: Self.interval
        ) { [dataBytes, inodes, usage] in
            dataBytes.record(usage.dataBytes.load(ordering: .relaxed))
            inodes.record(usage.inodes.load(ordering: .relaxed))
        }
        let previous = timer.withLock { timer in
            let previous = timer
            timer = started
            return previous
        }
        previous?.cancel()
    }

    /// Cancel the timer (from the loop it runs on).
    func stop() {
        let running = timer.withLock { timer in
            let running = timer
            timer = nil
            return running
        }
        running?.cancel()
        record()
    }
}
