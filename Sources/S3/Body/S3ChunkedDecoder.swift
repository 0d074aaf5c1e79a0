/// An incremental decoder of an `aws-chunked` request body.
///
/// Amazon S3 API Reference, "Transferring Payload in Multiple Chunks (Chunked Upload)" and "Signature
/// calculations for trailing headers": the body is a series of `<hex size>[;chunk-signature=<sig>]\r\n
/// <data>\r\n`, ended by a zero-size chunk, then trailer lines (`name:value\r\n`) and an empty line.
///
/// Feed it whatever slices of the body arrive, split anywhere. It hands back the payload as ranges of the
/// slice it was given (no copy), verifies chunk and trailer signatures when the body is signed, and
/// bounds what it buffers: a chunk header line, then the trailers.
///
///     var cursor = 0
///     loop: while true {
///         switch try decoder.next(slice, cursor: &cursor) {
///         case .payload(let range): write(slice[range])
///         case .needMoreInput, .finished: break loop
///         }
///     }
///
/// On the HTTP end of the body call `finishInput()`, which throws IncompleteBody if the stream stopped early.
public struct S3ChunkedDecoder {
    public struct Limits: Sendable {
        /// Longest chunk header line, extensions included.
        public var maxChunkHeaderLine: Int = 4096
        /// Most bytes of trailer section.
        public var maxTrailerBytes: Int = 16384
        /// Largest payload accepted in total.
        public var maxDecodedLength: UInt64 = 5 << 30

        public init(maxChunkHeaderLine: Int = 4096, maxTrailerBytes: Int = 16384, maxDecodedLength: UInt64 = 5 << 30) {
            self.maxChunkHeaderLine = maxChunkHeaderLine
            self.maxTrailerBytes = maxTrailerBytes
            self.maxDecodedLength = maxDecodedLength
        }
    }

    public enum Action: Hashable, Sendable {
        /// These bytes of the slice just given are payload.
        case payload(Range<Int>)
        /// The slice is used up; call again with the next one.
        case needMoreInput
        /// The body is complete (and verified, if signed); `trailers` holds the trailer fields.
        case finished
    }

    private enum State {
        case chunkHeader
        case chunkData(remaining: UInt64)
        case chunkDataEnd(sawCR: Bool)
        case trailer
        case finished
        case failed(S3Error)
    }

    private var state: State = .chunkHeader
    private var line: [UInt8] = []
    private var trailerBytes = 0
    private var chain: S3ChunkSignatureChain?
    private var pendingSignature: [UInt8]?
    private let expectsTrailer: Bool
    private let limits: Limits
    private var canonicalTrailers: [UInt8] = []

    /// Payload bytes so far.
    public private(set) var decodedLength: UInt64 = 0
    /// Trailer fields, names lowercased, values trimmed, `x-amz-trailer-signature` excluded.
    public private(set) var trailers: [S3Headers.Field] = []

    /// - Parameters:
    ///   - signing: the request's signing context when chunks are signed (`STREAMING-AWS4-HMAC-SHA256-*`),
    ///     nil when they are not.
    ///   - expectsTrailer: whether trailer fields follow the last chunk (`*-TRAILER` modes).
    public init(signing: S3SigningContext?, expectsTrailer: Bool, limits: Limits = Limits()) {
        self.chain = signing.map(S3ChunkSignatureChain.init(context:))
        self.expectsTrailer = expectsTrailer
        self.limits = limits
        line.reserveCapacity(128)
    }

    public var isFinished: Bool {
        if case .finished = state { return true }
        return false
    }

    /// Decodes from `input[cursor...]`, advancing `cursor` past what it consumed.
    public mutating func next(_ input: UnsafeRawBufferPointer, cursor: inout Int) throws(S3Error) -> Action {
        // Bounded: every iteration consumes at least one byte or returns.
        while true {
            switch state {
            case .failed(let error):
                throw error
            case .finished:
                if cursor < input.count { try fail(S3Error(.invalidRequest, "Data after the end of the aws-chunked body")) }
                return .finished
            case .chunkHeader:
                guard let complete = try takeLine(input, cursor: &cursor, limit: limits.maxChunkHeaderLine) else {
                    return .needMoreInput
                }
                _ = complete
                try parseChunkHeader()
            case .chunkData(let remaining):
                guard cursor < input.count else { return .needMoreInput }
                let available = UInt64(input.count - cursor)
                let take = Int(min(remaining, available))
                let range = cursor..<(cursor + take)
                chain?.absorb(UnsafeRawBufferPointer(rebasing: input[range]))
                cursor += take
                let left = remaining - UInt64(take)
                state = left == 0 ? .chunkDataEnd(sawCR: false) : .chunkData(remaining: left)
                return .payload(range)
            case .chunkDataEnd(let sawCR):
                guard cursor < input.count else { return .needMoreInput }
                let byte = input[cursor]
                cursor += 1
                if !sawCR {
                    guard byte == UInt8(ascii: "\r") else { try fail(Self.malformed("chunk data is not followed by CRLF")) }
                    state = .chunkDataEnd(sawCR: true)
                } else {
                    guard byte == UInt8(ascii: "\n") else { try fail(Self.malformed("chunk data is not followed by CRLF")) }
                    try verifyPendingChunkSignature()
                    state = .chunkHeader
                }
            case .trailer:
                let budget = limits.maxTrailerBytes - trailerBytes
                let before = cursor
                let complete = try takeLine(input, cursor: &cursor, limit: budget)
                trailerBytes += cursor - before
                guard complete != nil else {
                    if trailerBytes >= limits.maxTrailerBytes { try fail(S3Error(.invalidRequest, "The trailer is too large")) }
                    return .needMoreInput
                }
                if try parseTrailerLine() {
                    try finishTrailers()
                    state = .finished
                    if cursor < input.count { continue }
                    return .finished
                }
            }
        }
    }

    /// The HTTP body ended. Throws IncompleteBody unless the aws-chunked stream was complete.
    public mutating func finishInput() throws(S3Error) {
        switch state {
        case .finished:
            return
        case .failed(let error):
            throw error
        case .trailer where line.isEmpty && trailerBytes == 0 && !expectsTrailer:
            // Tolerate a missing final CRLF after the last chunk when no trailer was announced.
            try finishTrailers()
            state = .finished
        default:
            try fail(S3Error(.incompleteBody, "The aws-chunked body ended before its final chunk."))
        }
    }

    // MARK: - Lines

    /// Appends bytes up to and including LF to `line`. Returns the line length (without CRLF) when a line
    /// is complete, nil when more input is needed.
    private mutating func takeLine(_ input: UnsafeRawBufferPointer, cursor: inout Int, limit: Int) throws(S3Error) -> Int? {
        while cursor < input.count {
            let byte = input[cursor]
            cursor += 1
            if byte == UInt8(ascii: "\n") {
                if line.last == UInt8(ascii: "\r") { line.removeLast() }
                return line.count
            }
            guard line.count < limit else {
                try fail(S3Error(.invalidRequest, "An aws-chunked header or trailer line is too long"))
            }
            line.append(byte)
        }
        return nil
    }

    private static func malformed(_ why: String) -> S3Error {
        S3Error(.incompleteBody, "Malformed aws-chunked body: \(why).")
    }

    private mutating func fail(_ error: S3Error) throws(S3Error) -> Never {
        state = .failed(error)
        throw error
    }

    // MARK: - Chunk headers

    private mutating func parseChunkHeader() throws(S3Error) {
        defer { line.removeAll(keepingCapacity: true) }
        let semicolon = line.firstIndex(of: UInt8(ascii: ";")) ?? line.endIndex
        let sizeDigits = line[..<semicolon]
        guard !sizeDigits.isEmpty, sizeDigits.count <= 16 else { try fail(Self.malformed("bad chunk size")) }
        var size: UInt64 = 0
        for digit in sizeDigits {
            guard let value = S3Hex.value(of: digit) else { try fail(Self.malformed("bad chunk size")) }
            size = size << 4 | UInt64(value)
        }
        pendingSignature = nil
        var extensions = line[semicolon...].dropFirst()
        while !extensions.isEmpty {
            let end = extensions.firstIndex(of: UInt8(ascii: ";")) ?? extensions.endIndex
            let item = extensions[..<end]
            let prefix = Array("chunk-signature=".utf8)
            if item.starts(with: prefix) {
                guard let signature = S3Hex.decode(item.dropFirst(prefix.count), count: 32) else {
                    try fail(Self.malformed("bad chunk-signature"))
                }
                pendingSignature = signature
            }
            extensions = end == extensions.endIndex ? extensions[end...] : extensions[(end + 1)...]
        }
        if chain != nil && pendingSignature == nil {
            try fail(S3Error(.signatureDoesNotMatch, "A chunk of a signed aws-chunked body has no chunk-signature."))
        }
        guard size <= limits.maxDecodedLength - decodedLength else {
            try fail(S3Error(.entityTooLarge))
        }
        decodedLength += size
        if size == 0 {
            try verifyPendingChunkSignature()
            state = .trailer
        } else {
            state = .chunkData(remaining: size)
        }
    }

    private mutating func verifyPendingChunkSignature() throws(S3Error) {
        guard chain != nil else { return }
        guard let signature = pendingSignature, chain?.verifyChunk(signature: signature) == true else {
            try fail(S3Error(.signatureDoesNotMatch, "The chunk signature does not match."))
        }
        pendingSignature = nil
    }

    // MARK: - Trailers

    /// Parses the line in `line`; returns true on the empty line that ends the trailers.
    private mutating func parseTrailerLine() throws(S3Error) -> Bool {
        defer { line.removeAll(keepingCapacity: true) }
        if line.isEmpty { return true }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > 0, trailers.count < 16 else {
            try fail(Self.malformed("bad trailer line"))
        }
        let name = String(decoding: line[..<colon], as: UTF8.self).lowercased()
        var value = line[(colon + 1)...]
        while let first = value.first, first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") { value = value.dropFirst() }
        while let last = value.last, last == UInt8(ascii: " ") || last == UInt8(ascii: "\t") { value = value.dropLast() }
        if name == "x-amz-trailer-signature" {
            guard let chainValue = chain else { return false }
            var copy = chainValue
            guard let signature = S3Hex.decode(value, count: 32),
                copy.verifyTrailer(canonicalTrailers: canonicalTrailers, signature: signature)
            else {
                try fail(S3Error(.signatureDoesNotMatch, "The trailer signature does not match."))
            }
            chain = copy
            sawTrailerSignature = true
            return false
        }
        guard expectsTrailer else { try fail(S3Error(.invalidRequest, "Unexpected trailer in aws-chunked body")) }
        guard !sawTrailerSignature else { try fail(Self.malformed("trailer after the trailer signature")) }
        canonicalTrailers.append(contentsOf: name.utf8)
        canonicalTrailers.append(UInt8(ascii: ":"))
        canonicalTrailers.append(contentsOf: value)
        canonicalTrailers.append(UInt8(ascii: "\n"))
        trailers.append(S3Headers.Field(name: name, value: String(decoding: value, as: UTF8.self)))
        return false
    }

    private var sawTrailerSignature = false

    private mutating func finishTrailers() throws(S3Error) {
        if chain != nil && expectsTrailer && !sawTrailerSignature {
            try fail(S3Error(.signatureDoesNotMatch, "The signed trailer has no x-amz-trailer-signature."))
        }
    }
}
