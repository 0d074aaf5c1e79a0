/// The decoded query string of a request target, in arrival order (duplicates kept).
public struct S3QueryParameters: Sendable, Sequence {
    public struct Parameter: Hashable, Sendable {
        public var name: String
        /// The decoded value; "" for both `?acl` and `?acl=`.
        public var value: String
        /// Whether the parameter had an `=`.
        public var hasValue: Bool
    }

    private(set) var parameters: [Parameter]

    public init() { parameters = [] }

    /// Parses `a=b&c&d=e`. `+` decodes as a space, as S3 does for query strings.
    /// At most `maxCount` parameters; more, or a bad escape, is an error.
    init(parsing raw: Substring, maxCount: Int = 128) throws(S3Error) {
        parameters = []
        guard !raw.isEmpty else { return }
        for piece in raw.utf8.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            guard parameters.count < maxCount else {
                throw S3Error(.invalidArgument, "Too many query parameters")
            }
            let equals = piece.firstIndex(of: UInt8(ascii: "="))
            let nameBytes = equals.map { piece[piece.startIndex..<$0] } ?? piece[...]
            let valueBytes = equals.map { piece[piece.index(after: $0)...] } ?? piece[piece.endIndex...]
            guard let name = S3PercentEncoding.decode(nameBytes, plusIsSpace: true),
                let value = S3PercentEncoding.decode(valueBytes, plusIsSpace: true)
            else { throw S3Error(.invalidURI) }
            parameters.append(Parameter(name: name, value: value, hasValue: equals != nil))
        }
    }

    public func makeIterator() -> IndexingIterator<[Parameter]> { parameters.makeIterator() }

    public var isEmpty: Bool { parameters.isEmpty }

    /// The first value of `name` (case-sensitive, as S3 query names are), or nil.
    public subscript(name: String) -> String? {
        for p in parameters where p.name == name { return p.value }
        return nil
    }

    public func contains(_ name: String) -> Bool { parameters.contains { $0.name == name } }
}
