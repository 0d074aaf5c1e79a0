import CChimera
import ChimeraPluginKit
import CoreMetrics

/// The core's metrics, created once; labels are bounded (op names).
final class VFSMetrics: @unchecked Sendable {
    let attributeCache = CacheStatistics()
    let nameCache = CacheStatistics()
    private let ops: [Counter]
    private let errors: [Counter]
    let stuck = Counter(label: "chimera_vfs_requests_stuck_total")
    let snapshotHits = Counter(label: "chimera_vfs_readdir_snapshot_hits_total")
    let snapshotAnswers = AtomicCounter()

    init() {
        var ops: [Counter] = []
        var errors: [Counter] = []
        for raw in 0...UInt32(CHIMERA_VFS_OP_MAX) {
            let name = VFSOp(rawValue: raw).description
            ops.append(Counter(label: "chimera_vfs_ops_total", dimensions: [("op", name)]))
            errors.append(Counter(label: "chimera_vfs_errors_total", dimensions: [("op", name)]))
        }
        self.ops = ops
        self.errors = errors
    }

    private var exported: [UInt64] = [0, 0, 0, 0]
    private let cacheCounters: [Counter] = [
        Counter(label: "chimera_vfs_cache_hits_total", dimensions: [("cache", "attributes")]),
        Counter(label: "chimera_vfs_cache_misses_total", dimensions: [("cache", "attributes")]),
        Counter(label: "chimera_vfs_cache_hits_total", dimensions: [("cache", "names")]),
        Counter(label: "chimera_vfs_cache_misses_total", dimensions: [("cache", "names")]),
    ]

    /// Move the cache hit/miss atomics into metrics (from one loop only).
    func exportCacheCounters() {
        let now = [attributeCache.hits.load(), attributeCache.misses.load(), nameCache.hits.load(), nameCache.misses.load()]
        for i in 0..<4 where now[i] > exported[i] {
            cacheCounters[i].increment(by: Int64(now[i] - exported[i]))
            exported[i] = now[i]
        }
    }

    @inline(__always)
    func count(op: UInt32) {
        if op < ops.count { ops[Int(op)].increment() }
    }

    @inline(__always)
    func countError(op: UInt32) {
        if op < errors.count { errors[Int(op)].increment() }
    }
}

extension VFSCore {
    /// Cache statistics for the metrics exporter and tests.
    public struct CacheReport: Sendable {
        public var attributeHits: UInt64
        public var attributeMisses: UInt64
        public var attributeEntries: UInt64
        public var nameHits: UInt64
        public var nameMisses: UInt64
        public var nameEntries: UInt64
        public var openFiles: Int
        /// Directory snapshots held, and READDIRs answered from them.
        public var directorySnapshots: Int
        public var snapshotAnswers: UInt64
    }

    public var cacheReport: CacheReport {
        CacheReport(
            attributeHits: metrics.attributeCache.hits.load(),
            attributeMisses: metrics.attributeCache.misses.load(),
            attributeEntries: attributes.count,
            nameHits: metrics.nameCache.hits.load(),
            nameMisses: metrics.nameCache.misses.load(),
            nameEntries: names.count,
            openFiles: openFiles.count,
            directorySnapshots: snapshots.count,
            snapshotAnswers: metrics.snapshotAnswers.load())
    }
}
