import CChimera

/// Per-thread free lists of requests: a request is allocated, submitted and
/// completed on one loop, so each loop's list needs no lock.
final class RequestPool: @unchecked Sendable {
    private var free: [UnsafeMutablePointer<chimera_vfs_request>] = []
    private let limit: Int

    init(limit: Int = 4096) {
        self.limit = limit
        free.reserveCapacity(limit)
    }

    deinit {
        for request in free { UnsafeMutableRawPointer(request).deallocate() }
    }

    /// A zeroed request with struct_size set, and its host-owned trailer.
    @inline(__always)
    func allocate(thread: UInt32) -> UnsafeMutablePointer<chimera_vfs_request> {
        let request =
            free.popLast()
            ?? UnsafeMutableRawPointer.allocate(
                byteCount: RequestLayout.allocatedSize, alignment: MemoryLayout<chimera_vfs_request>.alignment
            ).bindMemory(to: chimera_vfs_request.self, capacity: 1)
        UnsafeMutableRawPointer(request).initializeMemory(as: UInt8.self, repeating: 0, count: RequestLayout.size)
        request.trailer.pointee.legacyCredential = false
        request.pointee.struct_size = UInt32(RequestLayout.size)
        request.pointee.thread_index = thread
        return request
    }

    @inline(__always)
    func release(_ request: UnsafeMutablePointer<chimera_vfs_request>) {
        if free.count < limit {
            free.append(request)
        } else {
            UnsafeMutableRawPointer(request).deallocate()
        }
    }
}
