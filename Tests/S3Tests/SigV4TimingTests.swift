import Testing

@testable import S3

/// Micro-measurement of SigV4 header verification, printed, never asserted (timings vary by machine and
/// build; benchmarks report them). Run `swift test -c release -Xswiftc -enable-testing --filter SigV4Timing`
/// for the figure worth quoting.
@Suite("SigV4 timing")
struct SigV4TimingTests {
    @Test("verifying a header-signed GET: parse, route, verify (µs per request, printed)")
    func timing() throws {
        let headers: [(String, String)] = [
            ("Host", "examplebucket.s3.amazonaws.com"),
            ("Range", "bytes=0-9"),
            ("x-amz-content-sha256", AWSExample.emptyHash),
            ("x-amz-date", "20130524T000000Z"),
            ("User-Agent", "Boto3/1.43.11 md/Botocore#1.43.11 ua/2.1 os/linux lang/python#3.11.7"),
            ("Accept-Encoding", "identity"),
            (
                "Authorization",
                AWSExample.authorization(
                    signedHeaders: "host;range;x-amz-content-sha256;x-amz-date",
                    signature: "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
            ),
        ]
        let verifier = AWSExample.verifier()
        let router = S3Router()
        let iterations = 5000
        var verified = 0
        let clock = ContinuousClock()
        let elapsed = try clock.measure {
            for _ in 0..<iterations {
                let request = try S3IncomingRequest(method: "GET", target: "/test.txt", headers: S3Headers(headers))
                _ = try router.route(request)
                if case .signed = try verifier.authenticate(request, now: AWSExample.time) { verified += 1 }
            }
        }
        #expect(verified == iterations)
        let micros = Double(elapsed.components.seconds) * 1e6 + Double(elapsed.components.attoseconds) / 1e12
        print("SigV4 header verification: \(micros / Double(iterations)) µs per request over \(iterations) requests")
    }
}
