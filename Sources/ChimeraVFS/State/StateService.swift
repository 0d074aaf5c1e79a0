import CChimera
import ChimeraPluginKit
import Synchronization

/// How long state lives and how much of it there may be
/// (`server.state` in the config).
public struct StateConfiguration: Sendable {
    /// A client that asked to expire is dropped after this long without
    /// renewing (NFSv4's lease_time).
    public var leaseSeconds: UInt32 = 90
    /// After a restart with recorded clients: only reclaims for this long.
    public var graceSeconds: UInt32 = 90
    /// A lease holder has this long to acknowledge a break before the core
    /// revokes the lease (SMB's 35 s).
    public var breakSeconds: UInt32 = 35
    /// A LOCK with CHIMERA_VFS_LOCK_WAIT waits at most this long.
    public var lockWaitSeconds: UInt32 = 30
    public var maxClients = 65_536
    public var maxOpens = 1_048_576
    public var maxLocksPerFile = 8192
    public var maxWaiters = 16_384
    /// Where client records live, for reclaim after a restart; nil: none
    /// are kept (and there is no grace period).
    public var directory: String?

    public init() {}

    var limits: StateTable.Limits {
        var limits = StateTable.Limits()
        limits.maxClients = maxClients
        limits.maxOpens = maxOpens
        limits.maxLocksPerFile = maxLocksPerFile
        limits.maxWaiters = maxWaiters
        limits.leaseNanoseconds = UInt64(leaseSeconds) * 1_000_000_000
        limits.breakNanoseconds = UInt64(breakSeconds) * 1_000_000_000
        limits.lockWaitNanoseconds = UInt64(lockWaitSeconds) * 1_000_000_000
        return limits
    }
}

/// The open-state table behind one lock, with a count of objects that
/// have any state so requests on a server without state skip it for one
/// atomic load.
final class StateService: Sendable {
    private let table: Mutex<StateTable>
    private let objects = Atomic<Int>(0)
    let configuration: StateConfiguration
    let records: StateRecords?

    init(configuration: StateConfiguration, records: StateRecords?) {
        self.configuration = configuration
        self.records = records
        var table = StateTable(limits: configuration.limits)
        if let records {
            let previous = records.previous
            table.startGrace(
                previous: previous,
                until: monotonicNanoseconds() &+ UInt64(configuration.graceSeconds) * 1_000_000_000)
        }
        self.table = Mutex(table)
    }

    /// True when no object has state: nothing to check.
    @inline(__always)
    var isIdle: Bool { objects.load(ordering: .relaxed) == 0 }

    func with<R>(_ body: (inout StateTable) -> R) -> R {
        let (result, graceEnded) = table.withLock { table in
            let wasInGrace = table.graceUntil != 0
            let result = body(&table)
            objects.store(table.fileCount, ordering: .relaxed)
            return (result, wasInGrace && table.graceUntil == 0)
        }
        if graceEnded { records?.forgetUnclaimed() }
        return result
    }
}
