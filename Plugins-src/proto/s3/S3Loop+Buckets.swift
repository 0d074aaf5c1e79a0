import CChimera
import ChimeraPluginKit
import S3

extension S3Loop {
    /// The bucket `name`, resolved on first use. NoSuchBucket when it is not
    /// configured (nor a directory under bucket_root) or its path does not
    /// resolve (logged once).
    func bucket(_ name: String, client: S3VFSClient, done: @escaping (Result<S3BucketState, S3Error>) -> Void) {
        if let known = buckets[name] {
            // A directory removed and made again (DeleteBucket and
            // CreateBucket on another loop, or over NFS) leaves a stale
            // handle here: check it, and resolve the path again if so.
            client.getattr(known.handle) { [self] reply in
                if reply.ok && reply.isDirectory {
                    done(.success(known))
                } else {
                    if buckets[name] === known { buckets[name] = nil }
                    resolve(name, client: client, done: done)
                }
            }
            return
        }
        resolve(name, client: client, done: done)
    }

    private func resolve(_ name: String, client: S3VFSClient, done: @escaping (Result<S3BucketState, S3Error>) -> Void)
    {
        let configuration = self.configuration
        let path: String
        let anonymous: Bool
        let dynamic: Bool
        if let configured = configuration.buckets[name] {
            path = configured.path
            anonymous = configured.anonymousRead
            dynamic = false
        } else if let root = configuration.bucketRoot, S3BucketName.isValid(name) {
            path = root.hasSuffix("/") ? root + name : root + "/" + name
            anonymous = false
            dynamic = true
        } else {
            done(.failure(S3Error(.noSuchBucket, resource: name)))
            return
        }
        client.lookupPath(path, from: nil) { [self] reply in
            guard reply.ok, reply.isDirectory else {
                if !dynamic && missingLogged.insert(name).inserted {
                    host.log(.info, "bucket \(name): path \(path) does not resolve to a directory (\(reply.status))")
                }
                done(.failure(S3Error(.noSuchBucket, resource: name)))
                return
            }
            let capabilities = reply.handle.bytes.withUnsafeBytes { client.vfs.capabilities(of: $0) }
            let sidecar = configuration.metadata == .sidecar || capabilities & CHIMERA_VFS_CAP_XATTRS == 0
            let state = S3BucketState(
                name: name,
                path: path,
                anonymousRead: anonymous,
                isDynamic: dynamic,
                handle: reply.handle,
                attrs: reply.attrs,
                usesSidecar: sidecar
            )
            buckets[name] = state
            missingLogged.remove(name)
            done(.success(state))
        }
    }

    /// Drop a bucket whose handle went stale (its directory was removed).
    func forgetBucket(_ name: String) { buckets[name] = nil }
}
