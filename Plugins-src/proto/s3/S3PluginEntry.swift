import CChimera
import ChimeraPluginKit

/// The front-end's one exported symbol (`include/chimera_protocol.h`).
@c public func chimera_protocol_module_v1() -> UnsafePointer<chimera_protocol_module> {
    ProtocolPluginExport.entry(S3Plugin.self)
}
