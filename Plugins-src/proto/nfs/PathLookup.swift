import CChimera
import ChimeraPluginKit

/// Resolves a namespace path ("/memfs/dir") to a wire handle with the core's LOOKUP_PATH, as the host
/// (no credential). For MNT and for learning mount ids: rare, so it goes through the kit's ``VFSClient``
/// (a closure and a copy of the path are fine here; the per-call procedures fill pooled requests in place).
enum PathLookup {
    static func start(
        path: String,
        loop: NFSLoop,
        done: @escaping (VFSStatus, UnsafeRawBufferPointer) -> Void
    ) {
        let client = VFSClient(vfs: loop.server.vfs, thread: loop.index, credential: nil)
        client.perform(
            .lookupPath(Array(path.utf8)), on: nil, masks: VFSResultMasks(attrs: NFS3AttributeMapping.statMask)
        ) { reply in
            let handle = reply.ok ? reply.handle.bytes : []
            handle.withUnsafeBytes { done(reply.status, $0) }
        }
    }
}
