import CChimera
import ChimeraPluginKit

/// One directory entry READDIR emitted.
struct S3DirectoryEntry {
    var name: String
    var handle: S3Handle
    var attrs: chimera_attrs
    var cookie: UInt64

    var isDirectory: Bool { attrs.valid.contains(.mode) && attrs.fileType == .directory }
    var isRegular: Bool { attrs.valid.contains(.mode) && attrs.fileType == .regular }
}
