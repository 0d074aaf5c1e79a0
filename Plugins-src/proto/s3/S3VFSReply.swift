import ChimeraPluginKit

/// What a completed VFS request answered (the kit's, shared by every
/// front-end).
typealias S3VFSReply = VFSReply
