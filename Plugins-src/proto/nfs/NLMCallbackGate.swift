import ChimeraPluginKit
import Synchronization

/// Outbound NLM and NSM calls (GRANTED, the _RES answers, SM_NOTIFY) are
/// blocking TCP exchanges, bounded per step, run on the host's delegation
/// pool. That pool also runs the blocking storage modules, so these calls
/// may hold at most `limit` of its threads at once: the rest wait here, in
/// order, up to `backlog`; past that a call is dropped and logged (the
/// client's own polling or retransmission recovers).
final class NLMCallbackGate: Sendable {
    private struct Job {
        let thread: UInt32
        let work: @Sendable () -> Void
        let done: @Sendable () -> Void
    }

    private struct State {
        var running = 0
        var queue: [Job] = []
    }

    private let host: PluginHost
    private let limit: Int
    private let backlog: Int
    private let state = Mutex(State())

    init(host: PluginHost, limit: Int = 2, backlog: Int = 4096) {
        self.host = host
        self.limit = max(1, limit)
        self.backlog = backlog
    }

    /// Run `work` on the pool when a slot is free, then `done` on loop
    /// `thread`.
    func run(from thread: UInt32, work: @escaping @Sendable () -> Void, done: @escaping @Sendable () -> Void) {
        let job = Job(thread: thread, work: work, done: done)
        enum Admission { case start, queued, dropped }
        let admission: Admission = state.withLock { state in
            if state.running < limit {
                state.running += 1
                return .start
            }
            guard state.queue.count < backlog else { return .dropped }
            state.queue.append(job)
            return .queued
        }
        switch admission {
        case .start: launch(job)
        case .queued: break
        case .dropped: host.log(.warning, "nlm: \(backlog) outbound calls waiting; one more was dropped")
        }
    }

    private func launch(_ job: Job) {
        host.delegate(
            from: job.thread,
            work: job.work,
            done: { [self] in
                job.done()
                let next: Job? = state.withLock { state in
                    guard !state.queue.isEmpty else {
                        state.running -= 1
                        return nil
                    }
                    return state.queue.removeFirst()
                }
                if let next { launch(next) }
            })
    }
}
