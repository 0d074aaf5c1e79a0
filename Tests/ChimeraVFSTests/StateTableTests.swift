import CChimera
import ChimeraPluginKit
import Glibc
import Logging
import Synchronization
import Testing

@testable import ChimeraVFS

/// A front-end's client that records the breaks it is told of.
final class RecordingOwner: StateClientOwner, Sendable {
    let breaks = Mutex<[LeaseBreak]>([])
    func leaseBreak(_ notice: LeaseBreak) { breaks.withLock { $0.append(notice) } }
}

@Suite("open state table")
struct StateTableTests {
    let file = ObjectKey([1, 2, 3])!
    let other = ObjectKey([9])!

    func table(_ body: (inout StateTable.Limits) -> Void = { _ in }) -> StateTable {
        var limits = StateTable.Limits()
        body(&limits)
        return StateTable(limits: limits)
    }

    func client(_ t: inout StateTable, _ name: String, expires: Bool = false) -> UInt64 {
        try! t.createClient(
            record: .init(scope: "test", name: Array(name.utf8)), owner: RecordingOwner(), thread: 0, clientPrivate: 0,
            expires: expires, recorded: false, now: 0
        ).get()
    }

    func lock(_ client: UInt64, _ owner: UInt8, write: Bool, _ start: UInt64, _ end: UInt64, open: UInt64 = 0)
        -> StateTable.LockRecord
    {
        .init(client: client, owner: [owner], open: open, write: write, mandatory: false, start: start, end: end)
    }

    func granted(_ outcome: StateTable.LockOutcome) -> Bool {
        if case .granted = outcome { return true }
        return false
    }

    func conflictOwner(_ outcome: StateTable.LockOutcome) -> [UInt8]? {
        if case .conflict(let holder) = outcome { return holder.owner }
        return nil
    }

    func waiter(_ kind: Waiter.Kind = .recheck, deadline: UInt64 = .max) -> Waiter {
        Waiter(request: RequestBox(UnsafeMutablePointer(bitPattern: 0x1000)!), thread: 0, kind: kind, deadline: deadline)
    }

    func openArgs(_ client: UInt64, owner: UInt8 = 1, access: UInt32, deny: UInt32 = 0, lease: UInt32 = 0,
                  key: UInt64 = 0) -> StateTable.OpenArguments {
        .init(client: client, owner: [owner], access: access, deny: deny, reclaim: false, leaseLevel: lease,
              leaseKey: LeaseKey(high: key, low: 0))
    }

    @Test("locks: writers exclude, readers share, an owner replaces, splits and merges its own")
    func locks() {
        var t = table()
        let a = client(&t, "a")
        let b = client(&t, "b")
        #expect(granted(t.lock(file, lock(a, 1, write: true, 0, 100), reclaim: false, now: 0, waiter: nil)))
        #expect(conflictOwner(t.lock(file, lock(b, 1, write: false, 50, 60), reclaim: false, now: 0, waiter: nil)) == [1])
        #expect(granted(t.lock(file, lock(b, 1, write: false, 100, 200), reclaim: false, now: 0, waiter: nil)))
        // a downgrades the middle: b may read there, not write.
        #expect(granted(t.lock(file, lock(a, 1, write: false, 40, 70), reclaim: false, now: 0, waiter: nil)))
        #expect(t.testLock(file, lock(b, 1, write: false, 50, 60)) == nil)
        #expect(t.testLock(file, lock(b, 1, write: true, 50, 60))?.client == a)
        #expect(t.testLock(file, lock(b, 1, write: false, 10, 20))?.client == a)
        // The same owner bytes under another client are another holder.
        #expect(t.testLock(file, lock(b, 1, write: true, 0, 10)) != nil)
        // Unlock of the middle splits a's write lock in two.
        var effects = StateEffects()
        #expect(t.unlock(file, lock(a, 1, write: false, 40, 70), effects: &effects) == .ok)
        #expect(t.testLock(file, lock(b, 1, write: true, 45, 65)) == nil)
        #expect(t.testLock(file, lock(b, 1, write: true, 30, 41))?.end == 40)
        #expect(t.testLock(file, lock(b, 1, write: true, 69, 71))?.start == 70)
        // Adjacent ranges of one kind merge: one record.
        #expect(granted(t.lock(other, lock(a, 2, write: true, 0, 10), reclaim: false, now: 0, waiter: nil)))
        #expect(granted(t.lock(other, lock(a, 2, write: true, 10, 20), reclaim: false, now: 0, waiter: nil)))
        #expect(t.files[other]!.locks.count == 1)
        #expect(t.files[other]!.locks[0].start == 0 && t.files[other]!.locks[0].end == 20)
    }

    @Test("a waiting lock is granted when the conflict goes, in order, and a cancel ends it")
    func waiting() {
        var t = table()
        let a = client(&t, "a")
        let b = client(&t, "b")
        #expect(granted(t.lock(file, lock(a, 1, write: true, 0, 10), reclaim: false, now: 0, waiter: nil)))
        let wanted = lock(b, 1, write: true, 5, 6)
        if case .waiting = t.lock(file, wanted, reclaim: false, now: 0, waiter: waiter(.lock(wanted))) {} else {
            Issue.record("expected the lock to wait")
        }
        var effects = StateEffects()
        #expect(t.unlock(file, lock(a, 1, write: true, 0, 10), effects: &effects) == .ok)
        #expect(effects.finish.count == 1 && effects.finish.first?.1 == .ok)
        #expect(t.testLock(file, lock(a, 1, write: true, 5, 6))?.client == b)
        // Cancel: a waits on b's lock, then gives up.
        let second = lock(a, 1, write: true, 0, 100)
        _ = t.lock(file, second, reclaim: false, now: 0, waiter: waiter(.lock(second)))
        effects = StateEffects()
        #expect(t.cancel(file, second, effects: &effects) == .ok)
        #expect(effects.finish.first?.1 == .canceled)
        #expect(t.cancel(file, second, effects: &effects) == .noEntry)
    }

    @Test("share modes: deny meets access both ways; the same owner upgrades its open")
    func shares() {
        var t = table()
        let a = client(&t, "a")
        let b = client(&t, "b")
        var effects = StateEffects()
        guard case .done(.ok, let first) = t.open(file, openArgs(a, access: Share.read, deny: Share.write), now: 0,
                                                   waiter: nil, effects: &effects)
        else { Issue.record("first open"); return }
        if case .done(let status, _) = t.open(file, openArgs(b, access: Share.write), now: 0, waiter: nil, effects: &effects) {
            #expect(status == .shareViolation)
        }
        if case .done(let status, _) = t.open(file, openArgs(b, access: Share.read), now: 0, waiter: nil, effects: &effects) {
            #expect(status == .ok)
        }
        // a's second open of the same owner is the same open, upgraded.
        if case .done(let status, let again) = t.open(file, openArgs(a, access: Share.read, deny: Share.delete), now: 0,
                                                       waiter: nil, effects: &effects) {
            #expect(status == .ok && again.open == first.open)
        }
        #expect(t.opens[first.open]!.deny == Share.write | Share.delete)
        // A stateless writer meets the deny; a stateless reader does not.
        #expect(t.admit(file, StateAccess(breaks: 0, needs: Share.write), requester: .anonymous, now: 0, waiter: nil,
                        effects: &effects) == .shareViolation)
        #expect(t.admit(file, StateAccess(breaks: 0, needs: Share.read), requester: .anonymous, now: 0, waiter: nil,
                        effects: &effects) == nil)
        // Downgrade to a subset only; then the writer may come.
        #expect(t.downgrade(client: a, open: first.open, access: Share.write, deny: 0, effects: &effects) == .invalid)
        #expect(t.downgrade(client: a, open: first.open, access: Share.read, deny: 0, effects: &effects) == .ok)
        #expect(t.admit(file, StateAccess(breaks: 0, needs: Share.write), requester: .anonymous, now: 0, waiter: nil,
                        effects: &effects) == nil)
        // CLOSE with locks under the open: held unless released with it.
        _ = t.lock(file, lock(a, 1, write: true, 0, 1, open: first.open), reclaim: false, now: 0, waiter: nil)
        #expect(t.close(client: a, open: first.open, releaseLocks: false, effects: &effects) == .locksHeld)
        #expect(t.close(client: a, open: first.open, releaseLocks: true, effects: &effects) == .ok)
        #expect(t.close(client: a, open: first.open, releaseLocks: true, effects: &effects) == .badState)
    }

    @Test("leases: granted as far as others allow; a conflicting write breaks R and W, the ack ends the break")
    func leases() {
        var t = table()
        let a = client(&t, "a")
        let b = client(&t, "b")
        var effects = StateEffects()
        let rwh = Lease.read | Lease.handle | Lease.write
        guard case .done(.ok, let granted) = t.open(file, openArgs(a, access: Share.read | Share.write, lease: rwh, key: 7),
                                                     now: 0, waiter: nil, effects: &effects)
        else { Issue.record("open with lease"); return }
        #expect(granted.leaseLevel == rwh && granted.lease != 0)
        // The holder's own I/O breaks nothing.
        let mine = t.requester(client: a, open: granted.open)
        #expect(t.admit(file, StateAccess(breaks: Lease.read | Lease.write, needs: Share.write), requester: mine, now: 0,
                        waiter: nil, effects: &effects) == nil)
        #expect(effects.notices.isEmpty)
        // A stateless write: without a waiter, DELAY, and the break starts.
        #expect(t.admit(file, StateAccess(breaks: Lease.read | Lease.write, needs: Share.write), requester: .anonymous,
                        now: 0, waiter: nil, effects: &effects) == .delay)
        #expect(effects.notices.count == 1)
        #expect(effects.notices[0].notice.newLevel == Lease.handle && effects.notices[0].notice.oldLevel == rwh)
        // With a waiter it parks (.ok) without telling the holder twice.
        effects = StateEffects()
        #expect(t.admit(file, StateAccess(breaks: Lease.read | Lease.write, needs: Share.write), requester: .anonymous,
                        now: 0, waiter: waiter(), effects: &effects) == .ok)
        #expect(effects.notices.isEmpty)
        // b's open while the break runs gets no lease upgrade of its own W.
        // The ack wakes the parked writer.
        effects = StateEffects()
        #expect(t.setLease(client: a, lease: granted.lease, level: Lease.handle, effects: &effects).0 == .ok)
        #expect(effects.wake.count == 1)
        #expect(t.leases[granted.lease]!.breakingTo == nil)
        // A second client's open gets no lease while a writes (a's open
        // has write access, so no read caching for b).
        if case .done(.ok, let second) = t.open(file, openArgs(b, access: Share.read, lease: rwh, key: 8), now: 0,
                                                 waiter: nil, effects: &effects) {
            #expect(second.leaseLevel == 0)
        } else {
            Issue.record("second open")
        }
        // Once a's open is gone, a third open gets RH (b's open stops W).
        #expect(t.close(client: a, open: granted.open, releaseLocks: true, effects: &effects) == .ok)
        let c = client(&t, "c")
        if case .done(.ok, let third) = t.open(file, openArgs(c, access: Share.read, lease: rwh, key: 9), now: 0,
                                                waiter: nil, effects: &effects) {
            #expect(third.leaseLevel == Lease.read | Lease.handle)
        } else {
            Issue.record("third open")
        }
    }

    @Test("an unanswered break is revoked at its deadline and the waiter runs")
    func revoke() {
        var t = table { $0.breakNanoseconds = 10 }
        let a = client(&t, "a")
        var effects = StateEffects()
        guard case .done(.ok, let granted) = t.open(file, openArgs(a, access: Share.read, lease: Lease.read), now: 0,
                                                     waiter: nil, effects: &effects)
        else { Issue.record("open"); return }
        #expect(t.admit(file, StateAccess(breaks: Lease.read | Lease.write, needs: 0), requester: .anonymous, now: 0,
                        waiter: waiter(), effects: &effects) == .ok)
        effects = StateEffects()
        t.sweep(now: 5, effects: &effects)
        #expect(effects.isEmpty)
        t.sweep(now: 11, effects: &effects)
        #expect(effects.notices.count == 1 && effects.notices[0].notice.revoked)
        #expect(effects.wake.count == 1)
        #expect(t.leases[granted.lease] == nil)
    }

    @Test("releasing a client drops its state and ends its waiting locks with EXPIRED; expiry does it too")
    func release() {
        var t = table { $0.leaseNanoseconds = 100 }
        let a = client(&t, "a", expires: true)
        let b = client(&t, "b")
        var effects = StateEffects()
        _ = t.lock(file, lock(b, 1, write: true, 0, 10), reclaim: false, now: 0, waiter: nil)
        let wanted = lock(a, 1, write: true, 0, 10)
        _ = t.lock(file, wanted, reclaim: false, now: 0, waiter: waiter(.lock(wanted)))
        _ = t.open(other, openArgs(a, access: Share.read, deny: Share.write), now: 0, waiter: nil, effects: &effects)
        #expect(t.expired(now: 50).isEmpty)
        #expect(t.renew(a, now: 60) == .ok)
        #expect(t.expired(now: 150).isEmpty)
        #expect(t.expired(now: 161) == [a])
        effects = StateEffects()
        t.releaseClient(a, effects: &effects)
        #expect(effects.finish.count == 1 && effects.finish[0].1 == .expired)
        #expect(t.files[other] == nil)
        #expect(t.renew(a, now: 200) == .expired)
        #expect(t.renew(12345, now: 200) == .badState)
    }

    @Test("a recorded client takes no state until its record is on stable storage")
    func durableRecords() {
        var t = table()
        let id = try! t.createClient(
            record: .init(scope: "test", name: Array("nlm-host".utf8)), owner: RecordingOwner(), thread: 0,
            clientPrivate: 0, expires: false, recorded: true, now: 0
        ).get()
        let wanted = lock(id, 1, write: true, 0, 1)
        if case .refused(let status) = t.lock(file, wanted, reclaim: false, now: 0, waiter: nil) {
            #expect(status == .delay)
        } else {
            Issue.record("a lock before the record was durable was not refused")
        }
        if case .waiting = t.lock(file, wanted, reclaim: false, now: 0, waiter: nil, recordWaiter: waiter()) {} else {
            Issue.record("a lock before the record was durable did not wait")
        }
        var effects = StateEffects()
        if case .done(let status, _) = t.open(file, openArgs(id, access: Share.read), now: 0, waiter: nil,
                                              effects: &effects) { #expect(status == .delay) }
        t.markDurable(id, effects: &effects)
        #expect(effects.wake.count == 1)
        #expect(granted(t.lock(file, wanted, reclaim: false, now: 0, waiter: nil)))
    }

    @Test("grace: only recorded clients reclaim, others wait; after it reclaims are refused")
    func grace() {
        var t = table()
        let back = StateTable.RecordName(scope: "test", name: Array("back".utf8))
        t.startGrace(previous: [back], until: 100)
        let returning = client(&t, "back")
        let fresh = client(&t, "fresh")
        var effects = StateEffects()
        var reclaim = openArgs(returning, access: Share.read)
        reclaim.reclaim = true
        if case .done(let status, _) = t.open(file, openArgs(fresh, access: Share.read), now: 10, waiter: nil,
                                              effects: &effects) { #expect(status == .grace) }
        var stranger = openArgs(fresh, access: Share.read)
        stranger.reclaim = true
        if case .done(let status, _) = t.open(file, stranger, now: 10, waiter: nil, effects: &effects) {
            #expect(status == .noGrace)
        }
        if case .done(let status, _) = t.open(file, reclaim, now: 10, waiter: nil, effects: &effects) {
            #expect(status == .ok)
        }
        if case .refused(let status) = t.lock(file, lock(fresh, 1, write: true, 0, 1), reclaim: false, now: 10,
                                                waiter: nil) { #expect(status == .grace) } else { Issue.record("lock in grace") }
        // Everyone recorded is done: grace ends early.
        #expect(t.reclaimComplete(returning) == .ok)
        #expect(!t.inGrace(now: 11))
        if case .refused(let status) = t.lock(file, lock(fresh, 1, write: true, 0, 1), reclaim: true, now: 11,
                                                waiter: nil) { #expect(status == .noGrace) }
        #expect(granted(t.lock(file, lock(fresh, 1, write: true, 0, 1), reclaim: false, now: 11, waiter: nil)))
    }
}

@Suite("open state records")
struct StateRecordsTests {
    @Test("client names survive a restart on disk, and the previous run's are forgotten once unclaimed")
    func persist() throws {
        let directory = "/tmp/chimera-state-records-\(UInt64.random(in: 0..<UInt64.max))"
        defer { _ = try? FileCleanup.remove(directory) }
        let logger = Logger(label: "test")
        let first = try StateRecords(directory: directory, logger: logger)
        #expect(first.previous.isEmpty)
        let alice = StateTable.RecordName(scope: "nfs", name: Array("alice host".utf8))
        let bob = StateTable.RecordName(scope: "nfs", name: [0, 255, 10])
        first.add(alice)
        first.add(bob)
        first.add(bob)
        first.remove(bob)
        first.flush()
        let second = try StateRecords(directory: directory, logger: logger)
        #expect(second.previous == [alice, bob])
        // alice comes back; bob does not before grace ends.
        second.add(alice)
        second.forgetUnclaimed()
        second.flush()
        let third = try StateRecords(directory: directory, logger: logger)
        #expect(third.previous == [alice])
        // alice goes for good.
        third.add(alice)
        third.remove(alice)
        third.flush()
        #expect(try StateRecords(directory: directory, logger: logger).previous.isEmpty)
    }
}

enum FileCleanup {
    static func remove(_ directory: String) throws {
        unlink(directory + "/clients")
        unlink(directory + "/clients.tmp")
        rmdir(directory)
    }
}
