import CChimera
import ChimeraPluginKit

/// A client a front-end makes (`chimera_vfs_api.client_create`).
public struct StateClientSpec: Sendable {
    /// The front-end's name: client names are scoped to it.
    public var scope: String
    public var name: [UInt8]
    /// The loop lease breaks for this client are delivered on.
    public var thread: UInt32
    public var clientPrivate: UInt
    public var expires: Bool
    public var recorded: Bool

    public init(scope: String, name: [UInt8], thread: UInt32, clientPrivate: UInt = 0, expires: Bool = false,
                recorded: Bool = false) {
        self.scope = scope
        self.name = name
        self.thread = thread
        self.clientPrivate = clientPrivate
        self.expires = expires
        self.recorded = recorded
    }
}

// MARK: The front-end API

extension VFSCore {
    /// Make a client of the open state; its id, or INVAL / NOSPC.
    public func createClient(_ spec: StateClientSpec, owner: any StateClientOwner) -> Result<UInt64, VFSStatus> {
        guard !spec.name.isEmpty, spec.name.count <= Int(CHIMERA_VFS_CLIENT_NAME_MAX),
            spec.thread < executor.loopCount
        else { return .failure(.invalid) }
        let record = StateTable.RecordName(scope: spec.scope, name: spec.name)
        let recorded = spec.recorded && state.records != nil
        let result = state.with { table in
            table.createClient(
                record: record, owner: owner, thread: spec.thread, clientPrivate: spec.clientPrivate,
                expires: spec.expires, recorded: recorded, now: monotonicNanoseconds())
        }
        if case .success(let id) = result, recorded, let records = state.records {
            // Its opens and locks wait until the record is on disk.
            records.add(record) { [weak self] in self?.clientRecordDurable(id) }
        }
        return result
    }

    func clientRecordDurable(_ id: UInt64) {
        var effects = StateEffects()
        state.with { $0.markDurable(id, effects: &effects) }
        carryOut(effects)
    }

    public func renewClient(_ id: UInt64) -> VFSStatus {
        state.with { $0.renew(id, now: monotonicNanoseconds()) }
    }

    /// Drop a client and all it holds.
    public func releaseClient(_ id: UInt64) {
        var effects = StateEffects()
        state.with { $0.releaseClient(id, effects: &effects) }
        carryOut(effects)
    }

    public func reclaimComplete(_ id: UInt64) -> VFSStatus {
        state.with { $0.reclaimComplete(id) }
    }

    /// The names `scope`'s clients had recorded in the previous run.
    public func recordedClients(scope: String) -> [[UInt8]] {
        (state.records?.previous ?? []).filter { $0.scope == scope }.map(\.name).sorted { $0.lexicographicallyPrecedes($1) }
    }

    public var leaseSeconds: UInt32 { state.configuration.leaseSeconds }

    public var inGrace: Bool { state.with { $0.inGrace(now: monotonicNanoseconds()) } }

    /// A module's upcall: break every lease on its object (in every mount
    /// it serves) down to `keep`.
    public func breakLeases(module: VFSModuleInstance, handle: [UInt8], keeping keep: UInt32) {
        var effects = StateEffects()
        let now = monotonicNanoseconds()
        for mount in mounts where mount.module === module {
            guard let key = ObjectKey(mount.id.bytes + handle) else { continue }
            state.with { $0.breakAll(key, keeping: keep, now: now, effects: &effects) }
        }
        carryOut(effects)
    }

    /// SIGTERM: every client's state goes; waiting requests end.
    public func dropAllState() {
        var effects = StateEffects()
        state.with { $0.dropAll(effects: &effects) }
        carryOut(effects)
        state.records?.flush()
    }
}

// MARK: Requests

extension VFSCore {
    /// After authorization: answer the state ops, and hold or refuse other
    /// requests that conflict with open state. True: route on now.
    func admitState(_ request: UnsafeMutablePointer<chimera_vfs_request>, _ mount: Mount) -> Bool {
        switch OpTraits.of(request.pointee.op).state {
        case .stateOp:
            stateOp(request)
            return false
        case .lockOp:
            // A module that keeps its own locks gets them; a 1.0 / 1.1
            // module gets them first and the core answers on NOTSUP.
            if mount.module.capabilities & CHIMERA_VFS_CAP_LOCKS != 0 || mount.module.abiMinor < 2 { return true }
            lockOp(request)
            return false
        default:
            break
        }
        if state.isIdle { return true }
        let plan = StatePlan(request)
        if plan.isEmpty { return true }
        if plan.needsChildren {
            resolveChildren(request, mount, plan)
            return false
        }
        return admit(request, plan)
    }

    /// Check each target; on a conflict that waits, the request is parked
    /// and routed again when the state changes.
    private func admit(_ request: UnsafeMutablePointer<chimera_vfs_request>, _ plan: StatePlan) -> Bool {
        let now = monotonicNanoseconds()
        let waiter = request.pointee.flags & CHIMERA_VFS_REQ_NO_WAIT == 0 ? recheckWaiter(request, now: now) : nil
        var effects = StateEffects()
        let refusal: VFSStatus? = state.with { table in
            let requester = table.requester(
                client: request.pointee.state_client_id, open: request.pointee.state_open_id)
            for index in 0..<plan.count {
                let target = plan[index]
                guard let key = target.object else { continue }
                if let status = table.admit(
                    key, target.access, requester: requester, now: now, waiter: waiter, effects: &effects)
                {
                    return status
                }
            }
            return nil
        }
        carryOut(effects)
        switch refusal {
        case nil:
            return true
        case .ok?:
            // Parked until the breaks finish.
            request.flags.insert(.parked)
            return false
        case let status?:
            complete(request, status)
            return false
        }
    }

    private func recheckWaiter(_ request: UnsafeMutablePointer<chimera_vfs_request>, now: UInt64) -> Waiter {
        // Past the break deadline the lease is revoked and the request
        // woken; the extra second is a backstop.
        Waiter(
            request: RequestBox(request), thread: request.pointee.thread_index, kind: .recheck,
            deadline: now &+ UInt64(state.configuration.breakSeconds + 1) * 1_000_000_000)
    }

    /// Look up the entries a name op acts on (the object REMOVE removes,
    /// RENAME moves or replaces), then admit.
    private func resolveChildren(_ request: UnsafeMutablePointer<chimera_vfs_request>, _ mount: Mount, _ plan: StatePlan) {
        var plan = plan
        guard let index = plan.firstUnresolved else {
            if admit(request, plan) { routeAdmitted(request, mount) }
            return
        }
        let target = plan[index]
        let now = monotonicNanoseconds()
        let cached: [UInt8]?? = names.lookup(
            directory: target.directory, name: target.name, hash: keyHash(target.directory, target.name), now: now
        ) { (answer) -> [UInt8]? in
            switch answer {
            case .absent: return nil
            case .child(let child): return Array(child)
            }
        }
        if let cached {
            plan.resolve(index, handle: cached)
            resolveChildren(request, mount, plan)
            return
        }
        let step = makeInternalRequest(thread: request.pointee.thread_index) { [unowned self] step in
            var plan = plan
            switch VFSStatus(rawValue: step.pointee.status) {
            case .ok: plan.resolve(index, handle: Array(step.resultHandleBytes))
            case let status:
                if status != .noEntry {
                    complete(request, status)
                    return
                }
                plan.resolve(index, handle: nil)
            }
            resolveChildren(request, mount, plan)
        }
        step.pointee.op = UInt32(CHIMERA_VFS_OP_LOOKUP)
        step.pointee.cred = request.pointee.cred
        step.pointee.flags = request.pointee.flags
        step.pointee.fh = target.directory.baseAddress?.assumingMemoryBound(to: UInt8.self)
        step.pointee.fh_len = UInt32(target.directory.count)
        step.pointee.lookup.name = target.name.baseAddress?.assumingMemoryBound(to: CChar.self)
        step.pointee.lookup.name_len = UInt32(target.name.count)
        submitAuthorized(step)
    }

    /// A parked request may go on: admit it again (its conflicts may be
    /// gone, or be new ones), then route it.
    func resumeParked(_ request: UnsafeMutablePointer<chimera_vfs_request>) {
        request.flags.remove(.parked)
        let index = Int(request.scratch[Scratch.mount]) - 1
        guard index >= 0 else {
            complete(request, .stale)
            return
        }
        let mount = mounts[index]
        if admitState(request, mount) { routeAdmitted(request, mount) }
    }

    /// Deliver what a change of state set off, each on its own loop.
    func carryOut(_ effects: StateEffects) {
        guard !effects.isEmpty else { return }
        for notice in effects.notices {
            let owner = notice.owner
            let message = notice.notice
            executor.execute(onLoop: notice.thread) { owner.leaseBreak(message) }
        }
        for waiter in effects.wake {
            let box = waiter.request
            executor.execute(onLoop: waiter.thread) { [unowned self] in self.resumeParked(box.request) }
        }
        for (waiter, status) in effects.finish {
            let box = waiter.request
            executor.execute(onLoop: waiter.thread) { [unowned self] in
                box.request.flags.remove(.parked)
                self.complete(box.request, status)
            }
        }
        for record in effects.forgotten { state.records?.remove(record) }
    }

    /// Once a second, on loop 0: revoke late breaks, end long waits,
    /// expire silent clients, end grace.
    func sweepState() {
        let now = monotonicNanoseconds()
        var effects = StateEffects()
        state.with { table in
            table.sweep(now: now, effects: &effects)
            for id in table.expired(now: now) { table.releaseClient(id, effects: &effects) }
        }
        carryOut(effects)
    }

    // MARK: The state ops

    private func stateOp(_ request: UnsafeMutablePointer<chimera_vfs_request>) {
        guard let object = ObjectKey(request.handleBytes) else {
            complete(request, .badHandle)
            return
        }
        let now = monotonicNanoseconds()
        var effects = StateEffects()
        let status: VFSStatus?
        switch Int32(request.pointee.op) {
        case CHIMERA_VFS_OP_STATE_OPEN:
            let a = request.pointee.state_open
            let arguments = StateTable.OpenArguments(
                client: a.client, owner: Self.ownerBytes(a.owner, a.owner_len), access: a.access, deny: a.deny,
                reclaim: a.flags & CHIMERA_VFS_STATE_RECLAIM != 0, leaseLevel: a.lease_level,
                leaseKey: LeaseKey(tuple: a.lease_key))
            let waiter = request.pointee.flags & CHIMERA_VFS_REQ_NO_WAIT == 0 ? recheckWaiter(request, now: now) : nil
            let decision = state.with { $0.open(object, arguments, now: now, waiter: waiter, effects: &effects) }
            switch decision {
            case .wait:
                request.flags.insert(.parked)
                status = nil
            case .done(let answer, let result):
                request.pointee.state_open.r_open = result.open
                request.pointee.state_open.r_lease = result.lease
                request.pointee.state_open.r_lease_level = result.leaseLevel
                request.pointee.state_open.r_lease_epoch = result.epoch
                status = answer
            }
        case CHIMERA_VFS_OP_STATE_CLOSE:
            let a = request.pointee.state_close
            status = state.with {
                $0.close(
                    client: a.client, open: a.open, releaseLocks: a.flags & CHIMERA_VFS_CLOSE_RELEASE_LOCKS != 0,
                    effects: &effects)
            }
        case CHIMERA_VFS_OP_STATE_DOWNGRADE:
            let a = request.pointee.state_open
            status = state.with {
                $0.downgrade(client: a.client, open: a.r_open, access: a.access, deny: a.deny, effects: &effects)
            }
        case CHIMERA_VFS_OP_LEASE:
            let a = request.pointee.lease
            let (answer, epoch) = state.with {
                $0.setLease(client: a.client, lease: a.lease, level: a.level, effects: &effects)
            }
            request.pointee.lease.r_epoch = epoch
            status = answer
        default:
            // LOCK_CANCEL
            guard let lock = Self.lockRecord(request) else {
                complete(request, .invalid)
                return
            }
            status = state.with { $0.cancel(object, lock, effects: &effects) }
        }
        carryOut(effects)
        if let status { complete(request, status) }
    }

    /// LOCK, UNLOCK and TEST_LOCK from the core's table (also the fallback
    /// when a 1.0 / 1.1 module answers NOTSUP).
    func lockOp(_ request: UnsafeMutablePointer<chimera_vfs_request>) {
        guard let object = ObjectKey(request.handleBytes) else {
            complete(request, .badHandle)
            return
        }
        guard let lock = Self.lockRecord(request) else {
            complete(request, .invalid)
            return
        }
        let flags = request.pointee.lock.flags
        let now = monotonicNanoseconds()
        var effects = StateEffects()
        let outcome: StateTable.LockOutcome
        switch Int32(request.pointee.op) {
        case CHIMERA_VFS_OP_LOCK:
            guard request.pointee.lock.type == CHIMERA_VFS_LOCK_READ || request.pointee.lock.type == CHIMERA_VFS_LOCK_WRITE
            else {
                complete(request, .invalid)
                return
            }
            let waiter =
                flags & CHIMERA_VFS_LOCK_WAIT != 0
                ? Waiter(
                    request: RequestBox(request), thread: request.pointee.thread_index, kind: .lock(lock),
                    deadline: now &+ UInt64(state.configuration.lockWaitSeconds) * 1_000_000_000)
                : nil
            let recordWaiter = request.pointee.flags & CHIMERA_VFS_REQ_NO_WAIT == 0 ? recheckWaiter(request, now: now) : nil
            outcome = state.with {
                $0.lock(
                    object, lock, reclaim: flags & CHIMERA_VFS_LOCK_RECLAIM != 0, now: now, waiter: waiter,
                    recordWaiter: recordWaiter)
            }
        case CHIMERA_VFS_OP_UNLOCK:
            let status = state.with { $0.unlock(object, lock, effects: &effects) }
            outcome = status == .ok ? .granted : .refused(status)
        default:
            outcome = state.with { $0.testLock(object, lock) }.map { .conflict($0) } ?? .granted
        }
        carryOut(effects)
        switch outcome {
        case .granted:
            complete(request, .ok)
        case .waiting:
            request.flags.insert(.parked)
        case .refused(let status):
            complete(request, status)
        case .conflict(let holder):
            withUnsafeMutableBytes(of: &request.pointee.lock.r_conflict_owner) { out in
                holder.owner.withUnsafeBytes { out.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0.prefix(out.count))) }
            }
            request.pointee.lock.r_conflict_owner_len = UInt32(holder.owner.count)
            request.pointee.lock.r_conflict_type = holder.write ? CHIMERA_VFS_LOCK_WRITE : CHIMERA_VFS_LOCK_READ
            request.pointee.lock.r_conflict_offset = holder.start
            request.pointee.lock.r_conflict_length = holder.end == UInt64.max ? UInt64.max : holder.end - holder.start
            complete(request, .locked)
        }
    }

    static func lockRecord(_ request: UnsafeMutablePointer<chimera_vfs_request>) -> StateTable.LockRecord? {
        let a = request.pointee.lock
        guard a.owner_len <= UInt32(CHIMERA_VFS_LOCK_OWNER_MAX),
            let (start, end) = lockRange(offset: a.offset, length: a.length)
        else { return nil }
        return StateTable.LockRecord(
            client: a.client, owner: ownerBytes(a.owner, a.owner_len), open: a.open,
            write: a.type == CHIMERA_VFS_LOCK_WRITE, mandatory: a.flags & CHIMERA_VFS_LOCK_MANDATORY != 0,
            start: start, end: end)
    }

    /// [offset, offset + length) as [start, end); length UINT64_MAX (or
    /// past the end of the range) runs to the end of the file. Length 0 is
    /// invalid.
    static func lockRange(offset: UInt64, length: UInt64) -> (UInt64, UInt64)? {
        if length == 0 { return nil }
        let (end, overflow) = offset.addingReportingOverflow(length)
        return (offset, overflow || length == UInt64.max ? UInt64.max : end)
    }

    static func ownerBytes<T>(_ tuple: T, _ length: UInt32) -> [UInt8] {
        withUnsafeBytes(of: tuple) { Array($0.prefix(min(Int(length), Int(CHIMERA_VFS_LOCK_OWNER_MAX)))) }
    }
}

/// The objects a request touches and how, for the open state: from the
/// op's traits (``OpTraits``) and its arguments.
struct StatePlan {
    struct Target {
        /// nil until a name is looked up (`directory` + `name`).
        var object: ObjectKey?
        var directory: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0)
        var name: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0)
        var access: StateAccess
        var resolved = true
    }

    /// At most two (RENAME's source and destination, a copy's two files),
    /// held inline: planning allocates nothing on the I/O path.
    private var first: Target?
    private var second: Target?
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }
    var needsChildren: Bool { firstUnresolved != nil }
    var firstUnresolved: Int? {
        if let first, !first.resolved { return 0 }
        if let second, !second.resolved { return 1 }
        return nil
    }

    subscript(index: Int) -> Target {
        get { index == 0 ? first! : second! }
        set {
            if index == 0 { first = newValue } else { second = newValue }
        }
    }

    private mutating func append(_ target: Target) {
        if count == 0 { first = target } else { second = target }
        count += 1
    }

    mutating func resolve(_ index: Int, handle: [UInt8]?) {
        self[index].resolved = true
        self[index].object = handle.flatMap { ObjectKey($0) }
    }

    init(_ request: UnsafeMutablePointer<chimera_vfs_request>) {
        let r = request.pointee
        func object(_ access: StateAccess) {
            append(Target(object: ObjectKey(request.handleBytes), access: access))
        }
        func child(_ directory: UnsafeRawBufferPointer, _ name: UnsafeRawBufferPointer, _ access: StateAccess) {
            append(Target(object: nil, directory: directory, name: name, access: access, resolved: false))
        }
        let data = Lease.read | Lease.write
        let traits = OpTraits.of(r.op)
        switch traits.state {
        case .readsData:
            object(StateAccess(breaks: Lease.write, needs: Share.read, range: Self.range(r.read.offset, r.read.length)))
        case .writesData where r.op == UInt32(CHIMERA_VFS_OP_WRITE):
            object(
                StateAccess(
                    breaks: data, needs: Share.write, range: Self.range(r.write.offset, r.write.length), writes: true))
        case .writesData:
            object(StateAccess(breaks: data, needs: Share.write, writes: true))
        case .setsAttributes:
            if r.setattr.attrs.valid_mask & CHIMERA_ATTR_SIZE != 0 {
                object(StateAccess(breaks: data, needs: Share.write, writes: true))
            } else {
                object(StateAccess(breaks: Lease.write, needs: 0))
            }
        case .copies:
            object(StateAccess(breaks: Lease.write, needs: Share.read))
            append(
                Target(
                    object: ObjectKey(traits.second.bytes(request)),
                    access: StateAccess(breaks: data, needs: Share.write, writes: true)))
        case .removesEntry:
            child(request.handleBytes, VFSRequest.bytes(r.remove.name, r.remove.name_len),
                  StateAccess(breaks: Lease.handle, needs: Share.delete))
        case .renamesEntries:
            let access = StateAccess(breaks: Lease.handle, needs: Share.delete)
            child(request.handleBytes, VFSRequest.bytes(r.rename.name, r.rename.name_len), access)
            child(
                UnsafeRawBufferPointer(start: r.rename.new_dir_fh, count: Int(r.rename.new_dir_fh_len)),
                VFSRequest.bytes(r.rename.new_name, r.rename.new_name_len), access)
        case .replacesEntry:
            let replace = r.op == UInt32(CHIMERA_VFS_OP_LINK) ? r.link.flags : r.link_at.flags
            guard replace & CHIMERA_VFS_LINK_REPLACE != 0 else { break }
            // The new name lives in the second handle's directory.
            child(traits.second.bytes(request), VFSRequest(request).name,
                  StateAccess(breaks: Lease.handle, needs: Share.delete))
        case .truncatesEntry where r.open_at.flags & CHIMERA_VFS_OPEN_TRUNCATE != 0:
            child(request.handleBytes, VFSRequest.bytes(r.open_at.name, r.open_at.name_len),
                  StateAccess(breaks: data, needs: Share.write, writes: true))
        case .none, .stateOp, .lockOp, .truncatesEntry:
            break
        }
    }

    static func range(_ offset: UInt64, _ length: UInt32) -> (start: UInt64, end: UInt64)? {
        guard length > 0 else { return nil }
        let (end, overflow) = offset.addingReportingOverflow(UInt64(length))
        return (offset, overflow ? UInt64.max : end)
    }
}
