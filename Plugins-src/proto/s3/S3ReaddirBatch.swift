import CChimera
import ChimeraPluginKit

/// Entries one READDIR emitted. Filled on the module's thread while the
/// loop waits for the completion, read on the loop afterwards.
final class S3ReaddirBatch {
    let limit: Int
    var entries: [S3DirectoryEntry] = []
    var verifier: UInt64 = 0
    var directoryAttrs = chimera_attrs()
    /// Resume after the last accepted entry.
    var lastCookie: UInt64 = 0

    init(limit: Int) {
        self.limit = limit
        entries.reserveCapacity(min(limit, 1024))
    }
}

let s3ReaddirEmit: chimera_vfs_readdir_emit_fn = { request, name, nameLength, cookie, handle, handleLength, attrs in
    guard let request, let arg = request.pointee.readdir.emit_arg else { return 1 }
    let batch = Unmanaged<S3ReaddirBatch>.fromOpaque(arg).takeUnretainedValue()
    guard batch.entries.count < batch.limit else { return 1 }
    batch.lastCookie = cookie
    // A name that is not UTF-8 (written over another protocol) cannot be a key.
    let nameBytes = UnsafeRawBufferPointer(start: name, count: Int(nameLength))
    guard let text = String(validating: nameBytes, as: UTF8.self) else { return 0 }
    let handleBytes = UnsafeRawBufferPointer(start: handle, count: Int(min(handleLength, UInt32(CHIMERA_FH_MAX))))
    batch.entries.append(
        S3DirectoryEntry(
            name: text,
            handle: S3Handle(Array(handleBytes)),
            attrs: attrs?.pointee ?? chimera_attrs(),
            cookie: cookie
        )
    )
    return 0
}
