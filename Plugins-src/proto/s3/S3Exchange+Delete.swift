import CChimera
import ChimeraPluginKit
import S3

extension S3Exchange {
    /// DeleteObject: 204 whether or not the key existed.
    func deleteObject(_ bucketName: String, _ key: S3ObjectKey) throws(S3Error) {
        try validate(key)
        withBucket(bucketName) { [self] bucket throws(S3Error) in
            removeKey(key, in: bucket) { [self] error in
                if let error { fail(error) } else { respond(status: 204) }
            }
        }
    }

    /// DeleteObjects: each key on its own; one bad key fails only itself.
    func deleteObjects(_ bucketName: String) throws(S3Error) {
        try collectBody(limit: 2 << 20, maxLength: 2 << 20) { [self] bytes, _ in
            let document: S3XMLRequests.DeleteRequest
            do throws(S3Error) { document = try S3XMLRequests.delete(bytes, headers: headers) } catch {
                fail(error)
                return
            }
            withBucket(bucketName) { [self] bucket throws(S3Error) in
                var outcomes: [S3XMLResponses.DeleteOutcome] = []
                VFSTrampoline.forEach(document.objects.count) { [self] index, next in
                    let text = document.objects[index].key
                    do throws(S3Error) {
                        let key = try S3ObjectKey(text)
                        try validate(key)
                        removeKey(key, in: bucket) { error in
                            outcomes.append(error.map { .failed(key: text, $0) } ?? .deleted(key: text))
                            next()
                        }
                    } catch {
                        outcomes.append(.failed(key: text, error))
                        next()
                    }
                } done: { [self] in
                    respondXML(S3XMLResponses.deleteResult(outcomes, quiet: document.quiet))
                }
            }
        }
    }

    /// Remove the object `key` names (nil error when there was none), then
    /// the directories its removal left empty.
    func removeKey(_ key: S3ObjectKey, in bucket: S3BucketState, done: @escaping (S3Error?) -> Void) {
        let parents = Array(key.parentComponents)
        let removeIn: (S3Handle) -> Void = { [self] directory in
            client.lookup(key.name, in: directory) { [self] found in
                guard found.ok else {
                    done(found.status == .noEntry ? nil : S3StatusMapping.error(found.status, resource: key.rawValue))
                    return
                }
                guard key.isDirectoryMarker ? found.isDirectory : !found.isDirectory else {
                    done(nil)
                    return
                }
                let flags = key.isDirectoryMarker ? CHIMERA_VFS_REMOVE_DIR : CHIMERA_VFS_REMOVE_NOT_DIR
                client.remove(key.name, in: directory, flags: flags) { [self] removed in
                    switch removed.status {
                    case .ok:
                        if !key.isDirectoryMarker { metadataStore(bucket).remove(attrs: found.attrs) }
                        pruneEmptyDirectories(parents, in: bucket) { done(nil) }
                    case .noEntry, .notEmpty, .isDirectory, .notDirectory:
                        // Gone already, or a directory that still holds objects.
                        done(nil)
                    default:
                        done(S3StatusMapping.error(removed.status, resource: key.rawValue))
                    }
                }
            }
        }
        guard !parents.isEmpty else {
            removeIn(bucket.handle)
            return
        }
        client.lookupPath(parents.joined(separator: "/"), from: bucket.handle) { reply in
            guard reply.ok, reply.isDirectory else {
                done(
                    reply.ok || reply.status == .noEntry || reply.status == .notDirectory
                        ? nil : S3StatusMapping.error(reply.status, resource: key.rawValue)
                )
                return
            }
            removeIn(reply.handle)
        }
    }

    /// Remove `components`' directories from the deepest up while they are
    /// empty, so a deleted key's "folder" goes with it, as in S3.
    func pruneEmptyDirectories(_ components: [String], in bucket: S3BucketState, done: @escaping () -> Void) {
        guard let last = components.last else {
            done()
            return
        }
        let above = Array(components.dropLast())
        let removeIn: (S3Handle) -> Void = { [self] directory in
            client.remove(last, in: directory, flags: CHIMERA_VFS_REMOVE_DIR) { [self] removed in
                if removed.ok { pruneEmptyDirectories(above, in: bucket, done: done) } else { done() }
            }
        }
        if above.isEmpty {
            removeIn(bucket.handle)
        } else {
            client.lookupPath(above.joined(separator: "/"), from: bucket.handle) { reply in
                if reply.ok { removeIn(reply.handle) } else { done() }
            }
        }
    }
}
