import CChimera
import ChimeraPluginKit
import S3

/// Whole small files: upload records and sidecars.
enum S3FileReader {
    /// The file's bytes, nil when it is larger than `limit` or unreadable.
    static func readAll(
        _ handle: S3Handle,
        limit: Int,
        client: S3VFSClient,
        done: @escaping ([UInt8]?) -> Void
    ) {
        client.open(handle, flags: CHIMERA_VFS_OPEN_READ, hidden: true) { opened in
            guard opened.ok else {
                done(nil)
                return
            }
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: limit + 1, alignment: 16)
            client.read(handle, openHandle: opened.openHandle, offset: 0, into: buffer) { reply in
                let bytes: [UInt8]? =
                    reply.ok && reply.length <= UInt64(limit)
                    ? Array(UnsafeRawBufferPointer(rebasing: buffer[0..<Int(reply.length)])) : nil
                buffer.deallocate()
                client.close(handle, openHandle: opened.openHandle)
                done(bytes)
            }
        }
    }

    /// Create or replace `name` in `directory` with `bytes`.
    static func writeAll(
        _ bytes: [UInt8],
        name: String,
        in directory: S3Handle,
        client: S3VFSClient,
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
