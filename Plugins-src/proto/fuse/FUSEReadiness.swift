import Glibc

/// Tells a loop when `/dev/fuse` has requests, through a pipe the host's fd_watch can watch.
///
/// The host's fd_watch reads and discards what is readable before it calls back (chimera_host.h), which suits an
/// eventfd or a pipe but would swallow FUSE requests; and a read of /dev/fuse must offer a buffer of max_write
/// bytes or more. So a small thread polls the device (never reading it), writes one byte to the pipe when it is
/// readable, and waits until the loop says it drained the device (`drained()`) before polling again. The loop
/// itself reads the non-blocking device until EAGAIN and never blocks.
final class FUSEReadiness: @unchecked Sendable {
    let deviceFD: Int32
    /// Watched by the host: readable when the device is.
    let signalFD: Int32
    private let signalWriteFD: Int32
    private let ackReadFD: Int32
    private let ackWriteFD: Int32
    private let stopReadFD: Int32
    private let stopWriteFD: Int32
    private var thread: pthread_t?

    init?(deviceFD: Int32) {
        var signal: [Int32] = [-1, -1]
        var ack: [Int32] = [-1, -1]
        var stop: [Int32] = [-1, -1]
        guard pipe(&signal) == 0 else { return nil }
        guard pipe(&ack) == 0 else {
            close(signal[0]); close(signal[1])
            return nil
        }
        guard pipe(&stop) == 0 else {
            close(signal[0]); close(signal[1]); close(ack[0]); close(ack[1])
            return nil
        }
        for fd in signal + ack + stop { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        // The loop's ends never block.
        _ = fcntl(signal[0], F_SETFL, O_NONBLOCK)
        _ = fcntl(ack[1], F_SETFL, O_NONBLOCK)
        self.deviceFD = deviceFD
        signalFD = signal[0]
        signalWriteFD = signal[1]
        ackReadFD = ack[0]
        ackWriteFD = ack[1]
        stopReadFD = stop[0]
        stopWriteFD = stop[1]
    }

    func start() -> Bool {
        var t = pthread_t()
        let arg = Unmanaged.passRetained(self).toOpaque()
        let rc = pthread_create(&t, nil, { arg in
            guard let arg else { return nil }
            Unmanaged<FUSEReadiness>.fromOpaque(arg).takeRetainedValue().run()
            return nil
        }, arg)
        guard rc == 0 else {
            Unmanaged<FUSEReadiness>.fromOpaque(arg).release()
            return false
        }
        thread = t
        return true
    }

    /// The loop read the device until EAGAIN: poll again.
    func drained() {
        var one: UInt8 = 1
        _ = write(ackWriteFD, &one, 1)
    }

    /// Stop the thread and wait for it (it wakes at once on the stop pipe).
    func stop() {
        var one: UInt8 = 1
        _ = write(stopWriteFD, &one, 1)
        if let thread { pthread_join(thread, nil) }
        thread = nil
    }

    private func run() {
        var buffer = [UInt8](repeating: 0, count: 64)
        while true {
            var fds = [pollfd(fd: deviceFD, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: stopReadFD, events: Int16(POLLIN), revents: 0)]
            let n = poll(&fds, 2, -1)
            if n < 0 {
                if errno == EINTR { continue }
                return
            }
            if fds[1].revents != 0 { return }
            var one: UInt8 = 1
            _ = write(signalWriteFD, &one, 1)
            // The device is gone (unmounted, aborted): the loop reads ENODEV and stops.
            if fds[0].revents & Int16(POLLERR | POLLHUP | POLLNVAL) != 0 { return }
            var wait = [pollfd(fd: ackReadFD, events: Int16(POLLIN), revents: 0),
                        pollfd(fd: stopReadFD, events: Int16(POLLIN), revents: 0)]
            while poll(&wait, 2, -1) < 0 && errno == EINTR {}
            if wait[1].revents != 0 { return }
            _ = read(ackReadFD, &buffer, buffer.count)
        }
    }

    deinit {
        for fd in [signalFD, signalWriteFD, ackReadFD, ackWriteFD, stopReadFD, stopWriteFD] { close(fd) }
    }
}
