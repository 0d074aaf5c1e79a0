import Testing

@testable import S3

@Suite("SigV4 error paths")
struct SigV4ErrorTests {
    static let getHeaders: [(String, String)] = [
        ("Host", "examplebucket.s3.amazonaws.com"),
        ("Range", "bytes=0-9"),
        ("x-amz-content-sha256", AWSExample.emptyHash),
        ("x-amz-date", "20130524T000000Z"),
    ]
    static let goodSignature = "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"

    static func attempt(
        _ authorization: String?, extra: [(String, String)] = [], target: String = "/test.txt",
        now: S3Timestamp = AWSExample.time, region: String? = nil
    ) -> S3Error? {
        var headers = getHeaders + extra
        if let authorization { headers.append(("Authorization", authorization)) }
        do {
            let request = try AWSExample.request("GET", target, headers)
            _ = try AWSExample.verifier(region: region).authenticate(request, now: now)
            return nil
        } catch let error as S3Error {
            return error
        } catch {
            return S3Error(.internalError)
        }
    }

    static func header(accessKey: String = AWSExample.accessKey, date: String = "20130524", region: String = "us-east-1",
        signed: String = "host;range;x-amz-content-sha256;x-amz-date", signature: String = goodSignature) -> String {
        "AWS4-HMAC-SHA256 Credential=\(accessKey)/\(date)/\(region)/s3/aws4_request,SignedHeaders=\(signed),Signature=\(signature)"
    }

    @Test("each failure maps to its S3 error and status")
    func errors() {
        #expect(Self.attempt(Self.header()) == nil)
        let table: [(S3Error?, S3ErrorCode)] = [
            (Self.attempt(Self.header(accessKey: "AKIDUNKNOWN")), .invalidAccessKeyId),
            (Self.attempt(Self.header(signature: String(repeating: "0", count: 64))), .signatureDoesNotMatch),
            (Self.attempt(Self.header(signature: "abc")), .authorizationHeaderMalformed),
            (Self.attempt("AWS4-HMAC-SHA256 Credential=x"), .authorizationHeaderMalformed),
            (Self.attempt("AWS4-HMAC-SHA256 Credential=AK/20130524/us-east-1/s3/wrong,SignedHeaders=host,Signature=" + Self.goodSignature), .authorizationHeaderMalformed),
            (Self.attempt("AWS4-HMAC-SHA256 Credential=AK/20130524/us-east-1/ec2/aws4_request,SignedHeaders=host,Signature=" + Self.goodSignature), .authorizationHeaderMalformed),
            (Self.attempt("Bearer token"), .authorizationHeaderMalformed),
            (Self.attempt("AWS AKIAIOSFODNN7EXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg="), .invalidRequest),
            (Self.attempt(Self.header(date: "20130525")), .authorizationHeaderMalformed),
            (Self.attempt(Self.header(region: "eu-west-1"), region: "us-east-1"), .authorizationHeaderMalformed),
            (Self.attempt(Self.header(signed: "range;x-amz-content-sha256;x-amz-date")), .authorizationHeaderMalformed),
            (Self.attempt(Self.header(signed: "host;range;x-amz-content-sha256;x-amz-date;x-custom")), .authorizationHeaderMalformed),
            (Self.attempt(Self.header(), extra: [("x-amz-meta-extra", "unsigned")]), .accessDenied),
            (Self.attempt(Self.header(), now: S3Timestamp(seconds: AWSExample.time.seconds + 901)), .requestTimeTooSkewed),
            (Self.attempt(Self.header(), now: S3Timestamp(seconds: AWSExample.time.seconds - 901)), .requestTimeTooSkewed),
            (Self.attempt(Self.header(), target: SigV4ExampleTests.presignedTarget), .invalidArgument),
        ]
        for (index, (error, code)) in table.enumerated() {
            #expect(error?.code == code, "case \(index): \(String(describing: error))")
        }
        #expect(S3ErrorCode.requestTimeTooSkewed.httpStatus == 403)
        #expect(S3ErrorCode.signatureDoesNotMatch.httpStatus == 403)
        #expect(S3ErrorCode.authorizationHeaderMalformed.httpStatus == 400)
        // Within the skew it is accepted.
        #expect(Self.attempt(Self.header(), now: S3Timestamp(seconds: AWSExample.time.seconds + 900)) == nil)
    }

    @Test("presigned URLs: expiry limits, malformed parameters, not-yet-valid")
    func presignedErrors() throws {
        let base = SigV4ExampleTests.presignedTarget
        func presigned(_ target: String, now: S3Timestamp = AWSExample.time) -> S3Error? {
            do {
                let request = try AWSExample.request("GET", target, [("Host", "examplebucket.s3.amazonaws.com")])
                _ = try AWSExample.verifier().authenticate(request, now: now)
                return nil
            } catch let error as S3Error {
                return error
            } catch {
                return S3Error(.internalError)
            }
        }
        #expect(presigned(base.replacingFirst("X-Amz-Expires=86400", with: "X-Amz-Expires=604801"))?.code == .authorizationQueryParametersError)
        #expect(presigned(base.replacingFirst("X-Amz-Expires=86400", with: "X-Amz-Expires=-5"))?.code == .authorizationQueryParametersError)
        #expect(presigned(base.replacingFirst("&X-Amz-Date=20130524T000000Z", with: ""))?.code == .authorizationQueryParametersError)
        #expect(presigned(base.replacingFirst("X-Amz-Algorithm=AWS4-HMAC-SHA256", with: "X-Amz-Algorithm=HMAC"))?.code == .authorizationQueryParametersError)
        // Changing the expiry changes the canonical request.
        #expect(presigned(base.replacingFirst("X-Amz-Expires=86400", with: "X-Amz-Expires=86401"))?.code == .signatureDoesNotMatch)
        let early = presigned(base, now: S3Timestamp(seconds: AWSExample.time.seconds - 3600))
        #expect(early?.code == .accessDenied && early?.message == "Request is not valid yet")
    }

    @Test("no credentials at all is anonymous; requireSigned turns it into AccessDenied")
    func anonymous() throws {
        let request = try AWSExample.request("GET", "/test.txt", [("Host", "h")])
        let auth = try AWSExample.verifier().authenticate(request, now: AWSExample.time)
        let error = #expect(throws: S3Error.self) { try auth.requireSigned() }
        #expect(error?.code == .accessDenied)
    }

    @Test("derived signing keys are cached per secret, date and region")
    func keyCache() {
        let cache = S3SigningKeyCache(capacity: 2)
        let a = cache.signingKey(secret: "s", date: "20130524", region: "us-east-1")
        _ = cache.signingKey(secret: "s", date: "20130524", region: "us-east-1")
        #expect(cache.count == 1)
        let b = cache.signingKey(secret: "s", date: "20130525", region: "us-east-1")
        #expect(a != b)
        _ = cache.signingKey(secret: "s", date: "20130526", region: "us-east-1")
        #expect(cache.count <= 2)
    }
}
