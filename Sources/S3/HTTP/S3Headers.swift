/// The request's header fields in arrival order, names lowercased once on the way in so lookups and
/// SigV4 canonicalisation need no further case folding.
public struct S3Headers: Sendable, Sequence {
    public struct Field: Hashable, Sendable {
        /// Lowercased name.
        public var name: String
        public var value: String
    }

    private var fields: [Field]

    public init() {
        fields = []
        fields.reserveCapacity(16)
    }

    public init(_ pairs: [(String, String)]) {
        self.init()
        for (name, value) in pairs { add(name: name, value: value) }
    }

    public mutating func add(name: String, value: String) {
        fields.append(Field(name: name.lowercased(), value: value))
    }

    /// Adds a field from the raw bytes the host hands over (`struct chimera_http_header`). Bytes that are
    /// not UTF-8 are replaced, which can only make a signature or a match fail, never succeed.
    public mutating func add(name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) {
        var lowered = [UInt8](name)
        for i in lowered.indices where lowered[i] >= UInt8(ascii: "A") && lowered[i] <= UInt8(ascii: "Z") {
            lowered[i] |= 0x20
        }
        fields.append(
            Field(name: String(decoding: lowered, as: UTF8.self), value: String(decoding: value, as: UTF8.self)))
    }

    public var count: Int { fields.count }

    public func makeIterator() -> IndexingIterator<[Field]> { fields.makeIterator() }

    /// The first value of `name` (lowercase), or nil.
    public subscript(name: String) -> String? {
        for field in fields where field.name == name { return field.value }
        return nil
    }

    /// Every value of `name` (lowercase), in order.
    public func values(_ name: String) -> [String] {
        fields.compactMap { $0.name == name ? $0.value : nil }
    }

    /// Whether `name` (lowercase) is present.
    public func contains(_ name: String) -> Bool { self[name] != nil }
}
