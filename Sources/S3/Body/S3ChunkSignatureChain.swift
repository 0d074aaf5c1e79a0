import Crypto

/// The chained signatures of a `STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]` body.
///
/// Amazon S3 API Reference, "Signature Calculations for the Authorization Header: Transferring Payload in
/// Multiple Chunks (Chunked Upload)": chunk n is signed over
/// `AWS4-HMAC-SHA256-PAYLOAD\n<date>\n<scope>\n<signature n-1>\n<sha256("")>\n<sha256(chunk data)>`,
/// starting from the seed signature of the request head; and "Signature calculations for trailing
/// headers": the trailer over `AWS4-HMAC-SHA256-TRAILER\n<date>\n<scope>\n<last chunk signature>\n
/// <sha256(trailer lines)>`.
struct S3ChunkSignatureChain {
    private let signingKey: SymmetricKey
    private let amzDate: String
    private let scope: String
    /// Hex of the previous signature (the seed at first).
    private(set) var previousSignature: String
    private var dataHash = SHA256()

    init(context: S3SigningContext) {
        signingKey = context.signingKey
        amzDate = context.amzDate
        scope = context.scope
        previousSignature = context.seedSignature
    }

    mutating func absorb(_ bytes: UnsafeRawBufferPointer) { dataHash.update(bufferPointer: bytes) }

    /// Checks the signature of the chunk whose data was absorbed since the last call, and moves the chain on.
    mutating func verifyChunk(signature: [UInt8]) -> Bool {
        var toSign: [UInt8] = []
        toSign.reserveCapacity(256)
        toSign.append(contentsOf: "AWS4-HMAC-SHA256-PAYLOAD\n".utf8)
        appendCommon(to: &toSign)
        toSign.append(contentsOf: S3SigV4Canonicalizer.emptySHA256Hex.utf8)
        toSign.append(UInt8(ascii: "\n"))
        S3Hex.append(dataHash.finalize(), to: &toSign)
        dataHash = SHA256()
        return advance(toSign, signature)
    }

    /// Checks the trailer signature over the canonical trailer lines (`name:value\n` each).
    mutating func verifyTrailer(canonicalTrailers: [UInt8], signature: [UInt8]) -> Bool {
        var toSign: [UInt8] = []
        toSign.reserveCapacity(256)
        toSign.append(contentsOf: "AWS4-HMAC-SHA256-TRAILER\n".utf8)
        appendCommon(to: &toSign)
        S3Hex.append(SHA256.hash(data: canonicalTrailers), to: &toSign)
        return advance(toSign, signature)
    }

    private func appendCommon(to out: inout [UInt8]) {
        out.append(contentsOf: amzDate.utf8)
        out.append(UInt8(ascii: "\n"))
        out.append(contentsOf: scope.utf8)
        out.append(UInt8(ascii: "\n"))
        out.append(contentsOf: previousSignature.utf8)
        out.append(UInt8(ascii: "\n"))
    }

    private mutating func advance(_ toSign: [UInt8], _ signature: [UInt8]) -> Bool {
        let mac = Array(HMAC<SHA256>.authenticationCode(for: toSign, using: signingKey))
        guard S3SigV4Canonicalizer.constantTimeEqual(mac, signature) else { return false }
        previousSignature = S3Hex.encode(mac)
        return true
    }
}
