import Crypto

/// Builds the SigV4 canonical request and string to sign.
///
/// AWS General Reference, "Create a canonical request for Signature Version 4", and the S3 variant in the
/// Amazon S3 API Reference, "Signature Calculations for the Authorization Header": the path is URI-encoded
/// once (S3 does not normalise or double-encode it), query parameters are encoded and sorted by name then
/// value, header values are trimmed with inner whitespace folded to one space, and repeated headers are
/// joined with commas.
enum S3SigV4Canonicalizer {
    static let emptySHA256Hex = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    /// The canonical request bytes. `excludingSignatureParameter` drops `X-Amz-Signature` (presigned URLs).
    static func canonicalRequest(
        _ request: S3IncomingRequest, signedHeaders: [String], payloadHash: String, presigned: Bool
    ) throws(S3Error) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(512)
        out.append(contentsOf: request.method.utf8)
        out.append(UInt8(ascii: "\n"))
        S3PercentEncoding.append(request.path.utf8, keepSlash: true, to: &out)
        out.append(UInt8(ascii: "\n"))
        appendCanonicalQuery(request.query, presigned: presigned, to: &out)
        out.append(UInt8(ascii: "\n"))
        for name in signedHeaders {
            let values = request.headers.values(name)
            guard !values.isEmpty else {
                throw S3Error(
                    presigned ? .authorizationQueryParametersError : .authorizationHeaderMalformed,
                    "The signed header \(name.prefix(64)) is not in the request.")
            }
            out.append(contentsOf: name.utf8)
            out.append(UInt8(ascii: ":"))
            for (index, value) in values.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                appendTrimmed(value, to: &out)
            }
            out.append(UInt8(ascii: "\n"))
        }
        out.append(UInt8(ascii: "\n"))
        for (index, name) in signedHeaders.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ";")) }
            out.append(contentsOf: name.utf8)
        }
        out.append(UInt8(ascii: "\n"))
        out.append(contentsOf: payloadHash.utf8)
        return out
    }

    private static func appendCanonicalQuery(_ query: S3QueryParameters, presigned: Bool, to out: inout [UInt8]) {
        if query.isEmpty { return }
        var encoded: [([UInt8], [UInt8])] = []
        encoded.reserveCapacity(8)
        for parameter in query where !(presigned && parameter.name == "X-Amz-Signature") {
            var name: [UInt8] = []
            var value: [UInt8] = []
            S3PercentEncoding.append(parameter.name.utf8, keepSlash: false, to: &name)
            S3PercentEncoding.append(parameter.value.utf8, keepSlash: false, to: &value)
            encoded.append((name, value))
        }
        encoded.sort { a, b in
            if a.0 != b.0 { return a.0.lexicographicallyPrecedes(b.0) }
            return a.1.lexicographicallyPrecedes(b.1)
        }
        for (index, pair) in encoded.enumerated() {
            if index > 0 { out.append(UInt8(ascii: "&")) }
            out.append(contentsOf: pair.0)
            out.append(UInt8(ascii: "="))
            out.append(contentsOf: pair.1)
        }
    }

    /// Trimall: drop leading and trailing whitespace, fold each inner run of whitespace to one space.
    private static func appendTrimmed(_ value: String, to out: inout [UInt8]) {
        var pendingSpace = false
        var wroteAny = false
        for c in value.utf8 {
            if c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") || c == UInt8(ascii: "\n") || c == UInt8(ascii: "\r")
                || c == 0x0B || c == 0x0C
            {
                pendingSpace = wroteAny
            } else {
                if pendingSpace { out.append(UInt8(ascii: " ")) }
                pendingSpace = false
                wroteAny = true
                out.append(c)
            }
        }
    }

    /// `AWS4-HMAC-SHA256\n<amz date>\n<scope>\n<hex sha256 of the canonical request>`.
    static func stringToSign(canonicalRequest: [UInt8], amzDate: String, scope: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(160)
        out.append(contentsOf: "AWS4-HMAC-SHA256\n".utf8)
        out.append(contentsOf: amzDate.utf8)
        out.append(UInt8(ascii: "\n"))
        out.append(contentsOf: scope.utf8)
        out.append(UInt8(ascii: "\n"))
        S3Hex.append(SHA256.hash(data: canonicalRequest), to: &out)
        return out
    }

    /// Compares two MACs in time independent of where they differ.
    static func constantTimeEqual<A: Collection<UInt8>, B: Collection<UInt8>>(_ a: A, _ b: B) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for (x, y) in zip(a, b) { difference |= x ^ y }
        return difference == 0
    }
}
