import CChimera
import ChimeraPluginKit
import S3

/// Whole directories, READDIR by READDIR from cookie to cookie.
enum S3DirectoryReader {
    /// Entries per READDIR.
    static let batch = 1024

    /// Every entry of `directory` (at most `limit`; more is an error), and
    /// the directory's attributes after the read.
    static func readAll(
        _ directory: S3Handle,
        hidden: Bool = false,
        limit: Int,
        client: S3VFSClient,
        done: @escaping (Result<([S3DirectoryEntry], chimera_attrs), S3Error>) -> Void
    ) {
        var entries: [S3DirectoryEntry] = []
        func step(cookie: UInt64, verifier: UInt64, rounds: Int) {
            client.readdir(directory, cookie: cookie, verifier: verifier, limit: batch, hidden: hidden) { reply, got in
                guard reply.ok else {
                    done(.failure(S3StatusMapping.error(reply.status)))
                    return
                }
                entries.append(contentsOf: got.entries)
                guard entries.count <= limit else {
                    done(.failure(S3Error(.internalError, "The directory holds more than \(limit) entries.")))
                    return
                }
                // A READDIR that returned nothing without ending would loop forever.
                if reply.eof || got.lastCookie == cookie || rounds > limit / batch + 16 {
                    done(.success((entries, got.directoryAttrs)))
                } else {
                    step(cookie: got.lastCookie, verifier: got.verifier, rounds: rounds + 1)
                }
            }
        }
        step(cookie: 0, verifier: 0, rounds: 0)
    }

    /// Whether `directory` has any entry visible to other protocols.
    static func isEmpty(_ directory: S3Handle, client: S3VFSClient, done: @escaping (Result<Bool, S3Error>) -> Void) {
        client.readdir(directory, cookie: 0, verifier: 0, limit: 1) { reply, got in
            done(
                reply.ok
                    ? .success(got.entries.isEmpty && got.lastCookie == 0)
                    : .failure(S3StatusMapping.error(reply.status))
            )
        }
    }

    /// Remove `name` in `parent` and, for a directory, everything under it
    /// (staging areas: multipart uploads, a deleted bucket's `.chimera-s3`).
    static func removeTree(
        _ name: String,
        in parent: S3Handle,
        client: S3VFSClient,
        depth: Int = 0,
        done: @escaping (VFSStatus) -> Void
    ) {
        client.lookup(name, in: parent, hidden: true) { found in
            guard found.ok else {
                done(found.status)
                return
            }
            guard found.isDirectory, depth < 16 else {
                client.remove(name, in: parent, hidden: true) { done($0.status) }
                return
            }
            readAll(found.handle, hidden: true, limit: 100_000, client: client) { listed in
                guard case .success(let (entries, _)) = listed else {
                    done(.io)
                    return
                }
                VFSTrampoline.forEach(entries.count) { index, next in
                    removeTree(entries[index].name, in: found.handle, client: client, depth: depth + 1) { _ in next() }
                } done: {
                    client.remove(name, in: parent, flags: CHIMERA_VFS_REMOVE_DIR, hidden: true) { done($0.status) }
                }
            }
        }
    }
}
