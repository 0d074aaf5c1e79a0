import CChimera
import ChimeraPluginKit
import S3

extension S3Loop {
    /// The sorted entries of `directory`: from the cache when the directory
    /// did not change, else read whole (bounded).
    func snapshot(
        of directory: S3Handle,
        client: S3VFSClient,
        done: @escaping (Result<S3DirectorySnapshot, S3Error>) -> Void
    ) {
        // The attributes come first: a change during the read then shows
        // as a mismatch next time.
        let read = { [self] in
            client.getattr(directory) { [self] before in
                guard before.ok else {
                    done(.failure(S3StatusMapping.error(before.status)))
                    return
                }
                S3DirectoryReader.readAll(directory, limit: S3SnapshotCache.maxEntries, client: client) {
                    [self] result in
                    switch result {
                    case .failure(let error): done(.failure(error))
                    case .success(let (entries, _)):
                        let snapshot = S3DirectorySnapshot(
                            handle: directory,
                            entries: entries,
                            directoryAttrs: before.attrs
                        )
                        snapshots.insert(snapshot)
                        lastSnapshot = snapshot
                        done(.success(snapshot))
                    }
                }
            }
        }
        guard let cached = snapshots.lookup(directory, memo: lastSnapshot) else {
            read()
            return
        }
        client.getattr(directory) { [self] reply in
            if reply.ok && cached.isCurrent(reply.attrs) {
                lastSnapshot = cached
                done(.success(cached))
            } else {
                snapshots.remove(directory)
                if lastSnapshot === cached { lastSnapshot = nil }
                read()
            }
        }
    }
}
