import Crypto

/// Reads a request body (PutObject, UploadPart, and the XML bodies) as the host delivers it, in any
/// framing S3 clients use, and checks everything the head promised about it.
///
/// - Plain bodies with `x-amz-content-sha256` a hex SHA-256 (checked at the end: XAmzContentSHA256Mismatch)
///   or `UNSIGNED-PAYLOAD` (presigned URLs, anonymous requests).
/// - aws-chunked bodies, signed or not, with or without a trailer (via `S3ChunkedDecoder`).
/// - `Content-MD5` (BadDigest / InvalidDigest) and `x-amz-checksum-*` as a header or a trailer
///   (Amazon S3 User Guide, "Checking object integrity").
/// - The decoded length against `Content-Length` / `x-amz-decoded-content-length` (IncompleteBody) and the
///   configured maximum (EntityTooLarge).
///
/// It computes the MD5 for the ETag on the way. Nothing is authenticated until `finish()` returns:
/// write the payload to a staging file and publish it only then.
public struct S3RequestBody {
    public struct Limits: Sendable {
        /// Largest body accepted (AWS: 5 GiB for a single PUT or a part).
        public var maxLength: UInt64
        public var chunked: S3ChunkedDecoder.Limits

        public init(maxLength: UInt64 = 5 << 30, chunked: S3ChunkedDecoder.Limits = .init()) {
            self.maxLength = maxLength
            self.chunked = chunked
            self.chunked.maxDecodedLength = min(self.chunked.maxDecodedLength, maxLength)
        }
    }

    public enum Action: Hashable, Sendable {
        /// These bytes of the slice just given are payload: store them.
        case payload(Range<Int>)
        /// The slice is used up.
        case needMoreInput
    }

    public let payloadMode: S3PayloadMode
    /// The payload length announced by the head, if any.
    public let expectedLength: UInt64?
    private var chunked: S3ChunkedDecoder?
    private var length: UInt64 = 0
    private var md5 = Insecure.MD5()
    private var sha256: SHA256?
    private var checksum: S3Checksum?
    private let checksumHeaderValue: String?
    private let checksumInTrailer: Bool
    private let contentMD5: [UInt8]?
    private let maxLength: UInt64

    public init(
        request: S3IncomingRequest, authentication: S3Authentication, limits: Limits = Limits()
    ) throws(S3Error) {
        let headers = request.headers
        maxLength = limits.maxLength
        payloadMode = try headers["x-amz-content-sha256"].map { value throws(S3Error) in
            try S3PayloadMode(headerValue: value)
        } ?? .unsigned

        if let md5Text = headers["content-md5"] {
            guard let bytes = S3Base64.decode(md5Text, maxDecodedCount: 16), bytes.count == 16 else {
                throw S3Error(.invalidDigest)
            }
            contentMD5 = bytes
        } else {
            contentMD5 = nil
        }

        // Flexible checksums: one algorithm, its value in a header or announced as a trailer.
        var algorithm: S3ChecksumAlgorithm?
        var headerValue: String?
        for candidate in S3ChecksumAlgorithm.allCases {
            if let value = headers[candidate.headerName] {
                guard algorithm == nil else {
                    throw S3Error(.invalidRequest, "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.")
                }
                algorithm = candidate
                headerValue = value
            }
        }
        var inTrailer = false
        if let trailer = headers["x-amz-trailer"] {
            guard payloadMode.hasTrailer else {
                throw S3Error(.invalidRequest, "x-amz-trailer needs a STREAMING-*-TRAILER x-amz-content-sha256.")
            }
            let name = trailer.trimmingSpaces().lowercased()
            guard let trailerAlgorithm = S3ChecksumAlgorithm(headerName: name), algorithm == nil else {
                throw S3Error(.invalidRequest, "The value specified in the x-amz-trailer header is not supported")
            }
            algorithm = trailerAlgorithm
            inTrailer = true
        } else if algorithm == nil, let name = headers["x-amz-sdk-checksum-algorithm"] {
            // Computed so the response can echo it; there is nothing to compare with.
            guard let named = S3ChecksumAlgorithm(name: name) else {
                throw S3Error(.invalidRequest, "Value for x-amz-sdk-checksum-algorithm header is invalid.")
            }
            algorithm = named
        }
        if let algorithm, let headerValue {
            guard let bytes = S3Base64.decode(headerValue, maxDecodedCount: 64), bytes.count == algorithm.digestCount else {
                throw S3Error(.invalidRequest, "Value for \(algorithm.headerName) header is invalid.")
            }
        }
        checksum = algorithm.map(S3Checksum.init)
        checksumHeaderValue = headerValue
        checksumInTrailer = inTrailer

        if case .sha256 = payloadMode { sha256 = SHA256() }

        if payloadMode.isChunked {
            var signing: S3SigningContext?
            if payloadMode.isSignedStreaming {
                guard case .signed(let context) = authentication, !context.isPresigned else {
                    throw S3Error(.accessDenied, "A signed aws-chunked body needs a request signed with the Authorization header.")
                }
                signing = context
            }
            if let decoded = headers["x-amz-decoded-content-length"] {
                guard let value = S3IncomingRequest.decimal(decoded) else {
                    throw S3Error(.invalidArgument, "Invalid x-amz-decoded-content-length")
                }
                expectedLength = value
            } else if payloadMode.isSignedStreaming {
                throw S3Error(.missingContentLength, "You must provide the x-amz-decoded-content-length HTTP header.")
            } else {
                expectedLength = nil
            }
            chunked = S3ChunkedDecoder(signing: signing, expectsTrailer: payloadMode.hasTrailer, limits: limits.chunked)
        } else {
            expectedLength = try request.contentLength()
            if expectedLength == nil && headers["transfer-encoding"] == nil {
                throw S3Error(.missingContentLength)
            }
            chunked = nil
        }
        if let expectedLength, expectedLength > maxLength { throw S3Error(.entityTooLarge) }
    }

    /// Decodes from `input[cursor...]`, advancing `cursor`.
    public mutating func next(_ input: UnsafeRawBufferPointer, cursor: inout Int) throws(S3Error) -> Action {
        let range: Range<Int>
        if chunked != nil {
            // Bounded: each call of the decoder consumes input or reports it is done with this slice.
            switch try chunked!.next(input, cursor: &cursor) {
            case .payload(let r): range = r
            case .needMoreInput, .finished: return .needMoreInput
            }
        } else {
            guard cursor < input.count else { return .needMoreInput }
            range = cursor..<input.count
            cursor = input.count
        }
        let bytes = UnsafeRawBufferPointer(rebasing: input[range])
        if !payloadMode.isChunked {
            guard UInt64(bytes.count) <= maxLength - length else { throw S3Error(.entityTooLarge) }
        }
        length += UInt64(bytes.count)
        if let expectedLength, length > expectedLength {
            throw S3Error(.incompleteBody, "The body is longer than its declared length.")
        }
        md5.update(bufferPointer: bytes)
        sha256?.update(bufferPointer: bytes)
        checksum?.update(bytes)
        return .payload(range)
    }

    /// Convenience for callers holding `[UInt8]`: runs `next` over all of `bytes`, handing payload to `sink`.
    public mutating func consume(_ bytes: [UInt8], sink: (UnsafeRawBufferPointer) -> Void) throws(S3Error) {
        var failure: S3Error?
        bytes.withUnsafeBytes { raw in
            var cursor = 0
            for _ in 0...(raw.count + 1) {
                do throws(S3Error) {
                    switch try next(raw, cursor: &cursor) {
                    case .payload(let range): sink(UnsafeRawBufferPointer(rebasing: raw[range]))
                    case .needMoreInput: return
                    }
                } catch {
                    failure = error
                    return
                }
            }
        }
        if let failure { throw failure }
    }

    /// The body ended: verifies length, digests, checksums and (for aws-chunked) completeness.
    public mutating func finish() throws(S3Error) -> S3BodySummary {
        var trailerValue: String?
        if chunked != nil {
            try chunked!.finishInput()
            if checksumInTrailer, let algorithm = checksum?.algorithm {
                guard let field = chunked!.trailers.first(where: { $0.name == algorithm.headerName }) else {
                    throw S3Error(.invalidRequest, "The trailer \(algorithm.headerName) announced in x-amz-trailer is missing.")
                }
                guard let bytes = S3Base64.decode(field.value, maxDecodedCount: 64), bytes.count == algorithm.digestCount else {
                    throw S3Error(.invalidRequest, "Value for \(algorithm.headerName) trailing header is invalid.")
                }
                trailerValue = field.value
            }
        }
        if let expectedLength, length != expectedLength {
            throw S3Error(.incompleteBody)
        }
        if case .sha256(let declared) = payloadMode, let sha256 {
            let computed = Array(sha256.finalize())
            guard computed == declared else {
                throw S3Error(
                    .xAmzContentSHA256Mismatch,
                    details: [
                        .init("ClientComputedContentSHA256", S3Hex.encode(declared)),
                        .init("S3ComputedContentSHA256", S3Hex.encode(computed)),
                    ])
            }
        }
        let digest = Array(md5.finalize())
        if let contentMD5, contentMD5 != digest {
            throw S3Error(.badDigest, details: [.init("ExpectedDigest", S3Base64.encode(contentMD5))])
        }
        var checksumResult: S3BodySummary.Checksum?
        if let checksum {
            let computed = checksum.base64Digest()
            if let expected = checksumHeaderValue ?? trailerValue, expected != computed {
                throw S3Error(
                    .badDigest,
                    "The \(checksum.algorithm.rawValue) you specified did not match the calculated checksum.")
            }
            checksumResult = .init(algorithm: checksum.algorithm, value: computed)
        }
        return S3BodySummary(length: length, md5: digest, checksum: checksumResult)
    }
}

/// What a completely read and verified body was.
public struct S3BodySummary: Hashable, Sendable {
    public struct Checksum: Hashable, Sendable {
        public var algorithm: S3ChecksumAlgorithm
        /// base64, as the `x-amz-checksum-*` response header carries it.
        public var value: String
    }

    public var length: UInt64
    /// The MD5 of the payload.
    public var md5: [UInt8]
    public var checksum: Checksum?

    /// The ETag of an object stored from this body: its MD5 in hex, quoted.
    public var etag: String { S3ETag.simple(md5: md5) }
}

extension String {
    func trimmingSpaces() -> String {
        var view = Substring(self)
        while view.first == " " || view.first == "\t" { view = view.dropFirst() }
        while view.last == " " || view.last == "\t" { view = view.dropLast() }
        return String(view)
    }
}
