import CChimera
import ChimeraPluginKit
import Crypto
import S3

/// Multipart uploads live in `<bucket>/.chimera-s3/uploads/<upload id>/`:
/// an `info` record (the key and the metadata the upload was created with)
/// and one file per part, `part-00001` ..., each with its MD5 as metadata.
/// Other protocols never see them; completing concatenates the parts into a
/// staging file that is renamed onto the key, then removes the directory.
extension S3Exchange {
    static let uploadRecordName = "info"
    static let maxUploadRecord = 64 << 10

    static func partName(_ number: Int) -> String {
        let digits = String(number)
        return "part-" + String(repeating: "0", count: max(0, 5 - digits.count)) + digits
    }

    static func partNumber(fromName name: String) -> Int? {
        guard name.hasPrefix("part-"), name.utf8.count == 10, let number = Int(name.dropFirst(5)),
            S3MultipartUpload.partNumbers.contains(number)
        else { return nil }
        return number
    }

    /// The upload's directory and record; NoSuchUpload when it is gone or for another key.
    func openUpload(
        _ uploadId: String,
        key: S3ObjectKey,
        in bucket: S3BucketState,
        done: @escaping (S3Handle, S3StoredMetadata) -> Void
    ) {
        bucket.stagingDirectory(.uploads, client: client) { [self] uploads in
            guard case .success(let uploads) = uploads else {
                fail(S3Error(.noSuchUpload))
                return
            }
            client.lookup(uploadId, in: uploads, hidden: true) { [self] found in
                guard found.ok, found.isDirectory else {
                    fail(S3Error(.noSuchUpload, resource: uploadId))
                    return
                }
                client.lookup(Self.uploadRecordName, in: found.handle, hidden: true) { [self] record in
                    guard record.ok else {
                        fail(S3Error(.noSuchUpload, resource: uploadId))
                        return
                    }
                    S3FileReader.readAll(record.handle, limit: Self.maxUploadRecord, client: client) { [self] bytes in
                        guard let bytes, let info = S3StoredMetadata(decoding: bytes), info.key == key.rawValue else {
                            fail(S3Error(.noSuchUpload, resource: uploadId))
                            return
                        }
                        done(found.handle, info)
                    }
                }
            }
        }
    }

    func createMultipartUpload(_ bucketName: String, _ key: S3ObjectKey, _ options: S3PutObjectOptions) throws(S3Error)
    {
        try validate(key)
        withBucket(bucketName) { [self] bucket throws(S3Error) in
            bucket.stagingDirectory(.uploads, client: client) { [self] uploads in
                guard case .success(let uploads) = uploads else {
                    if case .failure(let error) = uploads { fail(error) }
                    return
                }
                var random = SystemRandomNumberGenerator()
                let uploadId = (0..<2).map { _ in
                    let text = String(random.next() as UInt64, radix: 16)
                    return String(repeating: "0", count: 16 - text.count) + text
                }.joined()
                client.mkdir(uploadId, in: uploads, hidden: true) { [self] made in
                    guard made.ok else {
                        fail(S3StatusMapping.error(made.status))
                        return
                    }
                    var record = S3StoredMetadata(etag: "", metadata: options.metadata)
                    record.key = key.rawValue
                    S3FileReader.writeAll(
                        record.encoded(),
                        name: Self.uploadRecordName,
                        in: made.handle,
                        client: client
                    ) {
                        [self] written in
                        if case .failure(let error) = written {
                            fail(error)
                            return
                        }
                        respondXML(
                            S3XMLResponses.initiateMultipartUpload(
                                bucket: bucketName,
                                key: key.rawValue,
                                uploadId: uploadId
                            )
                        )
                    }
                }
            }
        }
    }

    /// UploadPart: streamed like a PUT into the upload's directory, then
    /// renamed onto its part name (replacing an earlier upload of that part).
    func uploadPart(_ bucketName: String, _ key: S3ObjectKey, uploadId: String, partNumber: Int) throws(S3Error) {
        try validate(key)
        guard let request else { throw S3Error(.invalidRequest) }
        let body = try S3RequestBody(
            request: request,
            authentication: authentication,
            limits: .init(maxLength: singleUploadLimit)
        )
        var bucketState: S3BucketState?
        var uploadDirectory: S3Handle?
        let upload = S3Upload(connection: connection, body: body, window: configuration.maxWriteBytesInFlight) {
            [self] result in
            switch result {
            case .failure(let error):
                fail(error)
            case .success(let finished):
                guard let bucket = bucketState, let directory = uploadDirectory else {
                    finished.staged.discard()
                    return
                }
                storePart(finished.staged, md5: finished.summary.md5, number: partNumber, in: directory, bucket: bucket)
                {
                    [self] in
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
            bucket.stagingDirectory(.uploads, client: client) { [self] uploads in
                guard case .success(let uploads) = uploads else {
                    upload.fail(S3Error(.noSuchUpload))
                    return
                }
                client.lookup(uploadId, in: uploads, hidden: true) { [self] found in
                    guard found.ok, found.isDirectory else {
                        upload.fail(S3Error(.noSuchUpload, resource: uploadId))
                        return
                    }
                    uploadDirectory = found.handle
                    upload.open(in: found.handle, name: stagingName("tmp"), as: client)
                }
            }
        }
    }

    /// Stamp a finished part with its MD5 and rename it onto its part name.
    private func storePart(
        _ staged: S3StagedFile,
        md5: [UInt8],
        number: Int,
        in directory: S3Handle,
        bucket: S3BucketState,
        done: @escaping () -> Void
    ) {
        client.getattr(staged.file, hidden: true) { [self] stat in
            guard stat.ok else {
                staged.discard()
                fail(S3StatusMapping.error(stat.status))
                return
            }
            var metadata = S3StoredMetadata(etag: S3ETag.simple(md5: md5))
            metadata.stamp(stat.attrs)
            metadataStore(bucket).store(metadata, handle: staged.file, attrs: stat.attrs) { [self] stored in
                if case .failure(let error) = stored {
                    staged.discard()
                    fail(error)
                    return
                }
                metadataStore(bucket).replace(
                    staged.name,
                    in: staged.directory,
                    with: Self.partName(number),
                    in: directory
                ) {
                    [self] renamed in
                    guard renamed.ok else {
                        staged.discard()
                        fail(
                            renamed.status == .noEntry ? S3Error(.noSuchUpload) : S3StatusMapping.error(renamed.status)
                        )
                        return
                    }
                    staged.published()
                    done()
                }
            }
        }
    }

    /// UploadPartCopy: a range of an object becomes a part; its ETag is the
    /// MD5 of the bytes copied.
    func uploadPartCopy(
        _ bucketName: String,
        _ key: S3ObjectKey,
        uploadId: String,
        partNumber: Int,
        source: S3CopySource
    ) throws(S3Error) {
        try validate(key)
        resolveCopySource(source) { [self] resolved in
            let size = resolved.file.attrs.size
            var first: UInt64 = 0
            var length = size
            if let range = source.range {
                do throws(S3Error) {
                    let bytes = try range.resolve(size: size)
                    first = bytes.lowerBound
                    length = bytes.upperBound - bytes.lowerBound + 1
                } catch {
                    fail(S3Error(.invalidRequest, "The specified copy range is invalid for the source object size"))
                    return
                }
            }
            guard length <= singleUploadLimit else {
                fail(S3Error(.entityTooLarge))
                return
            }
            withBucket(bucketName) { [self] bucket throws(S3Error) in
                openUpload(uploadId, key: key, in: bucket) { [self] directory, _ in
                    S3StagedFile.create(stagingName("tmp"), in: directory, client: client) { [self] created in
                        guard case .success(let staged) = created else {
                            if case .failure(let error) = created { fail(error) }
                            return
                        }
                        S3DataCopier(
                            client: client,
                            source: resolved.file.handle,
                            offset: first,
                            length: length,
                            destination: staged.file,
                            destinationOpen: staged.openHandle,
                            at: 0,
                            computeMD5: true
                        ) { [self] copied in
                            guard case .success(let digest) = copied else {
                                staged.discard()
                                if case .failure(let error) = copied { fail(error) }
                                return
                            }
                            let md5 = digest ?? Array(Insecure.MD5.hash(data: [UInt8]()))
                            storePart(staged, md5: md5, number: partNumber, in: directory, bucket: bucket) { [self] in
                                client.getattr(staged.file, hidden: true) { [self] stat in
                                    let modified = stat.ok ? Self.timestamp(stat.attrs.mtime) : S3Clock.now()
                                    respondXML(
                                        S3XMLResponses.copyResult(
                                            etag: S3ETag.simple(md5: md5),
                                            lastModified: modified,
                                            isPart: true
                                        )
                                    )
                                }
                            }
                        }.start()
                    }
                }
            }
        }
    }

    /// The stored parts of an upload by number (size and MD5 each).
    private func storedParts(
        in directory: S3Handle,
        bucket: S3BucketState,
        done: @escaping ([Int: (S3MultipartUpload.StoredPart, S3DirectoryEntry)]) -> Void
    ) {
        S3DirectoryReader.readAll(directory, hidden: true, limit: 20_000, client: client) { [self] listed in
            guard case .success(let (entries, _)) = listed else {
                fail(S3Error(.noSuchUpload))
                return
            }
            let parts = entries.compactMap { entry in Self.partNumber(fromName: entry.name).map { ($0, entry) } }
            var stored: [Int: (S3MultipartUpload.StoredPart, S3DirectoryEntry)] = [:]
            let store = metadataStore(bucket)
            VFSTrampoline.forEach(parts.count) { index, next in
                let (number, entry) = parts[index]
                store.load(entry.handle, attrs: entry.attrs) { metadata in
                    if let metadata, let md5 = S3ETag.md5(of: metadata.etag) {
                        stored[number] = (.init(partNumber: number, size: entry.attrs.size, md5: md5), entry)
                    }
                    next()
                }
            } done: {
                done(stored)
            }
        }
    }

    func completeMultipartUpload(_ bucketName: String, _ key: S3ObjectKey, uploadId: String) throws(S3Error) {
        try validate(key)
        try collectBody(limit: 4 << 20, maxLength: 4 << 20) { [self] bytes, _ in
            let requested: [S3XMLRequests.CompletedPart]
            do throws(S3Error) { requested = try S3XMLRequests.completeMultipartUpload(bytes) } catch {
                fail(error)
                return
            }
            withBucket(bucketName) { [self] bucket throws(S3Error) in
                openUpload(uploadId, key: key, in: bucket) { [self] directory, record in
                    storedParts(in: directory, bucket: bucket) { [self] stored in
                        let plan: S3MultipartUpload.Plan
                        do throws(S3Error) {
                            plan = try S3MultipartUpload.plan(requested: requested, stored: stored.mapValues(\.0))
                            guard plan.totalSize <= configuration.maxObjectSize else { throw S3Error(.entityTooLarge) }
                        } catch {
                            fail(error)
                            return
                        }
                        let handles = plan.parts.compactMap { stored[$0.partNumber]?.1.handle }
                        assemble(
                            plan,
                            parts: handles,
                            record: record,
                            directory: directory,
                            bucket: bucket,
                            key: key,
                            uploadId: uploadId
                        )
                    }
                }
            }
        }
    }

    /// Concatenate the planned parts into a staging file and publish it.
    private func assemble(
        _ plan: S3MultipartUpload.Plan,
        parts: [S3Handle],
        record: S3StoredMetadata,
        directory: S3Handle,
        bucket: S3BucketState,
        key: S3ObjectKey,
        uploadId: String
    ) {
        bucket.stagingDirectory(.tmp, client: client) { [self] tmp in
            guard case .success(let tmp) = tmp else {
                if case .failure(let error) = tmp { fail(error) }
                return
            }
            S3StagedFile.create(stagingName("complete"), in: tmp, client: client) { [self] created in
                guard case .success(let staged) = created else {
                    if case .failure(let error) = created { fail(error) }
                    return
                }
                var offset: UInt64 = 0
                var failure: S3Error?
                VFSTrampoline.forEach(parts.count) { [self] index, next in
                    guard failure == nil else { return next() }
                    let size = plan.parts[index].size
                    S3DataCopier(
                        client: client,
                        source: parts[index],
                        offset: 0,
                        length: size,
                        destination: staged.file,
                        destinationOpen: staged.openHandle,
                        at: offset,
                        computeMD5: false
                    ) { copied in
                        if case .failure(let error) = copied { failure = error }
                        offset += size
                        next()
                    }.start()
                } done: { [self] in
                    if let failure {
                        staged.discard()
                        fail(failure)
                        return
                    }
                    var metadata = record
                    metadata.key = nil
                    metadata.etag = plan.etag
                    publish(staged, metadata: metadata, bucket: bucket, key: key) { [self] _ in
                        removeUpload(uploadId, bucket: bucket) { [self] in
                            respondXML(
                                S3XMLResponses.completeMultipartUpload(
                                    location:
                                        "/\(bucket.name)/\(S3PercentEncoding.encode(key.rawValue, keepSlash: true))",
                                    bucket: bucket.name,
                                    key: key.rawValue,
                                    etag: plan.etag
                                )
                            )
                        }
                    }
                }
            }
        }
    }

    /// Remove an upload's directory (and, with sidecars, its parts' sidecars).
    private func removeUpload(_ uploadId: String, bucket: S3BucketState, done: @escaping () -> Void) {
        bucket.stagingDirectory(.uploads, client: client) { [self] uploads in
            guard case .success(let uploads) = uploads else { return done() }
            let removeTree = { [self] in
                S3DirectoryReader.removeTree(uploadId, in: uploads, client: client) { _ in done() }
            }
            guard bucket.usesSidecar else { return removeTree() }
            client.lookup(uploadId, in: uploads, hidden: true) { [self] found in
                guard found.ok else { return removeTree() }
                S3DirectoryReader.readAll(found.handle, hidden: true, limit: 20_000, client: client) { [self] listed in
                    if case .success(let (entries, _)) = listed {
                        let store = metadataStore(bucket)
                        for entry in entries where entry.isRegular { store.remove(attrs: entry.attrs) }
                    }
                    removeTree()
                }
            }
        }
    }

    func abortMultipartUpload(_ bucketName: String, _ key: S3ObjectKey, uploadId: String) {
        withBucket(bucketName) { [self] bucket throws(S3Error) in
            openUpload(uploadId, key: key, in: bucket) { [self] _, _ in
                removeUpload(uploadId, bucket: bucket) { [self] in respond(status: 204) }
            }
        }
    }

    func listParts(_ bucketName: String, _ key: S3ObjectKey, uploadId: String, maxParts: Int, partNumberMarker: Int) {
        withBucket(bucketName) { [self] bucket throws(S3Error) in
            openUpload(uploadId, key: key, in: bucket) { [self] directory, _ in
                storedParts(in: directory, bucket: bucket) { [self] stored in
                    let limit = min(max(maxParts, 0), 1000)
                    let after = stored.keys.sorted().filter { $0 > partNumberMarker }
                    let page = after.prefix(limit)
                    let parts = page.compactMap { number -> S3XMLResponses.Part? in
                        guard let (part, entry) = stored[number] else { return nil }
                        return S3XMLResponses.Part(
                            partNumber: number,
                            lastModified: Self.timestamp(entry.attrs.mtime),
                            etag: S3ETag.simple(md5: part.md5),
                            size: part.size
                        )
                    }
                    respondXML(
                        S3XMLResponses.listParts(
                            bucket: bucketName,
                            key: key.rawValue,
                            uploadId: uploadId,
                            owner: loop.plugin.owner,
                            partNumberMarker: partNumberMarker,
                            maxParts: limit,
                            parts: parts,
                            isTruncated: after.count > page.count
                        )
                    )
                }
            }
        }
    }

    func listMultipartUploads(_ bucketName: String, _ parameters: S3ListParameters) {
        withBucket(bucketName) { [self] bucket throws(S3Error) in
            bucket.stagingDirectory(.uploads, client: client) { [self] uploads in
                guard case .success(let uploads) = uploads else {
                    if case .failure(let error) = uploads { fail(error) }
                    return
                }
                S3DirectoryReader.readAll(uploads, hidden: true, limit: 100_000, client: client) { [self] listed in
                    guard case .success(let (entries, _)) = listed else {
                        if case .failure(let error) = listed { fail(error) }
                        return
                    }
                    var found: [S3ListingEntry] = []
                    VFSTrampoline.forEach(entries.count) { [self] index, next in
                        let entry = entries[index]
                        client.lookup(Self.uploadRecordName, in: entry.handle, hidden: true) { [self] record in
                            guard record.ok else { return next() }
                            S3FileReader.readAll(record.handle, limit: Self.maxUploadRecord, client: client) { bytes in
                                if let bytes, let info = S3StoredMetadata(decoding: bytes), let key = info.key {
                                    let initiated =
                                        entry.attrs.valid.contains(.btime) ? entry.attrs.btime : entry.attrs.ctime
                                    found.append(
                                        S3ListingEntry(
                                            key: key,
                                            lastModified: Self.timestamp(initiated),
                                            uploadId: entry.name
                                        )
                                    )
                                }
                                next()
                            }
                        }
                    } done: { [self] in
                        found.sort {
                            $0.key == $1.key
                                ? ($0.uploadId ?? "").utf8.lexicographicallyPrecedes(($1.uploadId ?? "").utf8)
                                : $0.key.utf8.lexicographicallyPrecedes($1.key.utf8)
                        }
                        var accumulator = S3ListingAccumulator(parameters)
                        for entry in found where accumulator.add(entry) != .stop {}
                        respondXML(
                            S3XMLResponses.listMultipartUploads(
                                bucket: bucketName,
                                parameters: parameters,
                                result: accumulator.finish(),
                                owner: loop.plugin.owner
                            )
                        )
                    }
                }
            }
        }
    }
}
