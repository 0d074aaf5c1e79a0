/// Maps a request head to an `S3Request`: path-style (`/bucket/key?query`) and, when a domain is configured,
/// virtual-hosted style (`Host: bucket.<domain>`).
///
/// Amazon S3 User Guide, "Virtual hosting of buckets"; Amazon S3 API Reference, each action's "Request
/// Syntax". Subresources this server does not implement are NotImplemented (501); GetBucketVersioning is
/// answered (as never enabled) because clients probe it.
public struct S3Router: Sendable {
    /// The domain whose subdomains name buckets (`s3.example.test` makes `b.s3.example.test` bucket `b`);
    /// nil for path-style only.
    public var virtualHostDomain: String?

    public init(virtualHostDomain: String? = nil) {
        self.virtualHostDomain = virtualHostDomain?.lowercased()
    }

    /// Query parameters naming subresources this server does not implement.
    static let unimplementedSubresources: Set<String> = [
        "accelerate", "acl", "analytics", "attributes", "cors", "encryption", "intelligent-tiering", "inventory",
        "legal-hold", "lifecycle", "logging", "metadataTable", "metrics", "notification", "object-lock",
        "ownershipControls", "policy", "policyStatus", "publicAccessBlock", "replication", "requestPayment",
        "restore", "retention", "select", "tagging", "torrent", "versions", "website", "renameObject",
    ]

    public func route(_ request: S3IncomingRequest) throws(S3Error) -> S3Request {
        let (bucket, keyText) = try locate(request)
        let query = request.query
        let method = request.method
        for parameter in query where S3Router.unimplementedSubresources.contains(parameter.name) {
            throw S3Error(.notImplemented, "The \(parameter.name) subresource is not implemented.")
        }

        guard let bucket else {
            guard method == "GET" else { throw S3Error(.methodNotAllowed, resource: "/") }
            return .listBuckets
        }
        guard let keyText, !keyText.isEmpty else {
            return try routeBucket(method: method, bucket: bucket, request: request)
        }
        let key = try S3ObjectKey(keyText)
        return try routeObject(method: method, bucket: bucket, key: key, request: request)
    }

    /// Splits the request into bucket and key text (either may be absent).
    private func locate(_ request: S3IncomingRequest) throws(S3Error) -> (String?, String?) {
        if let domain = virtualHostDomain, let host = request.headers["host"] {
            var name = Substring(host.lowercased())
            if let colon = name.lastIndex(of: ":"), !name.hasSuffix("]") { name = name[..<colon] }
            if name.hasSuffix("." + domain) {
                let bucket = String(name.dropLast(domain.count + 1))
                let key = request.path.hasPrefix("/") ? String(request.path.dropFirst()) : request.path
                return (bucket, key)
            }
        }
        guard request.path.hasPrefix("/") else { throw S3Error(.invalidURI) }
        let rest = request.path.dropFirst()
        if rest.isEmpty { return (nil, nil) }
        if let slash = rest.firstIndex(of: "/") {
            return (String(rest[..<slash]), String(rest[rest.index(after: slash)...]))
        }
        return (String(rest), nil)
    }

    private func routeBucket(method: String, bucket: String, request: S3IncomingRequest) throws(S3Error) -> S3Request {
        let query = request.query
        switch method {
        case "GET":
            if query.contains("location") { return .getBucketLocation(bucket: bucket) }
            if query.contains("versioning") { return .getBucketVersioning(bucket: bucket) }
            if query.contains("uploads") {
                return .listMultipartUploads(bucket: bucket, try S3Router.listParameters(query, uploads: true))
            }
            if query["list-type"] == "2" {
                return .listObjectsV2(bucket: bucket, try S3Router.listParameters(query, version2: true))
            }
            if let listType = query["list-type"], listType != "1" {
                throw S3Error(.invalidArgument, "Invalid list-type", details: [.init("ArgumentName", "list-type")])
            }
            return .listObjects(bucket: bucket, try S3Router.listParameters(query))
        case "HEAD":
            return .headBucket(bucket: bucket)
        case "PUT":
            if query.contains("versioning") { throw S3Error(.notImplemented, "Bucket versioning is not implemented.") }
            try S3BucketName.validate(bucket)
            return .createBucket(bucket: bucket)
        case "DELETE":
            return .deleteBucket(bucket: bucket)
        case "POST":
            if query.contains("delete") { return .deleteObjects(bucket: bucket) }
            throw S3Error(.notImplemented, "POST object uploads are not implemented.")
        default:
            throw S3Error(.methodNotAllowed, resource: "/" + bucket)
        }
    }

    private func routeObject(
        method: String, bucket: String, key: S3ObjectKey, request: S3IncomingRequest
    ) throws(S3Error) -> S3Request {
        let query = request.query
        let headers = request.headers
        let uploadId = try query["uploadId"].map { id throws(S3Error) in try S3Router.validateUploadId(id) }
        switch method {
        case "GET", "HEAD":
            if query.contains("versioning") || query.contains("uploads") || query.contains("location") {
                throw S3Error(.methodNotAllowed)
            }
            if method == "GET", let uploadId {
                let maxParts = try S3Router.count(query["max-parts"], name: "max-parts", default: 1000)
                let marker = try S3Router.count(query["part-number-marker"], name: "part-number-marker", default: 0)
                return .listParts(bucket: bucket, key: key, uploadId: uploadId, maxParts: maxParts, partNumberMarker: marker)
            }
            var options = S3GetObjectOptions()
            options.range = headers["range"].flatMap(S3ByteRange.init(header:))
            options.conditions = S3Conditions(headers: headers)
            options.versionId = query["versionId"]
            if let part = query["partNumber"] { options.partNumber = try S3Router.partNumber(part) }
            for (parameter, header) in S3Router.responseOverrides {
                if let value = query[parameter] { options.responseOverrides.append(.init(name: header, value: value)) }
            }
            return method == "GET"
                ? .getObject(bucket: bucket, key: key, options) : .headObject(bucket: bucket, key: key, options)
        case "PUT":
            if let partText = query["partNumber"] {
                guard let uploadId else {
                    throw S3Error(.invalidArgument, "partNumber needs an uploadId", details: [.init("ArgumentName", "uploadId")])
                }
                let partNumber = try S3Router.partNumber(partText)
                if headers["x-amz-copy-source"] != nil {
                    var source = try S3Router.copySource(headers)
                    if let range = headers["x-amz-copy-source-range"] {
                        guard let parsed = S3ByteRange(header: range), case .from(_, .some) = parsed else {
                            throw S3Error(
                                .invalidArgument, "The x-amz-copy-source-range value must be of the form bytes=first-last "
                                    + "where first and last are the zero-based offsets of the first and last bytes to copy")
                        }
                        source.range = parsed
                    }
                    return .uploadPartCopy(bucket: bucket, key: key, uploadId: uploadId, partNumber: partNumber, source)
                }
                return .uploadPart(bucket: bucket, key: key, uploadId: uploadId, partNumber: partNumber)
            }
            if uploadId != nil { throw S3Error(.invalidArgument, "uploadId needs a partNumber") }
            if headers["x-amz-copy-source"] != nil {
                var options = S3CopyObjectOptions(source: try S3Router.copySource(headers))
                if let directive = headers["x-amz-metadata-directive"] {
                    guard let parsed = S3CopyObjectOptions.MetadataDirective(rawValue: directive.uppercased()) else {
                        throw S3Error(
                            .invalidArgument, "Unknown metadata directive.",
                            details: [.init("ArgumentName", "x-amz-metadata-directive")])
                    }
                    options.metadataDirective = parsed
                }
                options.storageClass = headers["x-amz-storage-class"]
                if options.metadataDirective == .replace { options.metadata = try S3Router.metadata(headers) }
                if options.source.bucket == bucket && options.source.key == key && options.metadataDirective == .copy
                    && options.storageClass == nil
                {
                    throw S3Error(
                        .invalidRequest,
                        "This copy request is illegal because it is trying to copy an object to itself without "
                            + "changing the object's metadata, storage class, website redirect location or encryption attributes.")
                }
                return .copyObject(bucket: bucket, key: key, options)
            }
            var options = S3PutObjectOptions()
            options.metadata = try S3Router.metadata(headers)
            options.conditions = S3Conditions(headers: headers)
            options.storageClass = headers["x-amz-storage-class"]
            return .putObject(bucket: bucket, key: key, options)
        case "POST":
            if query.contains("uploads") {
                var options = S3PutObjectOptions()
                options.metadata = try S3Router.metadata(headers)
                options.storageClass = headers["x-amz-storage-class"]
                return .createMultipartUpload(bucket: bucket, key: key, options)
            }
            if let uploadId { return .completeMultipartUpload(bucket: bucket, key: key, uploadId: uploadId) }
            throw S3Error(.methodNotAllowed)
        case "DELETE":
            if let uploadId { return .abortMultipartUpload(bucket: bucket, key: key, uploadId: uploadId) }
            return .deleteObject(bucket: bucket, key: key)
        default:
            throw S3Error(.methodNotAllowed)
        }
    }

    static let responseOverrides: [(String, String)] = [
        ("response-content-type", "content-type"), ("response-content-language", "content-language"),
        ("response-expires", "expires"), ("response-cache-control", "cache-control"),
        ("response-content-disposition", "content-disposition"), ("response-content-encoding", "content-encoding"),
    ]
}
