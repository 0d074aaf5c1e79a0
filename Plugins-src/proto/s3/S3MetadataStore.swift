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
        _ metadata: S3StoredMetadata, handle: S3Handle, attrs: chimera_attrs,
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
                    bytes, name: Self.sidecarName(attrs), in: directory, client: client, done: done)
            }
        }
    }

    /// Rename `name` in `directory` onto `newName` in `newDirectory`,
    /// replacing what is there. With sidecars, the replaced file's sidecar
    /// is removed too (xattrs go with their file anyway).
    func replace(
        _ name: String, in directory: S3Handle, with newName: String, in newDirectory: S3Handle,
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

/// Whole small files: upload records and sidecars.
enum S3FileReader {
    /// The file's bytes, nil when it is larger than `limit` or unreadable.
    static func readAll(
        _ handle: S3Handle, limit: Int, client: S3VFSClient, done: @escaping ([UInt8]?) -> Void
    ) {
        client.open(handle, flags: CHIMERA_VFS_OPEN_READ, hidden: true) { opened in
            guard opened.ok else {
                done(nil)
                return
            }
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: limit + 1, alignment: 16)
            client.read(handle, openHandle: opened.openHandle, offset: 0, into: buffer) { reply in
                let bytes: [UInt8]? = reply.ok && reply.length <= UInt64(limit)
                    ? Array(UnsafeRawBufferPointer(rebasing: buffer[0..<Int(reply.length)])) : nil
                buffer.deallocate()
                client.close(handle, openHandle: opened.openHandle)
                done(bytes)
            }
        }
    }

    /// Create or replace `name` in `directory` with `bytes`.
    static func writeAll(
        _ bytes: [UInt8], name: String, in directory: S3Handle, client: S3VFSClient,
        done: @escaping (Result<Void, S3Error>) -> Void
    ) {
        let flags = CHIMERA_VFS_OPEN_WRITE | CHIMERA_VFS_OPEN_CREATE | CHIMERA_VFS_OPEN_TRUNCATE
        client.openAt(name, in: directory, flags: flags, hidden: true) { opened in
            guard opened.ok else {
                done(.failure(S3StatusMapping.error(opened.status)))
                return
            }
            let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 16)
            bytes.withUnsafeBytes { if !$0.isEmpty { storage.copyMemory(from: $0) } }
            let data = UnsafeRawBufferPointer(rebasing: storage[0..<bytes.count])
            client.write(opened.handle, openHandle: opened.openHandle, offset: 0, data: data) { wrote in
                storage.deallocate()
                client.close(opened.handle, openHandle: opened.openHandle)
                done(wrote.ok ? .success(()) : .failure(S3StatusMapping.error(wrote.status)))
            }
        }
    }
}
