import DequeModule
import Glibc

/// The threads that run blocking module calls (POSIX syscalls) so event
/// loops never block. One queue feeds every thread (a slow call does not
/// hold up others); work can also go to one thread in particular (per-thread
/// module init and shutdown). Each thread knows its host index.
final class DelegationPool: @unchecked Sendable {
    typealias Work = @Sendable (UInt32) -> Void

    let firstIndex: UInt32
    let count: Int

    // Guarded by `mutex`.
    private var shared = Deque<Work>()
    private var targeted: [Deque<Work>]
    private var stopping = false
    private var running = 0

    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private let stopped = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var threads: [pthread_t] = []

    /// `count` threads with host indices `firstIndex ..< firstIndex+count`.
    init(count: Int, firstIndex: UInt32) {
        self.count = count
        self.firstIndex = firstIndex
        self.targeted = Array(repeating: Deque<Work>(), count: count)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
        pthread_cond_init(stopped, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        pthread_cond_destroy(condition)
        pthread_cond_destroy(stopped)
        mutex.deallocate()
        condition.deallocate()
        stopped.deallocate()
    }

    private final class Start {
        let pool: DelegationPool
        let slot: Int
        init(_ pool: DelegationPool, _ slot: Int) {
            self.pool = pool
            self.slot = slot
        }
    }

    func start() {
        pthread_mutex_lock(mutex)
        running = count
        pthread_mutex_unlock(mutex)
        for slot in 0..<count {
            var thread = pthread_t()
            let argument = Unmanaged.passRetained(Start(self, slot)).toOpaque()
            let rc = pthread_create(&thread, nil, { argument in
                let start = Unmanaged<Start>.fromOpaque(argument!).takeRetainedValue()
                start.pool.run(slot: start.slot)
                return nil
            }, argument)
            precondition(rc == 0, "cannot start a delegation thread: \(String(cString: strerror(rc)))")
            threads.append(thread)
        }
    }

    /// Run on any pool thread.
    func submit(_ work: @escaping Work) {
        pthread_mutex_lock(mutex)
        shared.append(work)
        pthread_cond_signal(condition)
        pthread_mutex_unlock(mutex)
    }

    /// Run on the thread with host index `index`.
    func submit(toThread index: UInt32, _ work: @escaping Work) {
        let slot = Int(index) - Int(firstIndex)
        precondition(slot >= 0 && slot < count, "no delegation thread \(index)")
        pthread_mutex_lock(mutex)
        targeted[slot].append(work)
        pthread_cond_broadcast(condition)
        pthread_mutex_unlock(mutex)
    }

    private func run(slot: Int) {
        let index = firstIndex + UInt32(slot)
        ThreadIndex.set(index)
        pthread_mutex_lock(mutex)
        while true {
            if let work = targeted[slot].popFirst() ?? shared.popFirst() {
                pthread_mutex_unlock(mutex)
                work(index)
                pthread_mutex_lock(mutex)
            } else if stopping {
                break
            } else {
                pthread_cond_wait(condition, mutex)
            }
        }
        running -= 1
        pthread_cond_broadcast(stopped)
        pthread_mutex_unlock(mutex)
    }

    /// Finish queued work, then stop every thread: joined, or (without
    /// `join`, when a thread may be stuck in a module call) detached.
    func shutdown(join: Bool = true) {
        pthread_mutex_lock(mutex)
        stopping = true
        pthread_cond_broadcast(condition)
        if join {
            while running > 0 { pthread_cond_wait(stopped, mutex) }
        }
        pthread_mutex_unlock(mutex)
        for thread in threads {
            if join { pthread_join(thread, nil) } else { pthread_detach(thread) }
        }
        threads.removeAll()
    }
}
