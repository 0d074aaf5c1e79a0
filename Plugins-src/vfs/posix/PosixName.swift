import ChimeraPluginKit

/// A single directory-entry name from a request, checked and NUL-terminated.
///
/// Confinement starts here: a name is one path component, so `*at(dirfd,
/// name)` can only reach an entry of that directory. Names with `/` or NUL,
/// `.` and `..` (the core resolves those) and empty names are INVAL; longer
/// than 255 bytes is NAMETOOLONG.
struct PosixName {
    private(set) var bytes: [CChar]

    init(_ raw: UnsafeRawBufferPointer) throws(PosixError) {
        guard !raw.isEmpty else { throw .invalid }
        guard raw.count <= 255 else { throw PosixError(.nameTooLong) }
        if raw.count == 1 && raw[0] == UInt8(ascii: ".") { throw .invalid }
        if raw.count == 2 && raw[0] == UInt8(ascii: ".") && raw[1] == UInt8(ascii: ".") { throw .invalid }
        var bytes = [CChar]()
        bytes.reserveCapacity(raw.count + 1)
        for b in raw {
            guard b != 0, b != UInt8(ascii: "/") else { throw .invalid }
            bytes.append(CChar(bitPattern: b))
        }
        bytes.append(0)
        self.bytes = bytes
    }

    init(_ pointer: UnsafePointer<CChar>?, _ count: UInt32) throws(PosixError) {
        try self.init(UnsafeRawBufferPointer(start: pointer, count: pointer == nil ? 0 : Int(count)))
    }

    /// A name the module makes itself.
    static func make(_ text: String) throws(PosixError) -> PosixName {
        let bytes = Array(text.utf8)
        var result: Result<PosixName, PosixError> = .failure(.invalid)
        bytes.withUnsafeBytes { raw in
            do throws(PosixError) {
                result = .success(try PosixName(raw))
            } catch {
                result = .failure(error)
            }
        }
        return try result.get()
    }

    func withCString<R, E: Error>(_ body: (UnsafePointer<CChar>) throws(E) -> R) throws(E) -> R {
        try bytes.withUnsafeBufferPointer { buffer throws(E) in
            guard let base = buffer.baseAddress else { preconditionFailure("a name has at least a NUL") }
            return try body(base)
        }
    }

    var string: String {
        String(decoding: bytes.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
