/// Counts a connection's VFS requests and sends in flight, so the
/// connection is released only once none is left (chimera_protocol.h).
final class S3WorkCounter {
    private(set) var count = 0
    var onIdle: (() -> Void)?

    func begin() { count += 1 }

    func end() {
        count -= 1
        if count == 0, let onIdle { onIdle() }
    }
}
