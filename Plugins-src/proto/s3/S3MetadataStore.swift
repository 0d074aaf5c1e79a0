import CChimera
import ChimeraPluginKit
import S3

/// Reads and writes an object's ``S3StoredMetadata``: the xattr
/// `user.chimera.s3.meta` where the bucket's module has xattrs, else a
/// sidecar file `<bucket>/.chimera-s3/meta/<fileid in hex>` (hidden from
/// every listing).
struct S3MetadataStore {
    let client: S3VFSClient
    let bucket: S3BucketState

    static let maxSidecar = 64 << 10

    static func sidecarName(_ attrs: chimera_attrs) -> String {
        let text = String(attrs.fileid, radix: 16)
        return String(repeating: "0", count: max(0, 16 - text.count)) + text
    }

    /// The metadata of the object at `handle`, nil when it has none (or it is unreadable).
    func load(_ handle: S3Handle, attrs: chimera_attrs, done: @escaping (S3StoredMetadata?) -> Void) {
        if !bucket.usesSidecar {
            client.getxattr(handle, name: S3StoredMetadata.xattrName) { reply in
                done(reply.ok ? S3StoredMetadata(decoding: reply.data) : nil)
            }
            return
        }
        bucket.stagingDirectory(.meta, client: client) { result in
            guard case .success(let directory) = result else {
                done(nil)
                return
            }
            client.lookup(Self.sidecarName(attrs), in: directory, hidden: true) { found in
                guard found.ok else {
                    done(nil)
                    return
                }
                S3FileReader.readAll(found.handle, limit: Self.maxSidecar, client: client) { bytes in
                    done(bytes.flatMap(S3StoredMetadata.init(decoding:)))
                }
            }
        }
    }

    /// Store `metadata` for the file at `handle` (attributes `attrs`).
    func store(
        _ metadata: S3StoredMetadata,
        handle: S3Handle,
        attrs: chimera_attrs,
        done: @escaping (Result<Void, S3Error>) -> Void
    ) {
        let bytes = metadata.encoded()
        if !bucket.usesSidecar {
            client.setxattr(handle, name: S3StoredMetadata.xattrName, value: bytes) { reply in
                done(reply.ok ? .success(()) : .failure(S3StatusMapping.error(reply.status)))
            }
            return
        }
        bucket.stagingDirectory(.meta, client: client) { result in
            switch result {
            case .failure(let error): done(.failure(error))
            case .success(let directory):
                S3FileReader.writeAll(
                    bytes,
                    name: Self.sidecarName(attrs),
                    in: directory,
                    client: client,
                    done: done
                )
            }
        }
    }

    /// Rename `name` in `directory` onto `newName` in `newDirectory`,
    /// replacing what is there. With sidecars, the replaced file's sidecar
    /// is removed too (xattrs go with their file anyway).
    func replace(
        _ name: String,
        in directory: S3Handle,
        with newName: String,
        in newDirectory: S3Handle,
        done: @escaping (S3VFSReply) -> Void
    ) {
        guard bucket.usesSidecar else {
            client.rename(name, in: directory, to: newName, in: newDirectory, done: done)
            return
        }
        client.lookup(newName, in: newDirectory, hidden: true) { [self] old in
            client.rename(name, in: directory, to: newName, in: newDirectory) { [self] renamed in
                if renamed.ok, old.ok, old.isRegular { remove(attrs: old.attrs) }
                done(renamed)
            }
        }
    }

    /// Forget the metadata of a removed object (sidecars only; xattrs go with the file).
    func remove(attrs: chimera_attrs) {
        guard bucket.usesSidecar else { return }
        bucket.stagingDirectory(.meta, client: client) { result in
            guard case .success(let directory) = result else { return }
            client.remove(Self.sidecarName(attrs), in: directory, hidden: true) { _ in }
        }
    }
}
