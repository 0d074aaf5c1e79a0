import CChimera
import ChimeraPluginKit
import Synchronization

/// Lease breaks one of the kit's fake front-end clients was told of.
final class ConformanceBreaks: Sendable {
    private let received = Mutex<[LeaseBreak]>([])

    func record(_ notice: LeaseBreak) { received.withLock { $0.append(notice) } }

    var count: Int { received.withLock { $0.count } }

    /// The n-th break (from 1), waiting at most `seconds`.
    func number(_ n: Int, within seconds: Int = 10) async -> LeaseBreak? {
        for _ in 0..<(seconds * 50) {
            if let got = received.withLock({ $0.count >= n ? $0[n - 1] : nil }) { return got }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }
}

/// The state chapter: the core's open state (chimera_vfs.h, "Open state")
/// over the module's files, as two fake front-ends' clients use it: share
/// modes, byte-range locks (split, upgrade, blocking waits), lease breaks on
/// conflicting opens and writes, revocation, client expiry and release. A
/// module that keeps its own locks (CHIMERA_VFS_CAP_LOCKS) answers the lock
/// checks itself.
extension ConformanceChecks {
    static let read = CHIMERA_VFS_SHARE_READ
    static let write = CHIMERA_VFS_SHARE_WRITE
    static let delete = CHIMERA_VFS_SHARE_DELETE
    static let rwh = CHIMERA_VFS_LEASE_READ | CHIMERA_VFS_LEASE_HANDLE | CHIMERA_VFS_LEASE_WRITE

    static let state: [ConformanceCheck] = [
        ConformanceCheck("state.share-modes") { c in
            let (a, _) = try c.stateClient("share-a")
            let (b, _) = try c.stateClient("share-b")
            defer { c.release(a, b) }
            let dir = c.directory
            let file = try await c.file("reserved")
            let first = try c.ok(
                await c.client.stateOpen(file, client: a, owner: 1, access: read, deny: write | delete), "open deny write")
            let again = try c.ok(await c.client.stateOpen(file, client: a, owner: 1, access: read), "the same owner again")
            try c.check(again.openHandle == first.openHandle, "a second open of one owner is a new open, not an upgrade")
            try c.expect(
                await c.client.stateOpen(file, client: b, owner: 1, access: write), .shareViolation,
                what: "another client's write open against deny write")
            try c.ok(await c.client.stateOpen(file, client: b, owner: 1, access: read), "another client's read open")
            try c.expect(
                await c.client.stateOpen(file, client: b, owner: 2, access: read, deny: read), .shareViolation,
                what: "deny read while a read open exists")
            try c.expect(await c.client.write(file, offset: 0, [1]), .shareViolation, what: "stateless write against deny write")
            try c.ok(await c.client.read(file, offset: 0, length: 1), "stateless read")
            try c.expect(
                await c.client.remove(dir, c.name("reserved")), .shareViolation, what: "remove against deny delete")
            try c.ok(await c.client.stateClose(file, client: a, open: first.openHandle), "close")
            try c.expect(
                await c.client.stateClose(file, client: a, open: first.openHandle), .badState, what: "a second close")
            try c.ok(await c.client.write(file, offset: 0, [1]), "write after the close")
        },
        ConformanceCheck("state.lock-split-merge") { c in
            let (a, _) = try c.stateClient("split-a")
            let (b, _) = try c.stateClient("split-b")
            defer { c.release(a, b) }
            let file = try await c.file("split")
            try c.ok(await c.client.lock(CHIMERA_VFS_OP_LOCK, file, client: a, owner: 1, offset: 0, length: 50), "lock 0-50")
            try c.ok(await c.client.lock(CHIMERA_VFS_OP_LOCK, file, client: a, owner: 1, offset: 50, length: 50), "lock 50-100")
            try c.ok(await c.client.lock(CHIMERA_VFS_OP_UNLOCK, file, client: a, owner: 1, offset: 40, length: 20), "unlock 40-60")
            try c.ok(
                await c.client.lock(CHIMERA_VFS_OP_LOCK, file, client: b, owner: 1, offset: 45, length: 10),
                "lock in the hole the unlock left")
            let left = await c.client.lock(CHIMERA_VFS_OP_TEST_LOCK, file, client: b, owner: 1, offset: 30, length: 11)
            try c.expect(left, .locked, what: "test across the left piece")
            try c.check(left.offset == 0 && left.length == 40, "the left piece is \(left.offset)+\(left.length), not 0+40")
            try c.check(left.data == [1], "the conflict names owner \(left.data), not [1]")
            let right = await c.client.lock(CHIMERA_VFS_OP_TEST_LOCK, file, client: b, owner: 1, offset: 99, length: 5)
            try c.expect(right, .locked, what: "test across the right piece")
            try c.check(right.offset == 60 && right.length == 40, "the right piece is \(right.offset)+\(right.length)")
            // The same owner bytes of another client are another holder.
            try c.expect(
                await c.client.lock(CHIMERA_VFS_OP_LOCK, file, client: b, owner: 1, offset: 70, length: 1), .locked,
                what: "another client's lock inside a's range")
            try c.ok(
                await c.client.lock(CHIMERA_VFS_OP_LOCK, file, client: a, owner: 1, offset: UInt64.max - 10, length: UInt64.max),
                "lock to the end of the file")
        },
        ConformanceCheck("state.lock-upgrade") { c in
            let (a, _) = try c.stateClient("upgrade-a")
            let (b, _) = try c.stateClient("upgrade-b")
            defer { c.release(a, b) }
            let file = try await c.file("upgrade")
            try c.ok(
                await c.client.lock(CHIMERA_VFS_OP_LOCK, file, client: a, owner: 1, offset: 0, length: 10, write: false),
                "a's read lock")
            try c.ok(
                await c.client.lock(CHIMERA_VFS_OP_LOCK, file, client: b, owner: 1, offset: 5, length: 10, write: false),
                "b's overlapping read lock")
            try c.expect(
                await c.client.lock(CHIMERA_VFS_OP_LOCK, file, client: a, owner: 1, offset: 0, length: 10), .locked,
                what: "a's upgrade while b reads")
            try c.ok(await c.client.lock(CHIMERA_VFS_OP_UNLOCK, file, client: b, owner: 1, offset: 0, length: 100), "b's unlock")
            try c.ok(await c.client.lock(CHIMERA_VFS_OP_LOCK, file, client: a, owner: 1, offset: 0, length: 10), "a's upgrade")
            try c.expect(
                await c.client.lock(CHIMERA_VFS_OP_TEST_LOCK, file, client: b, owner: 1, offset: 0, length: 1, write: false),
                .locked, what: "b's read test against a's write lock")
            try c.ok(
                await c.client.lock(CHIMERA_VFS_OP_LOCK, file, client: a, owner: 1, offset: 0, length: 10, write: false),
                "a's downgrade")
            try c.ok(
                await c.client.lock(CHIMERA_VFS_OP_TEST_LOCK, file, client: b, owner: 1, offset: 0, length: 1, write: false),
                "b's read test after the downgrade")
        },
        ConformanceCheck("state.blocking-lock") { c in
            let (a, _) = try c.stateClient("block-a")
            let (b, _) = try c.stateClient("block-b", thread: 1)
            defer { c.release(a, b) }
            let file = try await c.file("blocking")
            try c.ok(await c.client.lock(CHIMERA_VFS_OP_LOCK, file, client: a, owner: 1, offset: 0, length: 10), "a's lock")
            let waiting = c.background { client in
                await client.lock(CHIMERA_VFS_OP_LOCK, file, client: b, owner: 2, offset: 5, length: 1, wait: true, thread: 1)
            }
            try await Task.sleep(for: .milliseconds(200))
            try c.check(!waiting.isDone, "a waiting lock was answered while the conflicting lock was held")
            try c.ok(await c.client.lock(CHIMERA_VFS_OP_UNLOCK, file, client: a, owner: 1, offset: 0, length: 10), "a's unlock")
            try c.ok(await waiting.value, "the waiting lock, once a unlocked")
            try c.expect(
                await c.client.lock(CHIMERA_VFS_OP_TEST_LOCK, file, client: a, owner: 1, offset: 5, length: 1), .locked,
                what: "the granted waiter's lock")
            let cancelled = c.background { client in
                await client.lock(CHIMERA_VFS_OP_LOCK, file, client: a, owner: 1, offset: 0, length: 100, wait: true)
            }
            try await Task.sleep(for: .milliseconds(200))
            try c.ok(
                await c.client.lock(CHIMERA_VFS_OP_LOCK_CANCEL, file, client: a, owner: 1, offset: 0, length: 100),
                "cancel of the waiting lock")
            try c.expect(await cancelled.value, .canceled, what: "the cancelled wait")
        },
        ConformanceCheck("state.lease-break-on-open") { c in
            let (a, breaks) = try c.stateClient("lease-a", thread: 1)
            let (b, _) = try c.stateClient("lease-b")
            defer { c.release(a, b) }
            let file = try await c.file("leased")
            let held = try c.ok(
                await c.client.stateOpen(file, client: a, owner: 1, access: read | write, lease: rwh, key: 1), "open with RWH")
            try c.check(held.length == UInt64(rwh), "the only opener got lease level \(held.length), not RWH")
            let opening = c.background { client in
                await client.stateOpen(file, client: b, owner: 1, access: read | write, key: 2)
            }
            guard let notice = await breaks.number(1) else { throw c.fail("no lease break for a conflicting open") }
            try c.check(notice.lease == held.offset, "the break names lease \(notice.lease), not \(held.offset)")
            try c.check(notice.newLevel == CHIMERA_VFS_LEASE_HANDLE, "a write open breaks RWH to \(notice.newLevel), not H")
            try c.check(!opening.isDone, "the conflicting open ran before the holder answered the break")
            try c.ok(
                await c.client.lease(file, client: a, lease: held.offset, level: CHIMERA_VFS_LEASE_HANDLE),
                "acknowledge the break")
            try c.ok(await opening.value, "the conflicting open after the acknowledgement")
            // A third open by the holder's own key breaks nothing.
            try c.ok(
                await c.client.stateOpen(file, client: a, owner: 2, access: read, lease: rwh, key: 1),
                "the holder's own second open")
            try c.check(breaks.count == 1, "the holder's own open broke its lease")
        },
        ConformanceCheck("state.lease-break-on-write") { c in
            let (a, breaks) = try c.stateClient("write-a", thread: 1)
            defer { c.release(a) }
            let file = try await c.file("written")
            let held = try c.ok(
                await c.client.stateOpen(file, client: a, owner: 1, access: read, lease: rwh, key: 1), "open with RWH")
            let writing = c.background { client in await client.write(file, offset: 0, [7]) }
            guard let notice = await breaks.number(1) else { throw c.fail("no lease break for a stateless write") }
            try c.check(notice.newLevel == CHIMERA_VFS_LEASE_HANDLE, "a write breaks RWH to \(notice.newLevel), not H")
            try c.check(!writing.isDone, "the write ran before the holder answered the break")
            try c.ok(await c.client.lease(file, client: a, lease: held.offset, level: 0), "give the lease back")
            try c.ok(await writing.value, "the write after the lease went")
        },
        ConformanceCheck("state.lease-revoked") { c in
            let (a, breaks) = try c.stateClient("revoke-a")
            defer { c.release(a) }
            let file = try await c.file("revoked")
            try c.ok(await c.client.stateOpen(file, client: a, owner: 1, access: read, lease: rwh, key: 1), "open with RWH")
            // The holder never answers: the write goes on once the break
            // timeout revokes the lease.
            try c.ok(await c.client.write(file, offset: 0, [7]), "a write against a silent holder")
            guard let revoked = await breaks.number(2) else { throw c.fail("the holder was not told of the revocation") }
            try c.check(revoked.revoked, "the second notice is not a revocation")
        },
        ConformanceCheck("state.client-expiry") { c in
            let (a, _) = try c.stateClient("expiring", expires: true)
            let (b, _) = try c.stateClient("survivor")
            defer { c.release(a, b) }
            let file = try await c.file("expiry")
            try c.ok(await c.client.lock(CHIMERA_VFS_OP_LOCK, file, client: a, owner: 1, offset: 0, length: 1), "lock")
            try c.expect(
                await c.client.lock(CHIMERA_VFS_OP_LOCK, file, client: b, owner: 1, offset: 0, length: 1), .locked,
                what: "lock while the holder lives")
            let seconds = Int(c.client.target.stateLeaseSeconds) + 3
            var free = false
            for _ in 0..<(seconds * 10) {
                if await c.client.lock(CHIMERA_VFS_OP_LOCK, file, client: b, owner: 1, offset: 0, length: 1).ok {
                    free = true
                    break
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            try c.check(free, "an unrenewed client's lock outlived \(seconds) s")
            try c.expect(
                await c.client.lock(CHIMERA_VFS_OP_LOCK, file, client: a, owner: 1, offset: 10, length: 1), .expired,
                what: "a lock by the expired client")
        },
        ConformanceCheck("state.client-gone") { c in
            let (a, _) = try c.stateClient("leaving")
            let (b, _) = try c.stateClient("staying")
            defer { c.release(b) }
            let file = try await c.file("gone")
            try c.ok(await c.client.stateOpen(file, client: a, owner: 1, access: read, deny: write), "open deny write")
            try c.ok(await c.client.lock(CHIMERA_VFS_OP_LOCK, file, client: a, owner: 1, offset: 0, length: 1), "lock")
            c.release(a)
            try c.ok(await c.client.stateOpen(file, client: b, owner: 1, access: write), "write open after the client went")
            try c.ok(await c.client.lock(CHIMERA_VFS_OP_LOCK, file, client: b, owner: 1, offset: 0, length: 1), "lock after")
        },
    ]
}

/// A request running beside the check (a waiting lock, a held open).
final class ConformanceBackground<T: Sendable>: Sendable {
    private let task: Task<T, Never>
    private let finished: Flag

    final class Flag: Sendable {
        let value = Atomic<Bool>(false)
    }

    init(_ body: @escaping @Sendable () async -> T) {
        let finished = Flag()
        self.finished = finished
        task = Task {
            let value = await body()
            finished.value.store(true, ordering: .releasing)
            return value
        }
    }

    var isDone: Bool { finished.value.load(ordering: .acquiring) }
    var value: T { get async { await task.value } }
}

extension ConformanceContext {
    /// A client of the core's open state, with the breaks it hears; skips
    /// the check when the target has no open state.
    func stateClient(_ name: String, thread: Int = 0, expires: Bool = false) throws -> (UInt64, ConformanceBreaks) {
        let breaks = ConformanceBreaks()
        guard let id = client.target.makeStateClient(
            name: name + "-\(UInt64.random(in: 0..<UInt64.max))", thread: thread % max(threadCount, 1), expires: expires,
            onBreak: { breaks.record($0) })
        else { throw ConformanceSkip(reason: "the target has no open state") }
        return (id, breaks)
    }

    func release(_ clients: UInt64...) {
        for id in clients { client.target.releaseStateClient(id) }
    }

    /// Run `body` with the client beside the check.
    func background<T: Sendable>(_ body: @escaping @Sendable (ConformanceClient) async -> T) -> ConformanceBackground<T> {
        let shared = ConformanceShared(value: client)
        return ConformanceBackground { await body(shared.value) }
    }
}
