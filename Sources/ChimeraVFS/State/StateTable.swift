import CChimera
import ChimeraPluginKit

/// Who a front-end's client tells about lease breaks: the host wraps a
/// plugin's `lease_break`; tests use fakes. Called on the client's loop.
public protocol StateClientOwner: AnyObject, Sendable {
    func leaseBreak(_ notice: LeaseBreak)
}

/// Lease levels and share bits as sets (chimera_vfs.h).
enum Lease {
    static let read = CHIMERA_VFS_LEASE_READ
    static let handle = CHIMERA_VFS_LEASE_HANDLE
    static let write = CHIMERA_VFS_LEASE_WRITE
    static let all = read | handle | write

    /// W needs R: a level without R loses W too.
    static func normalized(_ level: UInt32) -> UInt32 {
        var level = level & all
        if level & read == 0 { level &= ~write }
        return level
    }
}

enum Share {
    static let read = CHIMERA_VFS_SHARE_READ
    static let write = CHIMERA_VFS_SHARE_WRITE
    static let delete = CHIMERA_VFS_SHARE_DELETE
    static let all = read | write | delete
}

/// Who makes a request, as the state table sees it: the lease it may
/// hold is (client, leaseKey); its own locks are those under `open`.
struct Requester: Equatable {
    var client: UInt64
    var open: UInt64
    var leaseKey: LeaseKey

    static let anonymous = Requester(client: 0, open: 0, leaseKey: .zero)

    func owns(_ lease: StateTable.LeaseRecord) -> Bool {
        client != 0 && lease.client == client && lease.key == leaseKey
    }
}

/// What a request does to an object, for conflict checks (from the op's
/// traits): the lease bits it breaks, the share bits it needs from others'
/// deny, and the byte range it touches for mandatory locks.
struct StateAccess {
    var breaks: UInt32
    var needs: UInt32
    var range: (start: UInt64, end: UInt64)? = nil
    var writes = false
}

/// A request parked in the table: a waiting lock, or a request that waits
/// for lease breaks to finish before it runs again.
struct Waiter {
    enum Kind {
        case lock(StateTable.LockRecord)
        case recheck
    }

    let request: RequestBox
    let thread: UInt32
    let kind: Kind
    let deadline: UInt64
}

/// What to do outside the table's lock once it changed.
struct StateEffects {
    struct Notice {
        let owner: any StateClientOwner
        let thread: UInt32
        let notice: LeaseBreak
    }

    var notices: [Notice] = []
    /// Run the admission again (their conflicts may have gone).
    var wake: [Waiter] = []
    /// Complete with this status (a granted, cancelled, expired or timed
    /// out lock).
    var finish: [(Waiter, VFSStatus)] = []
    /// Client records to drop from stable storage.
    var forgotten: [StateTable.RecordName] = []

    var isEmpty: Bool { notices.isEmpty && wake.isEmpty && finish.isEmpty && forgotten.isEmpty }
}

/// The core's open state (chimera_vfs.h, "Open state"): clients, opens with
/// share modes, byte-range locks and leases, per object. A value type kept
/// under one lock by ``StateService``; every method runs inside it, never
/// calls out, and returns the effects to carry out after it.
struct StateTable {
    struct Limits {
        var maxClients = 65_536
        var maxOpens = 1_048_576
        var maxLocksPerFile = 8192
        var maxWaiters = 16_384
        var leaseNanoseconds: UInt64 = 90_000_000_000
        var breakNanoseconds: UInt64 = 35_000_000_000
        var lockWaitNanoseconds: UInt64 = 30_000_000_000
    }

    struct RecordName: Hashable, Sendable {
        var scope: String
        var name: [UInt8]
    }

    struct ClientRecord {
        let id: UInt64
        let record: RecordName
        let owner: any StateClientOwner
        let thread: UInt32
        let clientPrivate: UInt
        let expires: Bool
        let recorded: Bool
        /// Its record is on stable storage (always, when not recorded):
        /// until then it may take no state, or a crash would leave a lock
        /// holder that cannot reclaim.
        var durable: Bool
        var renewedAt: UInt64
        var opens: Set<UInt64> = []
        var leases: Set<UInt64> = []
        var lockedFiles: Set<ObjectKey> = []
    }

    struct OpenRecord {
        let id: UInt64
        let client: UInt64
        let owner: [UInt8]
        let object: ObjectKey
        var access: UInt32
        var deny: UInt32
        let leaseKey: LeaseKey
    }

    struct LeaseRecord {
        let id: UInt64
        let client: UInt64
        let key: LeaseKey
        let object: ObjectKey
        var level: UInt32
        /// Set while a break runs: the most the holder may keep.
        var breakingTo: UInt32?
        var deadline: UInt64 = 0
        var epoch: UInt32 = 1
    }

    struct LockRecord {
        var client: UInt64
        var owner: [UInt8]
        var open: UInt64
        var write: Bool
        var mandatory: Bool
        var start: UInt64
        /// Exclusive; UInt64.max: to the end of the file.
        var end: UInt64

        func sameHolder(_ other: LockRecord) -> Bool { client == other.client && owner == other.owner }
        func overlaps(_ start: UInt64, _ end: UInt64) -> Bool { self.start < end && start < self.end }
        func conflicts(with other: LockRecord) -> Bool {
            !sameHolder(other) && overlaps(other.start, other.end) && (write || other.write)
        }
    }

    struct FileState {
        var opens: [UInt64] = []
        var leases: [UInt64] = []
        var locks: [LockRecord] = []
        var waiters: [Waiter] = []
        var isEmpty: Bool { opens.isEmpty && leases.isEmpty && locks.isEmpty && waiters.isEmpty }
    }

    var limits: Limits
    private(set) var clients: [UInt64: ClientRecord] = [:]
    private(set) var opens: [UInt64: OpenRecord] = [:]
    private(set) var leases: [UInt64: LeaseRecord] = [:]
    private(set) var files: [ObjectKey: FileState] = [:]
    private var nextID: UInt64 = 1
    private var waiterCount = 0
    /// Leases with a break running, and objects that may have waiters: the
    /// sweep visits these, not the whole table.
    private var breaking: Set<UInt64> = []
    private var waiting: Set<ObjectKey> = []
    /// Requests of recorded clients waiting for their record to be durable.
    private var recordWaiters: [UInt64: [Waiter]] = [:]
    /// Clients released or expired, so a late request learns EXPIRED rather
    /// than BAD_STATE (bounded).
    private var gone: Set<UInt64> = []
    private var goneOrder: [UInt64] = []

    /// Grace: the previous run's recorded clients that may reclaim, until
    /// `graceUntil` (monotonic ns) or until all of them are done.
    private(set) var graceUntil: UInt64 = 0
    private(set) var previous: Set<RecordName> = []
    private var pendingReclaim: Set<RecordName> = []

    init(limits: Limits) {
        self.limits = limits
    }

    var fileCount: Int { files.count }

    // MARK: Grace

    mutating func startGrace(previous: Set<RecordName>, until: UInt64) {
        self.previous = previous
        pendingReclaim = previous
        graceUntil = previous.isEmpty ? 0 : until
    }

    func inGrace(now: UInt64) -> Bool { graceUntil != 0 && now < graceUntil }

    private mutating func reclaimDone(_ record: RecordName) {
        pendingReclaim.remove(record)
        if pendingReclaim.isEmpty { graceUntil = 0 }
    }

    /// GRACE / NO_GRACE, or nil when the op may go on.
    private func graceRefusal(client: UInt64, reclaim: Bool, now: UInt64) -> VFSStatus? {
        if inGrace(now: now) {
            guard reclaim else { return .grace }
            guard let c = clients[client], previous.contains(c.record) else { return .noGrace }
            return nil
        }
        return reclaim ? .noGrace : nil
    }

    // MARK: Clients

    mutating func createClient(
        record: RecordName, owner: any StateClientOwner, thread: UInt32, clientPrivate: UInt, expires: Bool,
        recorded: Bool, now: UInt64
    ) -> Result<UInt64, VFSStatus> {
        guard clients.count < limits.maxClients else { return .failure(.noSpace) }
        let id = takeID()
        clients[id] = ClientRecord(
            id: id, record: record, owner: owner, thread: thread, clientPrivate: clientPrivate, expires: expires,
            recorded: recorded, durable: !recorded, renewedAt: now)
        return .success(id)
    }

    /// The client's record reached stable storage: what waited for it runs.
    mutating func markDurable(_ id: UInt64, effects: inout StateEffects) {
        clients[id]?.durable = true
        for waiter in recordWaiters.removeValue(forKey: id) ?? [] {
            waiterCount -= 1
            effects.wake.append(waiter)
        }
    }

    /// Hold a request of a client whose record is not yet durable; false
    /// when it cannot wait (the caller answers DELAY).
    private mutating func waitForRecord(_ client: UInt64, _ waiter: Waiter?) -> Bool {
        guard let waiter, waiterCount < limits.maxWaiters else { return false }
        recordWaiters[client, default: []].append(waiter)
        waiterCount += 1
        return true
    }

    private func needsRecord(_ client: UInt64) -> Bool {
        guard let c = clients[client] else { return false }
        return !c.durable
    }

    mutating func renew(_ id: UInt64, now: UInt64) -> VFSStatus {
        guard clients[id] != nil else { return status(ofMissingClient: id) }
        clients[id]!.renewedAt = now
        return .ok
    }

    mutating func reclaimComplete(_ id: UInt64) -> VFSStatus {
        guard let client = clients[id] else { return status(ofMissingClient: id) }
        reclaimDone(client.record)
        return .ok
    }

    func status(ofMissingClient id: UInt64) -> VFSStatus {
        gone.contains(id) ? .expired : .badState
    }

    /// Drop the client and everything it holds.
    mutating func releaseClient(_ id: UInt64, effects: inout StateEffects) {
        guard let client = clients.removeValue(forKey: id) else { return }
        for waiter in recordWaiters.removeValue(forKey: id) ?? [] {
            waiterCount -= 1
            effects.wake.append(waiter)
        }
        var touched = Set<ObjectKey>()
        for open in client.opens {
            if let record = opens.removeValue(forKey: open) {
                files[record.object]?.opens.removeAll { $0 == open }
                touched.insert(record.object)
            }
        }
        for lease in client.leases {
            if let record = leases.removeValue(forKey: lease) {
                files[record.object]?.leases.removeAll { $0 == lease }
                touched.insert(record.object)
            }
        }
        for object in client.lockedFiles {
            files[object]?.locks.removeAll { $0.client == id }
            touched.insert(object)
        }
        // Its own waiting locks end with EXPIRED (a scan: releases are rare).
        for (object, file) in files {
            let before = file.waiters.count
            files[object]!.waiters.removeAll { waiter in
                guard case .lock(let lock) = waiter.kind, lock.client == id else { return false }
                effects.finish.append((waiter, .expired))
                return true
            }
            let removed = before - files[object]!.waiters.count
            if removed > 0 {
                waiterCount -= removed
                touched.insert(object)
            }
        }
        for object in touched { relax(object, effects: &effects) }
        if client.recorded { effects.forgotten.append(client.record) }
        if graceUntil != 0 { reclaimDone(client.record) }
        gone.insert(id)
        goneOrder.append(id)
        if goneOrder.count > 4096 {
            gone.remove(goneOrder.removeFirst())
        }
    }

    /// Clients not renewed within the lease period.
    func expired(now: UInt64) -> [UInt64] {
        clients.values.filter { $0.expires && now &- $0.renewedAt > limits.leaseNanoseconds }.map(\.id)
    }

    // MARK: Opens

    struct OpenResult {
        var open: UInt64 = 0
        var lease: UInt64 = 0
        var leaseLevel: UInt32 = 0
        var epoch: UInt32 = 0
    }

    enum Decision<Result> {
        case done(VFSStatus, Result)
        /// Parked (the waiter is in the table) or, without a waiter, DELAY.
        case wait
    }

    struct OpenArguments {
        var client: UInt64
        var owner: [UInt8]
        var access: UInt32
        var deny: UInt32
        var reclaim: Bool
        var leaseLevel: UInt32
        var leaseKey: LeaseKey
    }

    mutating func open(
        _ object: ObjectKey, _ a: OpenArguments, now: UInt64, waiter: Waiter?, effects: inout StateEffects
    ) -> Decision<OpenResult> {
        guard clients[a.client] != nil else { return .done(status(ofMissingClient: a.client), OpenResult()) }
        guard a.access != 0, a.access & ~Share.all == 0, a.deny & ~Share.all == 0,
            a.leaseLevel & ~Lease.all == 0, a.owner.count <= Int(CHIMERA_VFS_LOCK_OWNER_MAX)
        else { return .done(.invalid, OpenResult()) }
        if let refusal = graceRefusal(client: a.client, reclaim: a.reclaim, now: now) {
            return .done(refusal, OpenResult())
        }
        if needsRecord(a.client) {
            return waitForRecord(a.client, waiter) ? .wait : .done(.delay, OpenResult())
        }
        let file = files[object] ?? FileState()
        let existing = file.opens.first { id in
            let o = opens[id]!
            return o.client == a.client && o.owner == a.owner
        }
        let access = a.access | (existing.map { opens[$0]!.access } ?? 0)
        let deny = a.deny | (existing.map { opens[$0]!.deny } ?? 0)
        let me = Requester(client: a.client, open: existing ?? 0, leaseKey: a.leaseKey)

        // Others' leases that this open breaks, and the opens it conflicts
        // with (whose handle caching must go before it can be refused).
        var strip = Lease.write
        if access & Share.write != 0 { strip |= Lease.read }
        let conflicting = file.opens.filter { id in
            guard id != existing else { return false }
            let other = opens[id]!
            return access & other.deny != 0 || deny & other.access != 0
        }
        var pending = false
        for id in file.leases {
            let lease = leases[id]!
            guard !me.owns(lease) else { continue }
            var bits = strip
            if conflicting.contains(where: { opens[$0]!.client == lease.client && opens[$0]!.leaseKey == lease.key }) {
                bits |= Lease.handle
            }
            if startBreak(id, stripping: bits, now: now, effects: &effects) { pending = true }
        }
        if pending {
            return park(waiter, on: object) ? .wait : .done(.delay, OpenResult())
        }
        guard conflicting.isEmpty else { return .done(.shareViolation, OpenResult()) }

        guard existing != nil || opens.count < limits.maxOpens else { return .done(.noSpace, OpenResult()) }
        let id: UInt64
        if let existing {
            id = existing
            opens[id]!.access = access
            opens[id]!.deny = deny
        } else {
            id = takeID()
            opens[id] = OpenRecord(
                id: id, client: a.client, owner: a.owner, object: object, access: access, deny: deny,
                leaseKey: a.leaseKey)
            files[object, default: FileState()].opens.append(id)
            clients[a.client]!.opens.insert(id)
        }
        var result = OpenResult(open: id)
        if a.leaseLevel != 0 {
            grantLease(object, to: me, asking: Lease.normalized(a.leaseLevel), result: &result)
        }
        return .done(.ok, result)
    }

    /// Grant what may be granted of `level` to the requester's lease.
    private mutating func grantLease(_ object: ObjectKey, to me: Requester, asking level: UInt32, result: inout OpenResult) {
        let file = files[object]!
        let mine = file.leases.first { me.owns(leases[$0]!) }
        if let mine, leases[mine]!.breakingTo != nil {
            // No upgrade while a break runs.
            let lease = leases[mine]!
            result.lease = mine
            result.leaseLevel = lease.level
            result.epoch = lease.epoch
            return
        }
        var grant = level
        let othersOpen = file.opens.contains { id in
            let o = opens[id]!
            return !(o.client == me.client && o.leaseKey == me.leaseKey)
        }
        let othersWrite = file.opens.contains { id in
            let o = opens[id]!
            return !(o.client == me.client && o.leaseKey == me.leaseKey) && o.access & Share.write != 0
        }
        let otherLeases = file.leases.filter { !me.owns(leases[$0]!) }.map { leases[$0]! }
        if othersOpen || !otherLeases.isEmpty { grant &= ~Lease.write }
        if othersWrite || otherLeases.contains(where: { $0.level & Lease.write != 0 }) { grant &= ~Lease.read }
        // A lease starts with read caching (R, RH, RW, RWH); H alone is
        // only ever what a break leaves.
        grant = grant & Lease.read != 0 ? Lease.normalized(grant) : 0
        if let mine {
            leases[mine]!.level = Lease.normalized(leases[mine]!.level | grant)
            leases[mine]!.epoch &+= 1
            let lease = leases[mine]!
            result.lease = mine
            result.leaseLevel = lease.level
            result.epoch = lease.epoch
            return
        }
        // Leases outlive their opens (until returned): bound them as opens.
        guard grant != 0, leases.count < limits.maxOpens else { return }
        let id = takeID()
        leases[id] = LeaseRecord(id: id, client: me.client, key: me.leaseKey, object: object, level: grant)
        files[object]!.leases.append(id)
        clients[me.client]!.leases.insert(id)
        result.lease = id
        result.leaseLevel = grant
        result.epoch = 1
    }

    mutating func close(client: UInt64, open id: UInt64, releaseLocks: Bool, effects: inout StateEffects) -> VFSStatus {
        guard clients[client] != nil else { return status(ofMissingClient: client) }
        guard let open = opens[id], open.client == client else { return .badState }
        let object = open.object
        let held = files[object]?.locks.contains { $0.open == id } ?? false
        if held && !releaseLocks { return .locksHeld }
        if held { files[object]!.locks.removeAll { $0.open == id } }
        opens.removeValue(forKey: id)
        files[object]?.opens.removeAll { $0 == id }
        clients[client]!.opens.remove(id)
        relax(object, effects: &effects)
        return .ok
    }

    mutating func downgrade(client: UInt64, open id: UInt64, access: UInt32, deny: UInt32, effects: inout StateEffects)
        -> VFSStatus
    {
        guard clients[client] != nil else { return status(ofMissingClient: client) }
        guard let open = opens[id], open.client == client else { return .badState }
        guard access != 0, access & ~open.access == 0, deny & ~open.deny == 0 else { return .invalid }
        opens[id]!.access = access
        opens[id]!.deny = deny
        relax(open.object, effects: &effects)
        return .ok
    }

    // MARK: Leases

    /// Begin (or deepen) a break of lease `id` so it keeps nothing of
    /// `bits`. True when the holder still holds some of them (the caller
    /// waits).
    private mutating func startBreak(_ id: UInt64, stripping bits: UInt32, now: UInt64, effects: inout StateEffects) -> Bool {
        guard var lease = leases[id], lease.level & bits != 0 else { return false }
        let target = Lease.normalized((lease.breakingTo ?? lease.level) & ~bits)
        if lease.breakingTo == nil || target != lease.breakingTo {
            // A deeper break of a running one keeps its deadline.
            if lease.breakingTo == nil { lease.deadline = now &+ limits.breakNanoseconds }
            lease.breakingTo = target
            breaking.insert(id)
            lease.epoch &+= 1
            leases[id] = lease
            notify(lease, newLevel: target, revoked: false, effects: &effects)
        }
        return true
    }

    private func notify(_ lease: LeaseRecord, newLevel: UInt32, revoked: Bool, effects: inout StateEffects) {
        guard let client = clients[lease.client] else { return }
        effects.notices.append(
            StateEffects.Notice(
                owner: client.owner, thread: client.thread,
                notice: LeaseBreak(
                    client: client.id, clientPrivate: client.clientPrivate, lease: lease.id, oldLevel: lease.level,
                    newLevel: newLevel, epoch: lease.epoch, revoked: revoked, leaseKey: lease.key.bytes,
                    handle: lease.object.bytes)))
    }

    /// The holder keeps `level` (an acknowledgement or a return).
    mutating func setLease(client: UInt64, lease id: UInt64, level: UInt32, effects: inout StateEffects)
        -> (VFSStatus, UInt32)
    {
        guard clients[client] != nil else { return (status(ofMissingClient: client), 0) }
        guard var lease = leases[id], lease.client == client else { return (.badState, 0) }
        guard level & ~lease.level == 0 else { return (.invalid, lease.epoch) }
        lease.level = Lease.normalized(level)
        if let target = lease.breakingTo, lease.level & ~target == 0 {
            breaking.remove(id)
            lease.breakingTo = nil
            lease.deadline = 0
        }
        lease.epoch &+= 1
        if lease.level == 0 {
            dropLease(id)
        } else {
            leases[id] = lease
        }
        relax(lease.object, effects: &effects)
        return (.ok, lease.epoch)
    }

    private mutating func dropLease(_ id: UInt64) {
        guard let lease = leases.removeValue(forKey: id) else { return }
        breaking.remove(id)
        files[lease.object]?.leases.removeAll { $0 == id }
        clients[lease.client]?.leases.remove(id)
    }

    /// An upcall from a module: the backend changed the object.
    mutating func breakAll(_ object: ObjectKey, keeping keep: UInt32, now: UInt64, effects: inout StateEffects) {
        for id in files[object]?.leases ?? [] {
            _ = startBreak(id, stripping: Lease.all & ~keep, now: now, effects: &effects)
        }
    }

    // MARK: Access by other requests

    /// May a request with this access run now? Breaks what it conflicts
    /// with; nil: go on.
    mutating func admit(
        _ object: ObjectKey, _ access: StateAccess, requester: Requester, now: UInt64, waiter: Waiter?,
        effects: inout StateEffects
    ) -> VFSStatus? {
        guard let file = files[object] else { return nil }
        if requester.open == 0, access.needs != 0 {
            let denied = file.opens.contains { opens[$0]!.deny & access.needs != 0 }
            if denied { return .shareViolation }
        }
        if let range = access.range {
            let blocked = file.locks.contains { lock in
                lock.mandatory && lock.overlaps(range.start, range.end)
                    && !(requester.open != 0 && lock.open == requester.open) && (access.writes || lock.write)
            }
            if blocked { return .locked }
        }
        var pending = false
        if access.breaks != 0 {
            for id in file.leases where !requester.owns(leases[id]!) {
                if startBreak(id, stripping: access.breaks, now: now, effects: &effects) { pending = true }
            }
        }
        guard pending else { return nil }
        return park(waiter, on: object) ? .ok : .delay
    }

    // MARK: Byte-range locks

    enum LockOutcome {
        case granted
        case conflict(LockRecord)
        case waiting
        case refused(VFSStatus)
    }

    /// `recordWaiter` holds the request while the client's record is not
    /// yet durable (it is then run again whole).
    mutating func lock(
        _ object: ObjectKey, _ lock: LockRecord, reclaim: Bool, now: UInt64, waiter: Waiter?,
        recordWaiter: Waiter? = nil
    ) -> LockOutcome {
        if lock.client != 0 {
            guard clients[lock.client] != nil else { return .refused(status(ofMissingClient: lock.client)) }
        }
        if let refusal = graceRefusal(client: lock.client, reclaim: reclaim, now: now) { return .refused(refusal) }
        if needsRecord(lock.client) {
            return waitForRecord(lock.client, recordWaiter) ? .waiting : .refused(.delay)
        }
        if let blocking = files[object]?.locks.first(where: { $0.conflicts(with: lock) }) {
            guard let waiter else { return .conflict(blocking) }
            return park(waiter, on: object) ? .waiting : .conflict(blocking)
        }
        return insert(lock, on: object) ? .granted : .refused(.noSpace)
    }

    func testLock(_ object: ObjectKey, _ lock: LockRecord) -> LockRecord? {
        files[object]?.locks.first { $0.conflicts(with: lock) }
    }

    mutating func unlock(_ object: ObjectKey, _ lock: LockRecord, effects: inout StateEffects) -> VFSStatus {
        if lock.client != 0, clients[lock.client] == nil { return status(ofMissingClient: lock.client) }
        guard let locks = files[object]?.locks else { return .ok }
        files[object]!.locks = Self.cut(locks, holder: lock, start: lock.start, end: lock.end)
        relax(object, effects: &effects)
        return .ok
    }

    /// Take a waiting lock back: the waiter ends with CANCELED.
    mutating func cancel(_ object: ObjectKey, _ lock: LockRecord, effects: inout StateEffects) -> VFSStatus {
        guard let index = files[object]?.waiters.firstIndex(where: { waiter in
            guard case .lock(let waiting) = waiter.kind else { return false }
            return waiting.sameHolder(lock) && waiting.start == lock.start && waiting.end == lock.end
        }) else { return .noEntry }
        let waiter = files[object]!.waiters.remove(at: index)
        waiterCount -= 1
        effects.finish.append((waiter, .canceled))
        dropIfEmpty(object)
        return .ok
    }

    private mutating func insert(_ lock: LockRecord, on object: ObjectKey) -> Bool {
        var locks = Self.cut(files[object]?.locks ?? [], holder: lock, start: lock.start, end: lock.end)
        var merged = lock
        // Merge with this holder's touching or overlapping locks of the
        // same kind under the same open.
        locks.removeAll { other in
            guard other.sameHolder(lock), other.write == lock.write, other.open == lock.open,
                other.mandatory == lock.mandatory, other.start <= merged.end, merged.start <= other.end
            else { return false }
            merged.start = min(merged.start, other.start)
            merged.end = max(merged.end, other.end)
            return true
        }
        guard locks.count < limits.maxLocksPerFile, files[object] != nil || files.count < limits.maxOpens else {
            return false
        }
        locks.append(merged)
        files[object, default: FileState()].locks = locks
        if lock.client != 0 { clients[lock.client]?.lockedFiles.insert(object) }
        return true
    }

    /// Remove [start, end) from the holder's locks, splitting across the
    /// ends.
    static func cut(_ locks: [LockRecord], holder: LockRecord, start: UInt64, end: UInt64) -> [LockRecord] {
        var out: [LockRecord] = []
        out.reserveCapacity(locks.count + 1)
        for lock in locks {
            guard lock.sameHolder(holder), lock.overlaps(start, end) else {
                out.append(lock)
                continue
            }
            if lock.start < start {
                var left = lock
                left.end = start
                out.append(left)
            }
            if lock.end > end {
                var right = lock
                right.start = end
                out.append(right)
            }
        }
        return out
    }

    // MARK: Waiting

    private mutating func park(_ waiter: Waiter?, on object: ObjectKey) -> Bool {
        guard let waiter, waiterCount < limits.maxWaiters else { return false }
        files[object, default: FileState()].waiters.append(waiter)
        waiterCount += 1
        waiting.insert(object)
        return true
    }

    /// State on the object loosened: grant waiting locks in order, and let
    /// waiting requests try again.
    private mutating func relax(_ object: ObjectKey, effects: inout StateEffects) {
        guard var file = files[object] else { return }
        var still: [Waiter] = []
        let waiters = file.waiters
        file.waiters = []
        files[object] = file
        for waiter in waiters {
            switch waiter.kind {
            case .recheck:
                effects.wake.append(waiter)
                waiterCount -= 1
            case .lock(let lock):
                let blocked =
                    files[object]!.locks.contains { $0.conflicts(with: lock) }
                    || still.contains { w in
                        // Keep order: an earlier waiter that conflicts goes first.
                        if case .lock(let earlier) = w.kind { return earlier.conflicts(with: lock) }
                        return false
                    }
                if blocked {
                    still.append(waiter)
                } else if insert(lock, on: object) {
                    effects.finish.append((waiter, .ok))
                    waiterCount -= 1
                } else {
                    effects.finish.append((waiter, .noSpace))
                    waiterCount -= 1
                }
            }
        }
        files[object]!.waiters = still + files[object]!.waiters
        dropIfEmpty(object)
    }

    private mutating func dropIfEmpty(_ object: ObjectKey) {
        if files[object]?.isEmpty == true { files.removeValue(forKey: object) }
    }

    /// Once a second: breaks past their deadline are revoked, waits past
    /// theirs end.
    mutating func sweep(now: UInt64, effects: inout StateEffects) {
        var touched = Set<ObjectKey>()
        for id in breaking {
            guard let lease = leases[id], let target = lease.breakingTo, now >= lease.deadline else { continue }
            breaking.remove(id)
            var revoked = lease
            revoked.epoch &+= 1
            // The notice names the level the holder had; the lease now has less.
            notify(revoked, newLevel: target, revoked: true, effects: &effects)
            revoked.level = target
            revoked.breakingTo = nil
            revoked.deadline = 0
            if target == 0 {
                dropLease(id)
            } else {
                leases[id] = revoked
            }
            touched.insert(lease.object)
        }
        for object in touched { relax(object, effects: &effects) }
        for object in waiting {
            guard let file = files[object], !file.waiters.isEmpty else {
                waiting.remove(object)
                continue
            }
            guard file.waiters.contains(where: { $0.deadline <= now }) else { continue }
            files[object]!.waiters.removeAll { waiter in
                guard waiter.deadline <= now else { return false }
                waiterCount -= 1
                switch waiter.kind {
                case .lock: effects.finish.append((waiter, .locked))
                case .recheck: effects.wake.append(waiter)
                }
                return true
            }
            dropIfEmpty(object)
        }
        if graceUntil != 0 && now >= graceUntil {
            graceUntil = 0
            pendingReclaim = []
        }
    }

    /// Everything goes (SIGTERM): waiters end with EXPIRED.
    mutating func dropAll(effects: inout StateEffects) {
        for (_, file) in files {
            for waiter in file.waiters {
                switch waiter.kind {
                case .lock: effects.finish.append((waiter, .expired))
                case .recheck: effects.wake.append(waiter)
                }
            }
        }
        files = [:]
        opens = [:]
        leases = [:]
        breaking = []
        waiting = []
        for waiter in recordWaiters.values.joined() { effects.wake.append(waiter) }
        recordWaiters = [:]
        for id in clients.keys {
            gone.insert(id)
        }
        clients = [:]
        waiterCount = 0
    }

    // MARK: Lookups

    func requester(client: UInt64, open: UInt64) -> Requester {
        if open != 0, let record = opens[open] {
            return Requester(client: record.client, open: open, leaseKey: record.leaseKey)
        }
        return Requester(client: client, open: 0, leaseKey: .zero)
    }

    func hasState(_ object: ObjectKey) -> Bool { files[object] != nil }

    private mutating func takeID() -> UInt64 {
        defer { nextID &+= 1 }
        return nextID
    }
}
