import CChimera
import ChimeraPluginKit
import CLibURing
import CLinuxShims
import Glibc
import PosixVFS

/// One host thread's io_uring and the requests in flight on it.
///
/// Loop threads get a ring (created here, in `thread_init`, on the loop
/// itself), an eventfd registered with it, and a host fd watch on that
/// loop; every use of the ring — submitting in dispatch, reaping in the
/// watch callback — happens on that loop, so nothing is locked.
/// Delegation threads get no ring. `@unchecked Sendable` because the watch
/// closure must be `@Sendable`; it only ever runs on the owning loop.
public final class RingThread: @unchecked Sendable {
    static let entries: UInt32 = 256
    static let slotCount = 128
    static let vectorsPerSlot = 16

    let index: UInt32
    let isLoop: Bool
    let fileSystem: PosixFileSystem
    let host: PluginHost

    var ring: UnsafeMutablePointer<io_uring>?
    var eventFD: Int32 = -1
    var watch: PluginFDWatch?
    var slots: [RingSlot] = []
    var free: [Int] = []
    /// Each slot's statx buffers, iovecs and NUL-terminated names: memory
    /// the kernel writes or reads until the slot's last CQE.
    var stats: UnsafeMutablePointer<statx>?
    var vectors: UnsafeMutablePointer<iovec>?
    var names: UnsafeMutablePointer<CChar>?
    static let nameBytes = 256

    init(index: UInt32, isLoop: Bool, fileSystem: PosixFileSystem, host: PluginHost) {
        self.index = index
        self.isLoop = isLoop
        self.fileSystem = fileSystem
        self.host = host
        guard isLoop else { return }
        let ring = UnsafeMutablePointer<io_uring>.allocate(capacity: 1)
        ring.initialize(to: io_uring())
        let rc = io_uring_queue_init(Self.entries, ring, 0)
        guard rc == 0 else {
            host.log(.warning, "loop \(index): no io_uring (errno \(-rc)); data ops go to the delegation pool")
            ring.deallocate()
            return
        }
        let efd = chimera_uring_eventfd()
        guard efd >= 0, io_uring_register_eventfd(ring, efd) == 0 else {
            host.log(.warning, "loop \(index): cannot register an eventfd with io_uring; data ops go to the pool")
            if efd >= 0 { Glibc.close(efd) }
            io_uring_queue_exit(ring)
            ring.deallocate()
            return
        }
        self.ring = ring
        self.eventFD = efd
        slots = Array(repeating: RingSlot(), count: Self.slotCount)
        free = Array((0..<Self.slotCount).reversed())
        let stats = UnsafeMutablePointer<statx>.allocate(capacity: Self.slotCount * RingSlot.statsPerSlot)
        stats.initialize(repeating: statx(), count: Self.slotCount * RingSlot.statsPerSlot)
        self.stats = stats
        let names = UnsafeMutablePointer<CChar>.allocate(capacity: Self.slotCount * 2 * Self.nameBytes)
        names.initialize(repeating: 0, count: Self.slotCount * 2 * Self.nameBytes)
        self.names = names
        let vectors = UnsafeMutablePointer<iovec>.allocate(capacity: Self.slotCount * Self.vectorsPerSlot)
        vectors.initialize(repeating: iovec(), count: Self.slotCount * Self.vectorsPerSlot)
        self.vectors = vectors
        watch = host.watch(fd: efd, on: index) { [unowned self] in self.reap() }
    }

    /// Run `request` on the delegation pool with the blocking code.
    func delegate(_ request: VFSRequest) {
        let fileSystem = self.fileSystem
        host.delegate(from: index, work: { fileSystem.perform(request) }, done: {})
    }

    /// Tear down after the last dispatch: wait (bounded) for what is still
    /// in flight, then close the ring.
    func stop() {
        guard let ring else { return }
        for _ in 0..<500 where free.count < Self.slotCount {
            var cqe: UnsafeMutablePointer<io_uring_cqe>?
            var timeout = __kernel_timespec(tv_sec: 0, tv_nsec: 10_000_000)
            _ = io_uring_wait_cqe_timeout(ring, &cqe, &timeout)
            reap()
        }
        watch?.unwatch()
        watch = nil
        _ = io_uring_unregister_eventfd(ring)
        Glibc.close(eventFD)
        io_uring_queue_exit(ring)
        ring.deallocate()
        self.ring = nil
        stats?.deallocate()
        vectors?.deallocate()
        names?.deallocate()
    }

    // MARK: Reaping

    func reap() {
        guard let ring else { return }
        // Bounded by what the completion queue can hold; CQEs posted after
        // this pass signal the eventfd again.
        for _ in 0..<(Int(Self.entries) * 4) {
            var cqe: UnsafeMutablePointer<io_uring_cqe>?
            guard io_uring_peek_cqe(ring, &cqe) == 0, let completed = cqe else { return }
            let data = completed.pointee.user_data
            let result = completed.pointee.res
            io_uring_cqe_seen(ring, completed)
            record(slot: Int(data >> 8), step: UInt8(data & 0xff), result: result)
        }
    }
}
