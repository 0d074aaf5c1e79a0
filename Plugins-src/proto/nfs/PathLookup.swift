import CChimera
import ChimeraPluginKit

/// Resolves a namespace path ("/memfs/dir") to a wire handle with the core's LOOKUP_PATH, as the host
/// (no credential). For MNT and for learning mount ids: rare, so a closure and a copy of the path are fine.
enum PathLookup {
    static func start(
        path: String,
        loop: NFSLoop,
        done: @escaping (VFSStatus, UnsafeRawBufferPointer) -> Void
    ) {
        let vfs = loop.server.vfs
        guard let request = vfs.allocate(thread: loop.index) else {
            done(.delay, UnsafeRawBufferPointer(start: nil, count: 0))
            return
        }
        let bytes = Array(path.utf8)
        let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 1)
        storage.copyBytes(from: bytes)
        request.pointee.op = UInt32(CHIMERA_VFS_OP_LOOKUP_PATH)
        request.pointee.fh = nil
        request.pointee.fh_len = 0
        request.pointee.lookup_path.path = UnsafePointer(storage.baseAddress?.assumingMemoryBound(to: CChar.self))
        request.pointee.lookup_path.path_len = UInt32(bytes.count)
        request.pointee.r_attrs.req_mask = NFS3AttributeMapping.statMask
        vfs.submit(request) { finished in
            let status = VFSStatus(rawValue: finished.pointee.status)
            let length = min(Int(finished.pointee.r_fh_len), Int(CHIMERA_FH_MAX))
            withUnsafeBytes(of: &finished.pointee.r_fh) { raw in
                done(status, UnsafeRawBufferPointer(rebasing: raw.prefix(status == .ok ? length : 0)))
            }
            storage.deallocate()
            vfs.free(finished)
        }
    }
}
