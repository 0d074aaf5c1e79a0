import CChimera
import ChimeraPluginKit

/// The module's one exported symbol (`include/chimera_vfs.h`).
@c public func chimera_vfs_module_v1() -> UnsafePointer<chimera_vfs_module> {
    VFSModuleExport.entry(MemFS.self)
}
