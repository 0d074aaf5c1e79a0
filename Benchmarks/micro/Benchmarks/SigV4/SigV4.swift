// What the S3 front-end spends authenticating a request: parse the target and headers into an
// S3IncomingRequest, then verify its AWS Signature V4 (canonical request, string to sign, HMAC with the
// cached signing key, constant-time compare). The request is the one AWS publishes as its worked example
// (S3 API Reference, "Signature Calculations for the Authorization Header: Transferring Payload in a
// Single Chunk", GET Object), so the expected signature is not computed by the code under test.

import Benchmark
import S3

enum Example {
    static let accessKey = "AKIAIOSFODNN7EXAMPLE"
    static let secretKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    static let emptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    static let signature = "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
    static let headers: [(String, String)] = [
        ("Host", "examplebucket.s3.amazonaws.com"),
        ("Range", "bytes=0-9"),
        ("x-amz-content-sha256", emptyHash),
        ("x-amz-date", "20130524T000000Z"),
        ("User-Agent", "aws-sdk-go-v2/1.30.3 os/linux lang/go#1.22.5"),
        (
            "Authorization",
            "AWS4-HMAC-SHA256 Credential=\(accessKey)/20130524/us-east-1/s3/aws4_request,"
                + "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=\(signature)"
        ),
    ]
}

struct BenchmarkFailure: Error, CustomStringConvertible {
    let description: String
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .throughput, .mallocCountTotal, .instructions],
        scalingFactor: .kilo, maxDuration: .seconds(2), maxIterations: 100_000)

    Benchmark("parse request (target + 6 headers)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try S3IncomingRequest(method: "GET", target: "/test.txt", headers: S3Headers(Example.headers)))
        }
    }

    Benchmark("parse + verify SigV4 header signature (signing key cached)") { benchmark in
        let verifier = S3SigV4Verifier(credentials: S3CredentialStore([Example.accessKey: Example.secretKey]))
        guard let now = S3Timestamp(iso8601Basic: "20130524T000010Z") else {
            throw BenchmarkFailure(description: "bad timestamp")
        }
        // the first verification derives and caches the signing key; the loop measures the steady state
        let first = try S3IncomingRequest(method: "GET", target: "/test.txt", headers: S3Headers(Example.headers))
        guard case .signed = try verifier.authenticate(first, now: now) else {
            throw BenchmarkFailure(description: "the AWS example did not verify")
        }
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            let request = try S3IncomingRequest(method: "GET", target: "/test.txt", headers: S3Headers(Example.headers))
            blackHole(try verifier.authenticate(request, now: now))
        }
        benchmark.stopMeasurement()
    }

    Benchmark("derive a SigV4 signing key (4 HMAC-SHA256, uncached)") { benchmark in
        for index in benchmark.scaledIterations {
            let cache = S3SigningKeyCache(capacity: 1)
            blackHole(cache.signingKey(secret: Example.secretKey, date: index & 1 == 0 ? "20130524" : "20130525",
                                       region: "us-east-1"))
        }
    }
}
