import CChimera

/// The requests one loop has handed the core and not yet had answered,
/// linked through their scratch words (no allocation). Only its loop
/// touches it.
final class InFlightList: @unchecked Sendable {
    private(set) var head: UnsafeMutablePointer<chimera_vfs_request>?
    private(set) var count = 0

    @inline(__always)
    func insert(_ request: UnsafeMutablePointer<chimera_vfs_request>) {
        let s = request.scratch
        s[Scratch.prev] = 0
        s[Scratch.next] = UInt64(UInt(bitPattern: head))
        if let head { head.scratch[Scratch.prev] = UInt64(UInt(bitPattern: request)) }
        head = request
        request.flags.insert(.inFlight)
        count += 1
    }

    @inline(__always)
    func remove(_ request: UnsafeMutablePointer<chimera_vfs_request>) {
        guard request.flags.contains(.inFlight) else { return }
        let s = request.scratch
        let prev = UnsafeMutablePointer<chimera_vfs_request>(bitPattern: UInt(s[Scratch.prev]))
        let next = UnsafeMutablePointer<chimera_vfs_request>(bitPattern: UInt(s[Scratch.next]))
        if let prev { prev.scratch[Scratch.next] = s[Scratch.next] } else { head = next }
        if let next { next.scratch[Scratch.prev] = s[Scratch.prev] }
        request.flags.remove(.inFlight)
        count -= 1
    }

    /// Visit every request (oldest last).
    func forEach(_ body: (UnsafeMutablePointer<chimera_vfs_request>) -> Void) {
        var cursor = head
        var visited = 0
        while let request = cursor, visited <= count {
            body(request)
            cursor = UnsafeMutablePointer<chimera_vfs_request>(bitPattern: UInt(request.scratch[Scratch.next]))
            visited += 1
        }
    }
}
