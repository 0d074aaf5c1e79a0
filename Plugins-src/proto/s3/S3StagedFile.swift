import CChimera
import ChimeraPluginKit
import S3

/// A staging file open for writing, until it is renamed into place
/// (``published()``) or removed (``discard()``).
final class S3StagedFile {
    let client: S3VFSClient
    let directory: S3Handle
    let name: String
    let file: S3Handle
    let openHandle: UInt64
    private var settled = false

    init(client: S3VFSClient, directory: S3Handle, name: String, file: S3Handle, openHandle: UInt64) {
        self.client = client
        self.directory = directory
        self.name = name
        self.file = file
        self.openHandle = openHandle
    }

    /// Create `name` in `directory` (exclusive, hidden staging area).
    static func create(
        _ name: String,
        in directory: S3Handle,
        client: S3VFSClient,
        done: @escaping (Result<S3StagedFile, S3Error>) -> Void
    ) {
        let flags = CHIMERA_VFS_OPEN_WRITE | CHIMERA_VFS_OPEN_CREATE | CHIMERA_VFS_OPEN_EXCLUSIVE
        client.openAt(name, in: directory, flags: flags, hidden: true) { reply in
            guard reply.ok else {
                done(.failure(S3StatusMapping.error(reply.status)))
                return
            }
            done(
                .success(
                    S3StagedFile(
                        client: client,
                        directory: directory,
                        name: name,
                        file: reply.handle,
                        openHandle: reply.openHandle
                    )
                )
            )
        }
    }

    func published() {
        guard !settled else { return }
        settled = true
        client.close(file, openHandle: openHandle)
    }

    func discard() {
        guard !settled else { return }
        settled = true
        client.close(file, openHandle: openHandle)
        client.remove(name, in: directory, hidden: true) { _ in }
    }
}
