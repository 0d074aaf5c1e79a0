import FUSE
import Testing

let rootHandle = FUSEHandle([0xaa, 0xbb])

/// A running session (INIT done at 7.31).
func runningSession(_ configure: (inout FUSESession.Configuration) -> Void = { _ in }) throws -> FUSESession {
    var c = FUSESession.Configuration()
    configure(&c)
    var s = FUSESession(root: rootHandle, configuration: c)
    let m = TestMessage.initialize()
    let action = try m.decode { s.receive($0.0, $0.1) }
    guard case .reply(.initialize(let out)) = action else {
        Issue.record("INIT not accepted: \(action)")
        return s
    }
    #expect(out.minor == 31)
    return s
}

extension FUSESession {
    mutating func handle(_ m: TestMessage) throws -> FUSESessionAction {
        try m.decode { receive($0.0, $0.1) }
    }
}

@Suite("FUSE INIT negotiation")
struct FUSEInitTests {
    @Test("a newer kernel is negotiated down to 7.31, with only the flags both sides have")
    func newerKernel() {
        let policy = FUSEInitPolicy()
        let kernelFlags = FUSEInitFlags([.asyncRead, .maxPages, .doReaddirplus, .atomicOTrunc]).rawValue | (1 << 16)
        guard case .accept(let out) = policy.negotiate(FUSEInitIn(major: 7, minor: 44, maxReadahead: 65536, flags: kernelFlags))
        else { Issue.record("refused"); return }
        #expect(out.major == 7 && out.minor == 31)
        #expect(FUSEInitFlags(rawValue: out.flags) == [.asyncRead, .maxPages, .doReaddirplus])
        #expect(out.maxWrite == 1 << 20 && out.maxPages == 256 && out.maxReadahead == 65536)
    }

    @Test("an older kernel keeps its minor; without MAX_PAGES max_write is 128 KiB; before 7.23 init_out is short")
    func olderKernel() {
        guard case .accept(let out) = FUSEInitPolicy().negotiate(FUSEInitIn(major: 7, minor: 20, maxReadahead: 0, flags: 1))
        else { Issue.record("refused"); return }
        #expect(out.minor == 20 && out.maxWrite == 128 * 1024 && out.encodedSize == 24)
    }

    @Test("a newer major is answered with ours (the kernel retries); too old a kernel is refused")
    func majors() {
        #expect(FUSEInitPolicy().negotiate(FUSEInitIn(major: 8, minor: 0, maxReadahead: 0, flags: 0))
            == .retry(FUSEInitOut(major: 7, minor: 31)))
        #expect(FUSEInitPolicy().negotiate(FUSEInitIn(major: 7, minor: 5, maxReadahead: 0, flags: 0)) == .refuse(.proto))
        #expect(FUSEInitPolicy().negotiate(FUSEInitIn(major: 6, minor: 40, maxReadahead: 0, flags: 0)) == .refuse(.proto))
    }
}

@Suite("FUSE session")
struct FUSESessionTests {
    @Test("requests before INIT get EIO; after DESTROY the session ends and answers EIO")
    func lifecycle() throws {
        var s = FUSESession(root: rootHandle)
        #expect(try s.handle(.lookup("a")) == .reply(.error(.io)))
        #expect(s.minor == nil)
        s = try runningSession()
        #expect(s.minor == 31 && s.maxWrite == 1 << 20)
        #expect(try s.handle(.initialize()) == .reply(.error(.proto)))
        #expect(try s.handle(TestMessage(.destroy)) == .end(.empty))
        #expect(s.isDestroyed)
        #expect(try s.handle(.lookup("a")) == .reply(.error(.io)))
    }

    @Test("LOOKUP resolves the parent's nodeid to its handle; entries count lookups and FORGET takes them back")
    func lookupCounts() throws {
        var s = try runningSession()
        #expect(try s.handle(.lookup("file")) == .call(.lookup(parent: rootHandle, name: bytes("file"))))
        let child = FUSEHandle([1, 2, 3])
        guard case .entry(let e1) = s.entry(child, attr: FUSEAttr()) else { Issue.record("no entry"); return }
        guard case .entry(let e2) = s.entry(child, attr: FUSEAttr()) else { Issue.record("no entry"); return }
        #expect(e1.nodeid == e2.nodeid && e1.nodeid != FUSENodeTable.rootID)
        #expect(e1.attr.ino == e1.nodeid)  // no fileid: the nodeid stands in
        #expect(e1.entryValid == FUSETimeout(milliseconds: 1000))
        #expect(s.nodes.lookups(of: e1.nodeid) == 2)
        var forget = TestMessage(.forget, nodeid: e1.nodeid)
        forget.u64(1)
        #expect(try s.handle(forget) == .none)
        #expect(s.nodes.lookups(of: e1.nodeid) == 1)
        #expect(try s.handle(TestMessage(.getattr, nodeid: e1.nodeid).withGetattr()) == .call(.getattr(child)))
        #expect(try s.handle(forget) == .none)
        #expect(s.nodes.handle(of: e1.nodeid) == nil)
        #expect(try s.handle(TestMessage(.getattr, nodeid: e1.nodeid).withGetattr()) == .reply(.error(.stale)))
        // A forgotten handle comes back under a new nodeid.
        guard case .entry(let e3) = s.entry(child, attr: FUSEAttr()) else { Issue.record("no entry"); return }
        #expect(e3.nodeid != e1.nodeid)
        // The root is never forgotten.
        var forgetRoot = TestMessage(.forget, nodeid: 1)
        forgetRoot.u64(100)
        _ = try s.handle(forgetRoot)
        #expect(s.nodes.handle(of: 1) == rootHandle)
    }

    @Test("BATCH_FORGET forgets several nodes at once")
    func batchForget() throws {
        var s = try runningSession()
        var ids: [UInt64] = []
        for i in 0..<3 {
            guard case .entry(let e) = s.entry(FUSEHandle([UInt8(i)]), attr: FUSEAttr()) else { return }
            ids.append(e.nodeid)
        }
        var m = TestMessage(.batchForget)
        m.u32(2)
        m.u32(0)
        for id in ids.prefix(2) {
            m.u64(id)
            m.u64(1)
        }
        #expect(try s.handle(m) == .none)
        #expect(s.nodes.count == 2)  // the root and the third
        #expect(s.nodes.handle(of: ids[2]) != nil)
    }

    @Test("the node table is bounded: past its capacity entries are refused with ENFILE")
    func boundedNodes() throws {
        var s = try runningSession { $0.maxNodes = 3 }
        #expect(s.entry(FUSEHandle([1]), attr: FUSEAttr()) != .error(.nfile))
        #expect(s.entry(FUSEHandle([2]), attr: FUSEAttr()) != .error(.nfile))
        #expect(s.entry(FUSEHandle([3]), attr: FUSEAttr()) == .error(.nfile))
        // An already-known handle still gets its lookup counted.
        if case .entry = s.entry(FUSEHandle([1]), attr: FUSEAttr()) {} else { Issue.record("known handle refused") }
    }

    @Test("OPEN, READ, WRITE and RELEASE go through the file table to the VFS open")
    func openReadRelease() throws {
        var s = try runningSession()
        guard case .entry(let e) = s.entry(FUSEHandle([9]), attr: FUSEAttr()) else { return }
        var open = TestMessage(.open, nodeid: e.nodeid)
        open.u32(2)  // O_RDWR
        open.u32(0)
        #expect(try s.handle(open) == .call(.open(FUSEHandle([9]), nodeid: e.nodeid, flags: 2)))
        guard case .open(let out) = s.opened(nodeid: e.nodeid, vfsOpen: 777) else { Issue.record("not opened"); return }
        #expect(try s.handle(.read(nodeid: e.nodeid, fh: out.fh, offset: 10, size: 4096))
            == .call(.read(FUSEHandle([9]), open: 777, offset: 10, size: 4096)))
        #expect(try s.handle(.read(nodeid: e.nodeid, fh: out.fh + 100, offset: 0, size: 1)) == .reply(.error(.badf)))
        var release = TestMessage(.release, nodeid: e.nodeid)
        release.u64(out.fh)
        release.u32(0)
        release.u32(0)
        release.u64(0)
        #expect(try s.handle(release) == .call(.close(FUSEHandle([9]), open: 777)))
        #expect(s.files.count == 0)
        #expect(try s.handle(release) == .reply(.empty))
        #expect(try s.handle(.read(nodeid: e.nodeid, fh: out.fh, offset: 0, size: 1)) == .reply(.error(.badf)))
    }

    @Test("CREATE gives an entry and an open in one reply")
    func create() throws {
        var s = try runningSession()
        guard case .create(let entry, let open) = s.created(FUSEHandle([4]), attr: FUSEAttr(), vfsOpen: 5) else {
            Issue.record("no create reply")
            return
        }
        #expect(s.nodes.handle(of: entry.nodeid) == FUSEHandle([4]))
        #expect(s.files[open.fh]?.vfsOpen == 5)
    }

    @Test("OPENDIR, READDIR and RELEASEDIR keep the listing's verifier in the session; READDIR on a file fh is EBADF")
    func readdir() throws {
        var s = try runningSession()
        var opendir = TestMessage(.opendir)
        opendir.u32(0)
        opendir.u32(0)
        guard case .reply(.open(let out)) = try s.handle(opendir) else { Issue.record("no opendir"); return }
        #expect(try s.handle(.read(.readdirplus, nodeid: 1, fh: out.fh, offset: 0, size: 4096))
            == .call(.readdir(rootHandle, fh: out.fh, cookie: 0, verifier: 0, size: 4096, plus: true)))
        s.listed(fh: out.fh, verifier: 0xfeed)
        #expect(try s.handle(.read(.readdir, nodeid: 1, fh: out.fh, offset: 12, size: 4096))
            == .call(.readdir(rootHandle, fh: out.fh, cookie: 12, verifier: 0xfeed, size: 4096, plus: false)))
        #expect(try s.handle(.read(nodeid: 1, fh: out.fh, offset: 0, size: 1)) == .reply(.error(.badf)))
        var releasedir = TestMessage(.releasedir)
        releasedir.u64(out.fh)
        releasedir.body.zeros(16)
        #expect(try s.handle(releasedir) == .reply(.empty))
        #expect(try s.handle(.read(.readdir, nodeid: 1, fh: out.fh, offset: 0, size: 4096)) == .reply(.error(.badf)))
    }

    @Test("RENAME2 NOREPLACE reaches the VFS; EXCHANGE is refused with EINVAL; an unknown new parent is ESTALE")
    func rename() throws {
        var s = try runningSession()
        func rename2(_ flags: UInt32, newdir: UInt64 = 1) -> TestMessage {
            var m = TestMessage(.rename2)
            m.u64(newdir)
            m.u32(flags)
            m.u32(0)
            m.name("a")
            m.name("b")
            return m
        }
        #expect(try s.handle(rename2(1)) == .call(.rename(parent: rootHandle, name: bytes("a"), newParent: rootHandle,
                                                         newName: bytes("b"), noReplace: true)))
        #expect(try s.handle(rename2(2)) == .reply(.error(.inval)))
        #expect(try s.handle(rename2(0, newdir: 99)) == .reply(.error(.stale)))
    }

    @Test("ACCESS with F_OK is answered at once; R/W/X go to the VFS; unknown ops get ENOSYS; an INTERRUPT of nothing waiting gets no answer")
    func accessAndUnknown() throws {
        var s = try runningSession()
        func access(_ mask: UInt32) -> TestMessage {
            var m = TestMessage(.access)
            m.u32(mask)
            m.u32(0)
            return m
        }
        #expect(try s.handle(access(0)) == .reply(.empty))
        #expect(try s.handle(access(6)) == .call(.access(rootHandle, mask: 6)))
        var poll = TestMessage(.poll)
        poll.body.zeros(24)
        #expect(try s.handle(poll) == .reply(.error(.nosys)))
        var interrupt = TestMessage(.interrupt)
        interrupt.u64(3)
        #expect(try s.handle(interrupt) == .none)  // nothing waits under unique 3
        // With POSIX locks negotiated, close(2)'s FLUSH drops the owner's locks.
        #expect(try s.handle(TestMessage(.flush).withZeros(24)) == .call(.releaseLocks(rootHandle, owner: 0)))
    }

    @Test("SETATTR with FATTR_FH passes the open file's VFS open")
    func setattrWithFile() throws {
        var s = try runningSession()
        guard case .entry(let e) = s.entry(FUSEHandle([7]), attr: FUSEAttr()) else { return }
        guard case .open(let out) = s.opened(nodeid: e.nodeid, vfsOpen: 55) else { return }
        var m = TestMessage(.setattr, nodeid: e.nodeid)
        m.u32(FUSESetattrIn.size | FUSESetattrIn.fh)
        m.u32(0)
        m.u64(out.fh)
        m.u64(123)
        m.body.zeros(88 - 24)
        guard case .call(.setattr(let handle, let set, let open)) = try s.handle(m) else { Issue.record("no setattr"); return }
        #expect(handle == FUSEHandle([7]) && set.size == 123 && open == 55)
    }
}

extension TestMessage {
    func withGetattr() -> TestMessage {
        var m = self
        m.body = FUSEWriter()
        m.body.zeros(16)
        return m
    }

    func withZeros(_ n: Int) -> TestMessage {
        var m = self
        m.body = FUSEWriter()
        m.body.zeros(n)
        return m
    }
}

@Suite("FUSE session: space, seek and copy")
struct FUSERangeOpsTests {
    func openFile(_ s: inout FUSESession, handle: FUSEHandle, vfsOpen: UInt64) -> (nodeid: UInt64, fh: UInt64) {
        guard case .entry(let e) = s.entry(handle, attr: FUSEAttr()),
            case .open(let out) = s.opened(nodeid: e.nodeid, vfsOpen: vfsOpen)
        else { return (0, 0) }
        return (e.nodeid, out.fh)
    }

    @Test("FALLOCATE maps mode 0 and KEEP_SIZE to allocate, PUNCH_HOLE|KEEP_SIZE to deallocate, others to EOPNOTSUPP")
    func fallocate() throws {
        var s = try runningSession()
        let (nodeid, fh) = openFile(&s, handle: FUSEHandle([1]), vfsOpen: 10)
        func fallocate(_ mode: UInt32) -> TestMessage {
            var m = TestMessage(.fallocate, nodeid: nodeid)
            m.u64(fh)
            m.u64(4096)
            m.u64(8192)
            m.u32(mode)
            m.u32(0)
            return m
        }
        #expect(try s.handle(fallocate(0))
            == .call(.allocate(FUSEHandle([1]), open: 10, offset: 4096, length: 8192, keepSize: false)))
        #expect(try s.handle(fallocate(1))
            == .call(.allocate(FUSEHandle([1]), open: 10, offset: 4096, length: 8192, keepSize: true)))
        #expect(try s.handle(fallocate(3)) == .call(.deallocate(FUSEHandle([1]), open: 10, offset: 4096, length: 8192)))
        #expect(try s.handle(fallocate(8)) == .reply(.error(.opnotsupp)))
    }

    @Test("LSEEK asks the VFS for SEEK_DATA / SEEK_HOLE only; COPY_FILE_RANGE resolves both files")
    func seekAndCopy() throws {
        var s = try runningSession()
        let (a, fhA) = openFile(&s, handle: FUSEHandle([1]), vfsOpen: 10)
        let (b, fhB) = openFile(&s, handle: FUSEHandle([2]), vfsOpen: 20)
        func lseek(_ whence: UInt32) -> TestMessage {
            var m = TestMessage(.lseek, nodeid: a)
            m.u64(fhA)
            m.u64(100)
            m.u32(whence)
            m.u32(0)
            return m
        }
        #expect(try s.handle(lseek(3)) == .call(.seek(FUSEHandle([1]), open: 10, offset: 100, hole: false)))
        #expect(try s.handle(lseek(4)) == .call(.seek(FUSEHandle([1]), open: 10, offset: 100, hole: true)))
        #expect(try s.handle(lseek(0)) == .reply(.error(.inval)))
        var copy = TestMessage(.copyFileRange, nodeid: a)
        for v in [fhA, 5, b, fhB, 7, UInt64(1) << 40, 0] { copy.u64(v) }
        #expect(try s.handle(copy) == .call(.copy(FUSEHandle([1]), open: 10, offset: 5, to: FUSEHandle([2]), toOpen: 20,
                                                  toOffset: 7, length: 1 << 30)))
        #expect(FUSEReply.lseek(offset: 9).encode(unique: 1).count == 24)
    }
}

@Suite("FUSE session: POSIX locks")
struct FUSELockTests {
    func lockMessage(_ op: FUSEOpcode, type: UInt32, start: UInt64, end: UInt64, flags: UInt32 = 0) -> TestMessage {
        var m = TestMessage(op)
        m.u64(3)  // fh
        m.u64(0xabc)  // owner
        m.u64(start)
        m.u64(end)
        m.u32(type)
        m.u32(99)
        m.u32(flags)
        m.u32(0)
        return m
    }

    @Test("SETLK, SETLKW and GETLK go to the core's locks with inclusive ends turned into lengths")
    func mapping() throws {
        var s = try runningSession()
        #expect(s.locks)
        #expect(try s.handle(lockMessage(.setlk, type: FUSELockIn.write, start: 10, end: 19))
            == .call(.lock(rootHandle, owner: 0xabc, write: true, offset: 10, length: 10, wait: false)))
        #expect(try s.handle(lockMessage(.setlkw, type: FUSELockIn.read, start: 0, end: FUSELockIn.toEnd))
            == .call(.lock(rootHandle, owner: 0xabc, write: false, offset: 0, length: .max, wait: true)))
        #expect(try s.handle(lockMessage(.setlk, type: FUSELockIn.unlock, start: 5, end: 5))
            == .call(.unlock(rootHandle, owner: 0xabc, offset: 5, length: 1)))
        #expect(try s.handle(lockMessage(.getlk, type: FUSELockIn.write, start: 0, end: 9))
            == .call(.testLock(rootHandle, owner: 0xabc, write: true, offset: 0, length: 10)))
        #expect(try s.handle(lockMessage(.setlk, type: 7, start: 0, end: 1)) == .reply(.error(.inval)))
        // flock(2) locks are not negotiated; should one come, the kernel is told ENOSYS.
        #expect(try s.handle(lockMessage(.setlk, type: 1, start: 0, end: 1, flags: 1)) == .reply(.error(.nosys)))
    }

    @Test("INTERRUPT cancels a SETLKW waiting in the core, and only while it waits")
    func interruptWaitingLock() throws {
        var s = try runningSession()
        var wait = lockMessage(.setlkw, type: FUSELockIn.write, start: 0, end: 9)
        wait.unique = 40
        #expect(try s.handle(wait) == .call(.lock(rootHandle, owner: 0xabc, write: true, offset: 0, length: 10, wait: true)))
        #expect(s.waitingLockCount == 1)
        var interrupt = TestMessage(.interrupt, unique: 41 | 1)
        interrupt.u64(40)
        #expect(try s.handle(interrupt) == .call(.cancelLock(rootHandle, owner: 0xabc, write: true, offset: 0, length: 10)))
        s.completed(unique: 40)
        #expect(s.waitingLockCount == 0)
        #expect(try s.handle(interrupt) == .none)
    }

    @Test("GETLK's answer: F_UNLCK when free, else the conflicting range with an inclusive end")
    func tested() throws {
        let s = try runningSession()
        #expect(s.lockTested(nil) == .lock(FUSELockOut(start: 0, end: 0, type: FUSELockIn.unlock)))
        #expect(s.lockTested((write: true, offset: 10, length: 10)) == .lock(FUSELockOut(start: 10, end: 19, type: 1)))
        #expect(s.lockTested((write: false, offset: 0, length: .max))
            == .lock(FUSELockOut(start: 0, end: FUSELockIn.toEnd, type: 0)))
        #expect(FUSEReply.lock(FUSELockOut(start: 0, end: 0, type: 2)).encode(unique: 1).count == 16 + 24)
    }

    @Test("without POSIX locks negotiated, lock requests get ENOSYS and FLUSH answers at once")
    func withoutLocks() throws {
        var s = FUSESession(root: rootHandle)
        _ = try s.handle(.initialize(flags: 0))
        #expect(!s.locks)
        #expect(try s.handle(lockMessage(.setlk, type: 1, start: 0, end: 1)) == .reply(.error(.nosys)))
        #expect(try s.handle(TestMessage(.flush).withZeros(24)) == .reply(.empty))
    }
}
