import CChimera
import ChimeraPluginKit
import S3

extension S3Exchange {
    func listBuckets() {
        let start = loop.plugin.startTime
        var buckets = configuration.buckets.keys.sorted().map { S3XMLResponses.Bucket(name: $0, creationDate: start) }
        let answer: ([S3XMLResponses.Bucket]) -> Void = { [self] list in
            let sorted = list.sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
            respondXML(S3XMLResponses.listAllMyBuckets(owner: loop.plugin.owner, buckets: sorted))
        }
        guard let root = configuration.bucketRoot else {
            answer(buckets)
            return
        }
        client.lookupPath(root, from: nil) { [self] reply in
            guard reply.ok, reply.isDirectory else {
                answer(buckets)
                return
            }
            S3DirectoryReader.readAll(reply.handle, limit: 100_000, client: client) { [self] listed in
                if case .success(let (entries, _)) = listed {
                    for entry in entries
                    where entry.isDirectory && S3BucketName.isValid(entry.name)
                        && configuration.buckets[entry.name] == nil
                    {
                        let created = entry.attrs.valid.contains(.btime) ? entry.attrs.btime : entry.attrs.ctime
                        buckets.append(.init(name: entry.name, creationDate: Self.timestamp(created)))
                    }
                }
                answer(buckets)
            }
        }
    }

    func headBucket(_ name: String) {
        withBucket(name) { [self] _ throws(S3Error) in
            respond(status: 200, headers: [("x-amz-bucket-region", configuration.region)])
        }
    }

    func getBucketLocation(_ name: String) {
        withBucket(name) { [self] _ throws(S3Error) in
            respondXML(S3XMLResponses.locationConstraint(region: configuration.region))
        }
    }

    func getBucketVersioning(_ name: String) {
        withBucket(name) { [self] _ throws(S3Error) in
            respondXML(S3XMLResponses.versioningConfiguration())
        }
    }

    /// CreateBucket: a directory under bucket_root.
    func createBucket(_ name: String) throws(S3Error) {
        try collectBody(limit: 64 << 10) { [self] bytes, _ in
            do throws(S3Error) {
                if let location = try S3XMLRequests.createBucketConfiguration(bytes), location != configuration.region {
                    throw S3Error(
                        .illegalLocationConstraint,
                        "The \(location) location constraint is incompatible for the region specific endpoint "
                            + "this request was sent to."
                    )
                }
                if configuration.buckets[name] != nil { throw S3Error(.bucketAlreadyOwnedByYou, resource: name) }
                guard let root = configuration.bucketRoot else {
                    throw S3Error(.accessDenied, "This server has no bucket_root: buckets come from its configuration.")
                }
                client.lookupPath(root, from: nil) { [self] parent in
                    guard parent.ok, parent.isDirectory else {
                        fail(S3Error(.internalError, "bucket_root does not resolve to a directory"))
                        return
                    }
                    client.mkdir(name, in: parent.handle) { [self] made in
                        if made.ok {
                            respond(status: 200, headers: [("Location", "/" + name)])
                        } else if made.status == .exists {
                            fail(S3Error(.bucketAlreadyOwnedByYou, resource: name))
                        } else {
                            fail(S3StatusMapping.error(made.status, resource: name))
                        }
                    }
                }
            } catch {
                fail(error)
            }
        }
    }

    /// DeleteBucket: only buckets CreateBucket made, only when empty (the
    /// front-end's own staging area goes with it).
    func deleteBucket(_ name: String) {
        withBucket(name) { [self] bucket throws(S3Error) in
            guard bucket.isDynamic, let root = configuration.bucketRoot else {
                throw S3Error(.accessDenied, "Buckets from the configuration cannot be deleted.", resource: name)
            }
            S3DirectoryReader.isEmpty(bucket.handle, client: client) { [self] empty in
                switch empty {
                case .failure(let error): fail(error)
                case .success(false): fail(S3Error(.bucketNotEmpty, resource: name))
                case .success(true):
                    S3DirectoryReader.removeTree(S3BucketState.stagingName, in: bucket.handle, client: client) {
                        [self] _ in
                        client.lookupPath(root, from: nil) { [self] parent in
                            guard parent.ok else {
                                fail(S3StatusMapping.error(parent.status))
                                return
                            }
                            client.remove(name, in: parent.handle, flags: CHIMERA_VFS_REMOVE_DIR) { [self] removed in
                                loop.forgetBucket(name)
                                switch removed.status {
                                case .ok, .noEntry: respond(status: 204)
                                case .notEmpty: fail(S3Error(.bucketNotEmpty, resource: name))
                                default:
                                    fail(S3StatusMapping.error(removed.status, missing: .noSuchBucket, resource: name))
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
