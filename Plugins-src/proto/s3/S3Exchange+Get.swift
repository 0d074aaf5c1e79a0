import CChimera
import ChimeraPluginKit
import S3

extension S3Exchange {
    /// GetObject / HeadObject: conditions, one range, stored headers, then
    /// the bytes streamed from the file (``S3Download``).
    func getObject(_ bucketName: String, _ key: S3ObjectKey, _ options: S3GetObjectOptions, head: Bool) {
        do throws(S3Error) { try validate(key) } catch {
            fail(error)
            return
        }
        withBucket(bucketName) { [self] bucket throws(S3Error) in
            resolveKey(key, in: bucket) { [self] result in
                switch result {
                case .failure(let error): fail(error)
                case .success(let file):
                    metadataStore(bucket).load(file.handle, attrs: file.attrs) { [self] metadata in
                        do throws(S3Error) {
                            try answerGet(file: file, metadata: metadata, options: options)
                        } catch {
                            fail(error)
                        }
                    }
                }
            }
        }
    }

    private func answerGet(file: S3VFSReply, metadata: S3StoredMetadata?, options: S3GetObjectOptions) throws(S3Error) {
        let attrs = file.attrs
        let size = file.isDirectory ? 0 : attrs.size
        let etag = file.isDirectory ? S3StoredMetadata.emptyETag : S3StoredMetadata.etag(of: metadata, attrs: attrs)
        let lastModified = Self.timestamp(attrs.mtime)
        var headers = commonHeaders()
        headers.append(("ETag", etag))
        headers.append(("Last-Modified", lastModified.httpDate))
        do throws(S3Error) {
            try options.conditions.check(etag: etag, lastModified: lastModified, isRead: true)
        } catch {
            guard error.code == .notModified else { throw error }
            startResponse(status: 304, headers: headers, contentLength: 0)
            endResponse()
            return
        }
        if let part = options.partNumber, part != 1 {
            throw S3Error(
                .invalidRange,
                "The requested partnumber is not satisfiable",
                headers: [.init("Content-Range", "bytes */\(size)")]
            )
        }
        var range: ClosedRange<UInt64>?
        if let requested = options.range { range = try requested.resolve(size: size) }
        headers.append(("Accept-Ranges", "bytes"))
        var stored = metadata?.headers ?? []
        if !stored.contains(where: { $0.name == "content-type" }) {
            stored.insert(S3Field(name: "content-type", value: "binary/octet-stream"), at: 0)
        }
        for field in stored where !options.responseOverrides.contains(where: { $0.name == field.name }) {
            headers.append((field.name, field.value))
        }
        for field in options.responseOverrides { headers.append((field.name, field.value)) }
        for field in metadata?.userMetadata ?? [] { headers.append(("x-amz-meta-" + field.name, field.value)) }
        if range == nil, let checksum = metadata?.checksum, metadata?.matches(attrs) == true,
            request?.headers["x-amz-checksum-mode"]?.uppercased() == "ENABLED"
        {
            headers.append(("x-amz-checksum-" + checksum.name.lowercased(), checksum.value))
        }
        let status: Int
        let first: UInt64
        let length: UInt64
        if let range {
            status = 206
            first = range.lowerBound
            length = range.upperBound - range.lowerBound + 1
            headers.append(("Content-Range", S3ByteRange.contentRange(range, size: size)))
        } else {
            status = 200
            first = 0
            length = size
        }
        guard !isHead, length > 0 else {
            startResponse(status: status, headers: headers, contentLength: length)
            endResponse()
            return
        }
        client.open(file.handle, flags: CHIMERA_VFS_OPEN_READ) { [self] opened in
            guard opened.ok else {
                fail(S3StatusMapping.error(opened.status))
                return
            }
            guard startResponse(status: status, headers: headers, contentLength: length) else {
                client.close(file.handle, openHandle: opened.openHandle)
                endResponse()
                return
            }
            S3Download(exchange: self, file: file.handle, openHandle: opened.openHandle, first: first, length: length)
                .start()
        }
    }
}
