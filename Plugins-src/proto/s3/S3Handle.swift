import ChimeraPluginKit

/// A wire handle (mount id + module handle, at most CHIMERA_FH_MAX bytes).
typealias S3Handle = VFSHandle
