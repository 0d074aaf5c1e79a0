import Crypto
import Testing

@testable import S3

/// The example credentials and request time of the Amazon S3 API Reference SigV4 examples.
enum AWSExample {
    static let accessKey = "AKIAIOSFODNN7EXAMPLE"
    static let secretKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    static let time = S3Timestamp(iso8601Basic: "20130524T000000Z")!
    static let emptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    static func verifier(region: String? = nil) -> S3SigV4Verifier {
        S3SigV4Verifier(
            credentials: S3CredentialStore([accessKey: secretKey]),
            configuration: .init(region: region))
    }

    static func request(_ method: String, _ target: String, _ headers: [(String, String)]) throws -> S3IncomingRequest {
        try S3IncomingRequest(method: method, target: target, headers: S3Headers(headers))
    }

    static func authorization(signedHeaders: String, signature: String) -> String {
        "AWS4-HMAC-SHA256 Credential=\(accessKey)/20130524/us-east-1/s3/aws4_request,"
            + "SignedHeaders=\(signedHeaders),Signature=\(signature)"
    }
}

@Suite("SigV4 against the AWS published examples")
struct SigV4ExampleTests {
    // Amazon S3 API Reference, "Signature Calculations for the Authorization Header: Transferring Payload
    // in a Single Chunk", Example: GET Object.
    @Test("GET Object with Range verifies")
    func getObject() throws {
        let request = try AWSExample.request(
            "GET", "/test.txt",
            [
                ("Host", "examplebucket.s3.amazonaws.com"),
                ("Range", "bytes=0-9"),
                ("x-amz-content-sha256", AWSExample.emptyHash),
                ("x-amz-date", "20130524T000000Z"),
                (
                    "Authorization",
                    AWSExample.authorization(
                        signedHeaders: "host;range;x-amz-content-sha256;x-amz-date",
                        signature: "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
                ),
            ])
        let auth = try AWSExample.verifier().authenticate(request, now: AWSExample.time)
        #expect(auth.accessKey == AWSExample.accessKey)
    }

    // Example: PUT Object ("Welcome to Amazon S3.", key "test$file.text").
    @Test("PUT Object verifies and encodes $ in the canonical path")
    func putObject() throws {
        let request = try AWSExample.request(
            "PUT", "/test$file.text",
            [
                ("Host", "examplebucket.s3.amazonaws.com"),
                ("Date", "Fri, 24 May 2013 00:00:00 GMT"),
                ("x-amz-date", "20130524T000000Z"),
                ("x-amz-storage-class", "REDUCED_REDUNDANCY"),
                ("x-amz-content-sha256", "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072"),
                (
                    "Authorization",
                    AWSExample.authorization(
                        signedHeaders: "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class",
                        signature: "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd")
                ),
            ])
        let auth = try AWSExample.verifier().authenticate(request, now: AWSExample.time)
        let context = try auth.requireSigned()
        #expect(context.scope == "20130524/us-east-1/s3/aws4_request")
        let canonical = try S3SigV4Canonicalizer.canonicalRequest(
            request, signedHeaders: ["date", "host"], payloadHash: "x", presigned: false)
        #expect(String(decoding: canonical, as: UTF8.self).hasPrefix("PUT\n/test%24file.text\n\n"))
    }

    // Example: GET Bucket Lifecycle.
    @Test("GET Bucket Lifecycle verifies with a value-less subresource")
    func getLifecycle() throws {
        let request = try AWSExample.request(
            "GET", "/?lifecycle",
            [
                ("Host", "examplebucket.s3.amazonaws.com"),
                ("x-amz-date", "20130524T000000Z"),
                ("x-amz-content-sha256", AWSExample.emptyHash),
                (
                    "Authorization",
                    AWSExample.authorization(
                        signedHeaders: "host;x-amz-content-sha256;x-amz-date",
                        signature: "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543")
                ),
            ])
        _ = try AWSExample.verifier().authenticate(request, now: AWSExample.time)
    }

    // Example: Get Bucket (List Objects).
    @Test("GET Bucket (List Objects) verifies with a sorted query")
    func listObjects() throws {
        let request = try AWSExample.request(
            "GET", "/?max-keys=2&prefix=J",
            [
                ("Host", "examplebucket.s3.amazonaws.com"),
                ("x-amz-date", "20130524T000000Z"),
                ("x-amz-content-sha256", AWSExample.emptyHash),
                (
                    "Authorization",
                    AWSExample.authorization(
                        signedHeaders: "host;x-amz-content-sha256;x-amz-date",
                        signature: "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7")
                ),
            ])
        _ = try AWSExample.verifier().authenticate(request, now: AWSExample.time)
        // The same request with the query in the other order is the same canonical request.
        let swapped = try AWSExample.request(
            "GET", "/?prefix=J&max-keys=2",
            request.headers.map { ($0.name, $0.value) })
        _ = try AWSExample.verifier().authenticate(swapped, now: AWSExample.time)
    }

    // Amazon S3 API Reference, "Authenticating Requests: Using Query Parameters", example presigned URL.
    static let presignedTarget =
        "/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256"
        + "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
        + "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
        + "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"

    @Test("the presigned URL example verifies within its validity and expires after it")
    func presigned() throws {
        let request = try AWSExample.request(
            "GET", Self.presignedTarget, [("Host", "examplebucket.s3.amazonaws.com")])
        let verifier = AWSExample.verifier()
        let context = try verifier.authenticate(request, now: AWSExample.time).requireSigned()
        #expect(context.isPresigned)
        _ = try verifier.authenticate(request, now: S3Timestamp(seconds: AWSExample.time.seconds + 86_400))
        let error = #expect(throws: S3Error.self) {
            try verifier.authenticate(request, now: S3Timestamp(seconds: AWSExample.time.seconds + 86_401))
        }
        #expect(error?.code == .accessDenied)
        #expect(error?.message == "Request has expired")
    }
}
