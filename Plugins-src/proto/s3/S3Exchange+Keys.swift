import CChimera
import ChimeraPluginKit
import S3

extension S3Exchange {
    /// Keys whose path would touch a name the core hides (`.chimera-*`) are
    /// refused, like `..` and empty segments (`S3ObjectKey`).
    func validate(_ key: S3ObjectKey) throws(S3Error) {
        for component in key.components where component.utf8.starts(with: CHIMERA_VFS_HIDDEN_PREFIX.utf8) {
            throw S3Error(
                .invalidArgument,
                "Object key has a segment starting with \(CHIMERA_VFS_HIDDEN_PREFIX), which is reserved.",
                resource: String(key.rawValue.prefix(256)),
                details: [.init("ArgumentName", "key")]
            )
        }
    }

    /// The key's path below its bucket ("a/b/c.txt"; "a/b" for "a/b/").
    static func path(_ key: S3ObjectKey) -> String { key.components.joined(separator: "/") }

    /// The object `key` names: a regular file, or a directory for a marker key
    /// ("a/"). NoSuchKey otherwise.
    func resolveKey(
        _ key: S3ObjectKey,
        in bucket: S3BucketState,
        done: @escaping (Result<S3VFSReply, S3Error>) -> Void
    ) {
        client.lookupPath(Self.path(key), from: bucket.handle) { [self] reply in
            guard reply.ok else {
                if reply.status == .stale { loop.forgetBucket(bucket.name) }
                let missing: S3ErrorCode = reply.status == .stale ? .noSuchBucket : .noSuchKey
                let status = reply.status == .notDirectory ? VFSStatus.noEntry : reply.status
                done(.failure(S3StatusMapping.error(status, missing: missing, resource: key.rawValue)))
                return
            }
            let fits = key.isDirectoryMarker ? reply.isDirectory : reply.isRegular
            done(fits ? .success(reply) : .failure(S3Error(.noSuchKey, resource: key.rawValue)))
        }
    }

    /// The directory that will hold `key`, made (with its parents) if missing.
    func parentDirectory(
        of key: S3ObjectKey,
        in bucket: S3BucketState,
        done: @escaping (Result<S3Handle, S3Error>) -> Void
    ) {
        let parents = Array(key.parentComponents)
        guard !parents.isEmpty else {
            done(.success(bucket.handle))
            return
        }
        client.lookupPath(parents.joined(separator: "/"), from: bucket.handle) { [self] reply in
            if reply.ok && reply.isDirectory {
                done(.success(reply.handle))
            } else if reply.ok || reply.status == .notDirectory {
                done(.failure(S3Error(S3StatusMapping.keyConflict, resource: key.rawValue)))
            } else if reply.status == .noEntry {
                makeDirectories(parents[...], from: bucket.handle, key: key, done: done)
            } else {
                done(.failure(S3StatusMapping.error(reply.status, resource: key.rawValue)))
            }
        }
    }

    /// Walk `components` from `start`, making each missing directory.
    func makeDirectories(
        _ components: ArraySlice<String>,
        from start: S3Handle,
        key: S3ObjectKey,
        done: @escaping (Result<S3Handle, S3Error>) -> Void
    ) {
        guard let name = components.first else {
            done(.success(start))
            return
        }
        let rest = components.dropFirst()
        let next: (S3VFSReply) -> Void = { [self] reply in
            if reply.ok && reply.isDirectory {
                makeDirectories(rest, from: reply.handle, key: key, done: done)
            } else if reply.ok {
                done(.failure(S3Error(S3StatusMapping.keyConflict, resource: key.rawValue)))
            } else {
                done(.failure(S3StatusMapping.error(reply.status, resource: key.rawValue)))
            }
        }
        client.lookup(name, in: start) { [self] found in
            guard found.status == .noEntry else {
                next(found)
                return
            }
            client.mkdir(name, in: start) { [self] made in
                if made.status == .exists {
                    client.lookup(name, in: start, done: next)
                } else {
                    next(made)
                }
            }
        }
    }

    func metadataStore(_ bucket: S3BucketState) -> S3MetadataStore { S3MetadataStore(client: client, bucket: bucket) }

    static func timestamp(_ time: chimera_timespec) -> S3Timestamp {
        S3Timestamp(seconds: time.sec, nanoseconds: time.nsec)
    }

    /// A name for a staging file no other upload uses.
    func stagingName(_ purpose: String) -> String {
        "\(purpose)-\(requestID)-\(String(UInt64.random(in: 0...UInt64.max), radix: 36))"
    }
}
