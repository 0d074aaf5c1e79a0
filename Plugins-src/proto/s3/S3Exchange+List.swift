import CChimera
import ChimeraPluginKit
import S3

extension S3Exchange {
    /// ListObjects (V1) and ListObjectsV2: one page from ``S3ListingWalk``,
    /// then the ETag of each listed object.
    func listObjects(_ bucketName: String, _ parameters: S3ListParameters, version2: Bool) {
        withBucket(bucketName) { [self] bucket throws(S3Error) in
            S3ListingWalk(loop: loop, client: client, bucket: bucket, parameters: parameters) { [self] walked in
                switch walked {
                case .failure(let error):
                    fail(error)
                case .success(let page):
                    fillETags(page, bucket: bucket) { [self] result in
                        respondXML(
                            S3XMLResponses.listBucketResult(
                                bucket: bucketName,
                                parameters: parameters,
                                result: result,
                                version2: version2,
                                owner: loop.plugin.owner
                            )
                        )
                    }
                }
            }.start()
        }
    }

    private func fillETags(_ page: S3ListingWalk.Page, bucket: S3BucketState, done: @escaping (S3ListingResult) -> Void)
    {
        var result = page.result
        let store = metadataStore(bucket)
        VFSTrampoline.forEach(result.entries.count) { index, next in
            guard let object = page.objects[result.entries[index].key], !object.isDirectory else {
                result.entries[index].etag = S3StoredMetadata.emptyETag
                next()
                return
            }
            store.load(object.handle, attrs: object.attrs) { metadata in
                result.entries[index].etag = S3StoredMetadata.etag(of: metadata, attrs: object.attrs)
                next()
            }
        } done: {
            done(result)
        }
    }
}
