import CChimera
import ChimeraPluginKit

/// LOOKUP_PATH: resolve a slash-separated path one LOOKUP at a time from a
/// handle (or the namespace root), across mounts. "." is skipped and ".."
/// never climbs above the namespace root. Each step goes through the core,
/// so the name cache serves repeated walks.
final class PathWalker {
    static let maxComponents = 255

    let request: UnsafeMutablePointer<chimera_vfs_request>
    let core: VFSCore
    /// The path bytes, owned here so steps can point at them.
    let path: UnsafeMutableRawBufferPointer
    var components: [Range<Int>] = []
    var next = 0
    /// The handle reached so far, in storage steps can point at.
    let current: UnsafeMutableRawBufferPointer
    var currentLength: Int
    var attributes = chimera_attrs()

    init(request: UnsafeMutablePointer<chimera_vfs_request>, core: VFSCore, path: UnsafeRawBufferPointer) {
        self.request = request
        self.core = core
        self.path = .allocate(byteCount: max(path.count, 1), alignment: 1)
        self.path.copyMemory(from: path)
        self.current = .allocate(byteCount: Int(CHIMERA_FH_MAX), alignment: 8)
        let start = request.handleBytes
        if start.isEmpty {
            current.initializeMemory(as: UInt8.self, repeating: 0)
            currentLength = MountID.length
        } else {
            current.copyMemory(from: UnsafeRawBufferPointer(rebasing: start.prefix(Int(CHIMERA_FH_MAX))))
            currentLength = min(start.count, Int(CHIMERA_FH_MAX))
        }
    }

    deinit {
        path.deallocate()
        current.deallocate()
    }

    static func start(_ request: UnsafeMutablePointer<chimera_vfs_request>, core: VFSCore) {
        let path = VFSRequest.bytes(request.pointee.lookup_path.path, request.pointee.lookup_path.path_len)
        guard path.count <= Int(CHIMERA_PATH_MAX) else {
            core.complete(request, .nameTooLong)
            return
        }
        let walker = PathWalker(request: request, core: core, path: path)
        var begin = 0
        for i in 0...path.count {
            if i == path.count || path[i] == UInt8(ascii: "/") {
                if i > begin && !(i - begin == 1 && path[begin] == UInt8(ascii: ".")) {
                    walker.components.append(begin..<i)
                }
                begin = i + 1
            }
        }
        guard walker.components.count <= maxComponents else {
            core.complete(request, .nameTooLong)
            return
        }
        walker.step()
    }

    /// Look up the next component, or finish.
    func step() {
        let thread = request.pointee.thread_index
        let done = next == components.count
        let lookup = core.makeInternalRequest(thread: thread) { [self] answer in
            let status = VFSStatus(rawValue: answer.pointee.status)
            guard status == .ok else {
                core.complete(request, status)
                return
            }
            if !done {
                let found = answer.resultHandleBytes
                current.copyMemory(from: found)
                currentLength = found.count
            }
            attributes = answer.pointee.r_attrs
            if done {
                request.resultHandlePointer.copyMemory(from: current.baseAddress!, byteCount: currentLength)
                request.pointee.r_fh_len = UInt32(currentLength)
                request.pointee.r_attrs = attributes
                core.complete(request, .ok)
            } else {
                next += 1
                step()
            }
        }
        lookup.pointee.cred = request.pointee.cred
        lookup.pointee.flags = request.pointee.flags
        lookup.pointee.r_attrs.req_mask = request.pointee.r_attrs.req_mask | VFSAttributeMask.stat.rawValue
        lookup.pointee.fh = UnsafePointer(current.baseAddress!.assumingMemoryBound(to: UInt8.self))
        lookup.pointee.fh_len = UInt32(currentLength)
        if done {
            lookup.pointee.op = UInt32(CHIMERA_VFS_OP_GETATTR)
        } else {
            let range = components[next]
            lookup.pointee.op = UInt32(CHIMERA_VFS_OP_LOOKUP)
            lookup.pointee.lookup.name = UnsafePointer(
                (path.baseAddress! + range.lowerBound).assumingMemoryBound(to: CChar.self))
            lookup.pointee.lookup.name_len = UInt32(range.count)
        }
        core.submit(lookup)
    }
}
