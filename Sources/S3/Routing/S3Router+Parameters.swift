extension S3Router {
    /// ListObjects / ListObjectsV2 / ListMultipartUploads query parameters.
    static func listParameters(
        _ query: S3QueryParameters, version2: Bool = false, uploads: Bool = false
    ) throws(S3Error) -> S3ListParameters {
        var p = S3ListParameters()
        p.prefix = query["prefix"] ?? ""
        p.delimiter = query["delimiter"] ?? ""
        p.maxKeys = min(1000, try count(query[uploads ? "max-uploads" : "max-keys"], name: uploads ? "max-uploads" : "max-keys", default: 1000))
        if let encoding = query["encoding-type"] {
            guard encoding == "url" else {
                throw S3Error(.invalidArgument, "Invalid Encoding Method specified in Request", details: [.init("ArgumentName", "encoding-type")])
            }
            p.urlEncoded = true
        }
        if uploads {
            p.marker = query["key-marker"] ?? ""
            p.uploadIdMarker = query["upload-id-marker"] ?? ""
        } else if version2 {
            p.marker = query["start-after"] ?? ""
            p.fetchOwner = query["fetch-owner"] == "true"
            if let token = query["continuation-token"] {
                p.rawContinuationToken = token
                p.continuationToken = try S3ListingToken.decode(token)
            }
        } else {
            p.marker = query["marker"] ?? ""
        }
        return p
    }

    /// A non-negative count parameter (max-keys, max-parts, part-number-marker).
    static func count(_ text: String?, name: String, default value: Int) throws(S3Error) -> Int {
        guard let text else { return value }
        guard let parsed = S3IncomingRequest.decimal(text), parsed <= UInt64(Int32.max) else {
            throw S3Error(
                .invalidArgument, "Provided \(name) not an integer or within integer range",
                details: [.init("ArgumentName", name), .init("ArgumentValue", String(text.prefix(64)))])
        }
        return Int(parsed)
    }

    /// Part numbers are 1...10000 (Amazon S3 API Reference, UploadPart).
    static func partNumber(_ text: String) throws(S3Error) -> Int {
        guard let value = S3IncomingRequest.decimal(text), (1...10000).contains(value) else {
            throw S3Error(
                .invalidArgument, "Part number must be an integer between 1 and 10000, inclusive",
                details: [.init("ArgumentName", "partNumber"), .init("ArgumentValue", String(text.prefix(64)))])
        }
        return Int(value)
    }

    /// Upload IDs are the plugin's own names for staging directories: refuse anything that is not a plain
    /// name, so an ID can never become a path.
    static func validateUploadId(_ id: String) throws(S3Error) -> String {
        let ok =
            !id.isEmpty && id.utf8.count <= 128 && id != "." && id != ".."
            && id.utf8.allSatisfy { c in
                (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 45 || c == 46 || c == 95
            }
        guard ok else { throw S3Error(.noSuchUpload) }
        return id
    }

    /// `x-amz-copy-source: [/]bucket/key[?versionId=id]`, percent-encoded.
    static func copySource(_ headers: S3Headers) throws(S3Error) -> S3CopySource {
        guard let raw = headers["x-amz-copy-source"] else { throw S3Error(.invalidArgument) }
        var text = Substring(raw)
        var versionId: String?
        if let question = text.firstIndex(of: "?") {
            let parameters = try S3QueryParameters(parsing: text[text.index(after: question)...])
            versionId = parameters["versionId"]
            text = text[..<question]
        }
        guard let decoded = S3PercentEncoding.decode(text.utf8, plusIsSpace: false) else {
            throw S3Error(.invalidArgument, "Invalid copy source encoding", details: [.init("ArgumentName", "x-amz-copy-source")])
        }
        var path = Substring(decoded)
        if path.hasPrefix("/") { path = path.dropFirst() }
        guard let slash = path.firstIndex(of: "/"), slash != path.startIndex else {
            throw S3Error(
                .invalidArgument, "Copy Source must mention the source bucket and key: sourcebucket/sourcekey",
                details: [.init("ArgumentName", "x-amz-copy-source")])
        }
        let key = try S3ObjectKey(String(path[path.index(after: slash)...]))
        var source = S3CopySource(bucket: String(path[..<slash]), key: key, versionId: versionId)
        source.conditions = S3Conditions(headers: headers, prefix: "x-amz-copy-source-if-")
        return source
    }

    /// Standard headers stored with an object and `x-amz-meta-*` (2 KB at most in all).
    static func metadata(_ headers: S3Headers) throws(S3Error) -> S3ObjectMetadata {
        var m = S3ObjectMetadata()
        m.contentType = headers["content-type"]
        m.contentEncoding = headers["content-encoding"].flatMap { value in
            // aws-chunked is transfer framing, not the object's encoding.
            let kept = value.split(separator: ",").map { $0.trimmingSpacesSubstring() }.filter { $0 != "aws-chunked" }
            return kept.isEmpty ? nil : kept.joined(separator: ",")
        }
        m.contentDisposition = headers["content-disposition"]
        m.contentLanguage = headers["content-language"]
        m.cacheControl = headers["cache-control"]
        m.expires = headers["expires"]
        var total = 0
        for field in headers where field.name.hasPrefix("x-amz-meta-") {
            let name = String(field.name.dropFirst("x-amz-meta-".count))
            total += name.utf8.count + field.value.utf8.count
            guard total <= S3ObjectMetadata.maxUserMetadataBytes else {
                throw S3Error(
                    .metadataTooLarge, details: [.init("MaxSizeAllowed", String(S3ObjectMetadata.maxUserMetadataBytes))])
            }
            m.userMetadata.append(.init(name: name, value: field.value))
        }
        return m
    }
}
