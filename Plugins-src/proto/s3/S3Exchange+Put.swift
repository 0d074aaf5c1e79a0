import CChimera
import ChimeraPluginKit
import S3

extension S3Exchange {
    /// The most one PUT or part may carry (AWS: 5 GiB), within max_object_size.
    var singleUploadLimit: UInt64 { min(S3MultipartUpload.maximumPartSize, configuration.maxObjectSize) }

    /// PutObject: stream the body to `.chimera-s3/tmp/<unique>`, verify it,
    /// store the metadata, then rename it onto the key: readers of every
    /// protocol see the old object or the new one, never half of one.
    func putObject(_ bucketName: String, _ key: S3ObjectKey, _ options: S3PutObjectOptions) throws(S3Error) {
        try validate(key)
        guard let request else { throw S3Error(.invalidRequest) }
        if key.isDirectoryMarker {
            try putDirectoryMarker(bucketName, key)
            return
        }
        let body = try S3RequestBody(
            request: request,
            authentication: authentication,
            limits: .init(maxLength: singleUploadLimit)
        )
        var bucketState: S3BucketState?
        let upload = S3Upload(connection: connection, body: body, window: configuration.maxWriteBytesInFlight) {
            [self] result in
            switch result {
            case .failure(let error):
                fail(error)
            case .success(let finished):
                guard let bucket = bucketState else {
                    finished.staged.discard()
                    return
                }
                var metadata = S3StoredMetadata(etag: finished.summary.etag, metadata: options.metadata)
                if let checksum = finished.summary.checksum {
                    metadata.checksum = S3Field(name: checksum.algorithm.rawValue, value: checksum.value)
                }
                publish(finished.staged, metadata: metadata, bucket: bucket, key: key, conditions: options.conditions) {
                    [self] _ in
                    var headers = [("ETag", finished.summary.etag)]
                    if let checksum = finished.summary.checksum {
                        headers.append((checksum.algorithm.headerName, checksum.value))
                    }
                    respond(status: 200, headers: headers)
                }
            }
        }
        sink = .upload(upload)
        withBucket(bucketName) { [self] bucket throws(S3Error) in
            bucketState = bucket
            bucket.stagingDirectory(.tmp, client: client) { [self] result in
                switch result {
                case .failure(let error): upload.fail(error)
                case .success(let directory): upload.open(in: directory, name: stagingName("put"), as: client)
                }
            }
        }
    }

    /// Give a finished staging file its metadata and rename it onto `key`.
    /// `done` gets the published file's attributes; failures answer the
    /// request and remove the staging file.
    func publish(
        _ finished: S3StagedFile,
        metadata: S3StoredMetadata,
        bucket: S3BucketState,
        key: S3ObjectKey,
        conditions: S3Conditions = S3Conditions(),
        done: @escaping (chimera_attrs) -> Void
    ) {
        let failed: (S3Error) -> Void = { [self] error in
            finished.discard()
            fail(error)
        }
        client.getattr(finished.file, hidden: true) { [self] stat in
            guard stat.ok else { return failed(S3StatusMapping.error(stat.status)) }
            var stamped = metadata
            stamped.stamp(stat.attrs)
            metadataStore(bucket).store(stamped, handle: finished.file, attrs: stat.attrs) { [self] stored in
                if case .failure(let error) = stored { return failed(error) }
                parentDirectory(of: key, in: bucket) { [self] parent in
                    switch parent {
                    case .failure(let error): failed(error)
                    case .success(let directory):
                        checkWriteConditions(conditions, key: key, bucket: bucket) { [self] allowed in
                            if let error = allowed { return failed(error) }
                            metadataStore(bucket).replace(
                                finished.name,
                                in: finished.directory,
                                with: key.name,
                                in: directory
                            ) { renamed in
                                guard renamed.ok else {
                                    return failed(S3StatusMapping.error(renamed.status, resource: key.rawValue))
                                }
                                finished.published()
                                done(stat.attrs)
                            }
                        }
                    }
                }
            }
        }
    }

    /// `If-Match` / `If-None-Match` on a write, against the current object.
    func checkWriteConditions(
        _ conditions: S3Conditions,
        key: S3ObjectKey,
        bucket: S3BucketState,
        done: @escaping (S3Error?) -> Void
    ) {
        guard !conditions.isEmpty else {
            done(nil)
            return
        }
        resolveKey(key, in: bucket) { [self] result in
            guard case .success(let current) = result else {
                done(Self.conditionError(conditions, etag: nil, lastModified: nil))
                return
            }
            metadataStore(bucket).load(current.handle, attrs: current.attrs) { metadata in
                let etag = S3StoredMetadata.etag(of: metadata, attrs: current.attrs)
                done(Self.conditionError(conditions, etag: etag, lastModified: Self.timestamp(current.attrs.mtime)))
            }
        }
    }

    static func conditionError(_ conditions: S3Conditions, etag: String?, lastModified: S3Timestamp?) -> S3Error? {
        do throws(S3Error) {
            try conditions.check(etag: etag, lastModified: lastModified, isRead: false)
            return nil
        } catch {
            return error
        }
    }

    /// PUT of `a/b/`: a directory (a "folder" object), empty by definition.
    private func putDirectoryMarker(_ bucketName: String, _ key: S3ObjectKey) throws(S3Error) {
        try collectBody(limit: 0) { [self] _, summary in
            guard summary.length == 0 else {
                fail(S3Error(.invalidArgument, "A key ending in '/' names a directory and cannot hold data."))
                return
            }
            withBucket(bucketName) { [self] bucket throws(S3Error) in
                makeDirectories(key.components[...], from: bucket.handle, key: key) { [self] result in
                    switch result {
                    case .failure(let error): fail(error)
                    case .success: respond(status: 200, headers: [("ETag", S3StoredMetadata.emptyETag)])
                    }
                }
            }
        }
    }
}
