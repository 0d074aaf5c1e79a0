import CChimera
import ChimeraPluginKit
import S3

extension S3Exchange {
    /// The source object of a copy, with its metadata and ETag.
    struct CopySource {
        var file: S3VFSReply
        var metadata: S3StoredMetadata?
        var etag: String
        /// Whether `etag` is the MD5 of the content (a simple upload's).
        var etagIsMD5: Bool
    }

    /// Resolve `source`, check its `x-amz-copy-source-if-*` conditions.
    func resolveCopySource(_ source: S3CopySource, done: @escaping (CopySource) -> Void) {
        do throws(S3Error) {
            try validate(source.key)
            if source.versionId != nil && source.versionId != "null" { throw S3Error(.noSuchVersion) }
        } catch {
            fail(error)
            return
        }
        withBucket(source.bucket) { [self] bucket throws(S3Error) in
            resolveKey(source.key, in: bucket) { [self] result in
                switch result {
                case .failure(let error): fail(error)
                case .success(let file):
                    guard file.isRegular else {
                        fail(S3Error(.noSuchKey, resource: source.key.rawValue))
                        return
                    }
                    metadataStore(bucket).load(file.handle, attrs: file.attrs) { [self] metadata in
                        let etag = S3StoredMetadata.etag(of: metadata, attrs: file.attrs)
                        do throws(S3Error) {
                            try source.conditions.checkCopySource(
                                etag: etag,
                                lastModified: Self.timestamp(file.attrs.mtime)
                            )
                        } catch {
                            fail(error)
                            return
                        }
                        let valid = metadata?.matches(file.attrs) == true
                        let isMD5 = (valid && S3ETag.md5(of: etag) != nil) || file.attrs.size == 0
                        done(CopySource(file: file, metadata: valid ? metadata : nil, etag: etag, etagIsMD5: isMD5))
                    }
                }
            }
        }
    }

    /// CopyObject, within a bucket or across buckets: the bytes go through a
    /// staging file like a PUT's (COPY_RANGE inside one module), metadata
    /// copied or replaced.
    func copyObject(_ bucketName: String, _ key: S3ObjectKey, _ options: S3CopyObjectOptions) throws(S3Error) {
        try validate(key)
        guard !key.isDirectoryMarker else { throw S3Error(.invalidArgument, "A directory cannot be a copy target.") }
        resolveCopySource(options.source) { [self] source in
            guard source.file.attrs.size <= configuration.maxObjectSize else {
                fail(S3Error(.entityTooLarge))
                return
            }
            withBucket(bucketName) { [self] bucket throws(S3Error) in
                bucket.stagingDirectory(.tmp, client: client) { [self] directory in
                    guard case .success(let directory) = directory else {
                        if case .failure(let error) = directory { fail(error) }
                        return
                    }
                    S3StagedFile.create(stagingName("copy"), in: directory, client: client) { [self] created in
                        switch created {
                        case .failure(let error): fail(error)
                        case .success(let staged):
                            copy(source, into: staged, options: options, bucket: bucket, key: key)
                        }
                    }
                }
            }
        }
    }

    private func copy(
        _ source: CopySource,
        into staged: S3StagedFile,
        options: S3CopyObjectOptions,
        bucket: S3BucketState,
        key: S3ObjectKey
    ) {
        S3DataCopier(
            client: client,
            source: source.file.handle,
            offset: 0,
            length: source.file.attrs.size,
            destination: staged.file,
            destinationOpen: staged.openHandle,
            at: 0,
            computeMD5: !source.etagIsMD5
        ) { [self] copied in
            switch copied {
            case .failure(let error):
                staged.discard()
                fail(error)
            case .success(let md5):
                let etag = md5.map { S3ETag.simple(md5: $0) } ?? source.etag
                var metadata = source.metadata ?? S3StoredMetadata(etag: etag)
                metadata.etag = etag
                if options.metadataDirective == .replace { metadata = metadata.replacing(with: options.metadata) }
                publish(staged, metadata: metadata, bucket: bucket, key: key) { [self] attrs in
                    respondXML(
                        S3XMLResponses.copyResult(etag: etag, lastModified: Self.timestamp(attrs.mtime), isPart: false)
                    )
                }
            }
        }.start()
    }
}
