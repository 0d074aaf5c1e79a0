import CChimera
import ChimeraPluginKit
import S3

/// One request and its response: parse and authenticate the head, route it,
/// run the operation (in the `S3Exchange+*` extensions) and answer.
final class S3Exchange {
    /// Where the request body goes.
    enum BodySink {
        /// None expected yet (or the operation ignores it): release each chunk.
        case discard
        /// A small XML document, gathered whole (bounded), then `then`.
        case collect(S3RequestBody, limit: Int, then: ([UInt8], S3BodySummary) -> Void)
        /// Streamed to a staging file.
        case upload(S3Upload)
    }

    let connection: S3Connection
    let loop: S3Loop
    let requestID: String
    let started: UInt64
    let method: String
    let target: String
    let keepAlive: Bool
    let expectsContinue: Bool
    private(set) var request: S3IncomingRequest?
    var authentication = S3Authentication.anonymous
    var sink = BodySink.discard
    private var collected: [UInt8] = []
    /// Body bytes the client announced, when it did.
    private var declaredLength: UInt64?
    private var bodyBytesSeen: UInt64 = 0
    private var inHeadDelivery = false
    private(set) var requestEnded = false
    private(set) var responseStarted = false
    private(set) var responseEnded = false
    private var closeAfterResponse = false
    private var status = 0
    private var errorCode: String?
    var bytesSent: UInt64 = 0

    init(connection: S3Connection, head: chimera_http_head) {
        self.connection = connection
        self.loop = connection.loop
        credential = connection.loop.plugin.credentials.anonymous
        requestID = connection.loop.nextRequestID(connection: connection.info.connectionID)
        started = S3Clock.monotonicNanoseconds()
        method = String(decoding: head.methodBytes, as: UTF8.self)
        target = String(decoding: head.uriBytes.prefix(1024), as: UTF8.self)
        keepAlive = head.keep_alive != 0
        var headers = S3Headers()
        var expects = false
        for (name, value) in head.headerFields {
            headers.add(name: name, value: value)
        }
        if let expect = headers["expect"], expect.lowercased() == "100-continue" { expects = true }
        expectsContinue = expects
        do {
            request = try S3IncomingRequest(method: head.methodBytes, target: head.uriBytes, headers: headers)
            declaredLength = try request?.contentLength()
        } catch {
            parseError = error
        }
        if headers["transfer-encoding"] != nil { declaredLength = nil }
    }

    private var parseError: S3Error?
    /// Who this request acts as: set from its signing key once it is
    /// authenticated, and again once its bucket (whose owner an unmapped key
    /// acts as) is resolved.
    private(set) var credential: UnsafePointer<chimera_cred>
    var client: S3VFSClient { connection.client.acting(as: credential) }
    var host: PluginHost { loop.host }
    var configuration: S3PluginConfiguration { loop.configuration }
    var isHead: Bool { method == "HEAD" }
    var headers: S3Headers { request?.headers ?? S3Headers() }

    /// Whether the request has a body at all.
    var hasBody: Bool {
        if let declaredLength { return declaredLength > 0 }
        return request?.headers["transfer-encoding"] != nil
    }

    // MARK: Head

    func start() {
        inHeadDelivery = true
        defer { inHeadDelivery = false }
        do throws(S3Error) {
            if let parseError { throw parseError }
            guard let request else { throw S3Error(.invalidRequest) }
            let operation = try loop.plugin.router.route(request)
            authentication = try loop.verifier.authenticate(request, now: S3Clock.now())
            credential = loop.plugin.credentials.credential(for: authentication, bucket: nil)
            try authorize(operation)
            try dispatch(operation, request: request)
        } catch {
            fail(error)
        }
    }

    /// Anonymous requests may only read buckets that say so.
    private func authorize(_ operation: S3Request) throws(S3Error) {
        guard case .anonymous = authentication else { return }
        let readOnly: Bool
        switch operation {
        case .getObject, .headObject, .listObjects, .listObjectsV2, .headBucket, .getBucketLocation,
            .getBucketVersioning:
            readOnly = true
        default:
            readOnly = false
        }
        guard readOnly, let bucket = operation.bucket, configuration.buckets[bucket]?.anonymousRead == true else {
            throw S3Error(.accessDenied)
        }
    }

    private func dispatch(_ operation: S3Request, request: S3IncomingRequest) throws(S3Error) {
        switch operation {
        case .listBuckets: listBuckets()
        case .headBucket(let bucket): headBucket(bucket)
        case .getBucketLocation(let bucket): getBucketLocation(bucket)
        case .getBucketVersioning(let bucket): getBucketVersioning(bucket)
        case .createBucket(let bucket): try createBucket(bucket)
        case .deleteBucket(let bucket): deleteBucket(bucket)
        case .listObjects(let bucket, let parameters): listObjects(bucket, parameters, version2: false)
        case .listObjectsV2(let bucket, let parameters): listObjects(bucket, parameters, version2: true)
        case .listMultipartUploads(let bucket, let parameters): listMultipartUploads(bucket, parameters)
        case .deleteObjects(let bucket): try deleteObjects(bucket)
        case .getObject(let bucket, let key, let options): getObject(bucket, key, options, head: false)
        case .headObject(let bucket, let key, let options): getObject(bucket, key, options, head: true)
        case .putObject(let bucket, let key, let options): try putObject(bucket, key, options)
        case .copyObject(let bucket, let key, let options): try copyObject(bucket, key, options)
        case .deleteObject(let bucket, let key): try deleteObject(bucket, key)
        case .createMultipartUpload(let bucket, let key, let options): try createMultipartUpload(bucket, key, options)
        case .uploadPart(let bucket, let key, let uploadId, let partNumber):
            try uploadPart(bucket, key, uploadId: uploadId, partNumber: partNumber)
        case .uploadPartCopy(let bucket, let key, let uploadId, let partNumber, let source):
            try uploadPartCopy(bucket, key, uploadId: uploadId, partNumber: partNumber, source: source)
        case .completeMultipartUpload(let bucket, let key, let uploadId):
            try completeMultipartUpload(bucket, key, uploadId: uploadId)
        case .abortMultipartUpload(let bucket, let key, let uploadId):
            abortMultipartUpload(bucket, key, uploadId: uploadId)
        case .listParts(let bucket, let key, let uploadId, let maxParts, let marker):
            listParts(bucket, key, uploadId: uploadId, maxParts: maxParts, partNumberMarker: marker)
        }
    }

    /// Resolve `name`, then run `body` with it; failures answer the request.
    func withBucket(_ name: String, _ body: @escaping (S3BucketState) throws(S3Error) -> Void) {
        // The bucket's path is configuration: resolved as the server, so an
        // unmapped key can learn the owner it acts as.
        loop.bucket(name, client: connection.client) { [self] result in
            switch result {
            case .success(let bucket):
                credential = loop.plugin.credentials.credential(for: authentication, bucket: bucket)
                do throws(S3Error) { try body(bucket) } catch { fail(error) }
            case .failure(let error):
                fail(error)
            }
        }
    }

    // MARK: Body

    /// Gather a small XML body (bounded by `limit`), verify it, then `then`.
    func collectBody(
        limit: Int,
        maxLength: UInt64 = 1 << 20,
        then: @escaping ([UInt8], S3BodySummary) -> Void
    ) throws(S3Error) {
        guard let request else { throw S3Error(.invalidRequest) }
        let body = try S3RequestBody(
            request: request,
            authentication: authentication,
            limits: .init(maxLength: maxLength)
        )
        sink = .collect(body, limit: limit, then: then)
    }

    func receiveBody(_ message: PluginMessage) {
        bodyBytesSeen += UInt64(message.length)
        switch sink {
        case .discard:
            message.release()
        case .upload(let upload):
            upload.receive(message)
        case .collect(var body, let limit, let then):
            defer { message.release() }
            guard let bytes = message.contiguousBytes else {
                fail(S3Error(.internalError))
                return
            }
            var cursor = 0
            do throws(S3Error) {
                for _ in 0...(bytes.count + 1) {
                    guard case .payload(let range) = try body.next(bytes, cursor: &cursor) else { break }
                    guard collected.count + range.count <= limit else {
                        throw S3Error(.malformedXML, "The XML document is larger than \(limit) bytes.")
                    }
                    collected.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[range]))
                }
                sink = .collect(body, limit: limit, then: then)
            } catch {
                sink = .discard
                fail(error)
            }
        }
    }

    func receiveEnd() {
        requestEnded = true
        switch sink {
        case .discard:
            break
        case .upload(let upload):
            upload.endOfInput()
        case .collect(var body, _, let then):
            sink = .discard
            do throws(S3Error) {
                let summary = try body.finish()
                let bytes = collected
                collected = []
                then(bytes, summary)
            } catch {
                fail(error)
            }
        }
        finishIfDone()
    }

    func connectionLost() {
        if case .upload(let upload) = sink { upload.abort() }
        sink = .discard
        responseEnded = true
        requestEnded = true
    }

    // MARK: Responses

    /// Headers every response carries.
    func commonHeaders() -> [(String, String)] {
        [
            ("x-amz-request-id", requestID), ("x-amz-id-2", requestID), ("Date", S3Clock.now().httpDate),
            ("Server", "Chimera"),
        ]
    }

    /// A whole response with a small body.
    func respond(status: Int, headers extra: [(String, String)] = [], body: [UInt8] = [], contentType: String? = nil) {
        guard !responseStarted, !responseEnded else { return }
        var headers = commonHeaders()
        if let contentType, !body.isEmpty { headers.append(("Content-Type", contentType)) }
        headers.append(contentsOf: extra)
        let sendBody = !isHead && !body.isEmpty
        guard startResponse(status: status, headers: headers, contentLength: sendBody ? UInt64(body.count) : 0) else {
            return
        }
        if sendBody, let buffer = host.allocateBuffer(capacity: body.count) {
            body.withUnsafeBytes { buffer.bytes.copyMemory(from: $0) }
            buffer.length = body.count
            connection.connection.send(buffer)
            bytesSent += UInt64(body.count)
        }
        endResponse()
    }

    func respondXML(_ body: [UInt8], status: Int = 200, headers: [(String, String)] = []) {
        respond(status: status, headers: headers, body: body, contentType: "application/xml")
    }

    /// The head of a streamed response; the body follows with `send`.
    @discardableResult
    func startResponse(status: Int, headers: [(String, String)], contentLength: UInt64?) -> Bool {
        guard !responseStarted else { return false }
        responseStarted = true
        self.status = status
        if connection.isDraining || !keepAlive { closeAfterResponse = true }
        if connection.isClosed { return false }
        return connection.connection.respond(
            status: status,
            headers: headers,
            contentLength: contentLength,
            close: closeAfterResponse
        )
    }

    func endResponse() {
        guard !responseEnded else { return }
        responseEnded = true
        log()
        // Detach first: ending the response may deliver the next request
        // head at once (pipelining).
        if requestEnded { connection.detach(self) }
        connection.endResponse()
    }

    private func finishIfDone() {
        guard requestEnded && responseEnded else { return }
        connection.detach(self)
        if connection.isDraining { connection.close() }
    }

    /// Answer with an S3 error (or, once a response started, cut the
    /// connection: the client then sees a short body).
    func fail(_ error: S3Error) {
        if case .upload(let upload) = sink { upload.abort() }
        guard !responseStarted else {
            if !responseEnded {
                responseEnded = true
                errorCode = error.code.code
                log()
                connection.close()
            }
            return
        }
        errorCode = error.code.code
        if !requestEnded && hasBody {
            // The body was not read. Read and drop a short one; close rather
            // than read a long one, or one the client may not send at all.
            let remaining = (declaredLength ?? UInt64.max) &- min(bodyBytesSeen, declaredLength ?? UInt64.max)
            if (inHeadDelivery && expectsContinue) || declaredLength == nil || remaining > 1 << 20 {
                closeAfterResponse = true
            }
            sink = .discard
        }
        var headers = error.headers.map { ($0.name, $0.value) }
        if error.code.httpStatus == 304 {
            headers = []
            respond(status: 304, headers: headers)
            return
        }
        let body = S3XMLResponses.error(error, requestId: requestID)
        respond(status: Int(error.code.httpStatus), headers: headers, body: body, contentType: "application/xml")
    }

    private func log() {
        let elapsed = (S3Clock.monotonicNanoseconds() &- started) / 1000
        if let errorCode {
            host.log(.info, "\(method) \(target) \(status) \(errorCode) \(elapsed)us request-id \(requestID)")
        } else if host.isLogging(.debug) {
            host.log(.debug, "\(method) \(target) \(status) \(bytesSent)B \(elapsed)us")
        }
    }
}
