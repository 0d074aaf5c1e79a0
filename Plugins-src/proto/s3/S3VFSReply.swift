import CChimera
import ChimeraPluginKit

/// What a completed VFS request answered, copied out before the request is
/// freed.
struct S3VFSReply {
    var status: VFSStatus
    var handle = S3Handle([])
    var attrs = chimera_attrs()
    var openHandle: UInt64 = 0
    /// READ / WRITE / COPY / xattr lengths.
    var length: UInt64 = 0
    var eof = false
    /// GETXATTR value.
    var data: [UInt8] = []

    init(status: VFSStatus) { self.status = status }

    var ok: Bool { status == .ok }
    var isDirectory: Bool { attrs.valid.contains(.mode) && attrs.fileType == .directory }
    var isRegular: Bool { attrs.valid.contains(.mode) && attrs.fileType == .regular }
}
