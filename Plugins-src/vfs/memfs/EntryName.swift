import CChimera
import ChimeraPluginKit
import Glibc

/// A directory entry name as raw bytes (names are not required to be UTF-8).
///
/// Two forms share one type so that a lookup never allocates: a stored name
/// owns its bytes; a probe borrows the request's bytes for the duration of
/// one dictionary access and is never stored. The hash is computed once,
/// with the process-seeded `Hasher`, so a client cannot flood a directory
/// with colliding names.
struct EntryName: Hashable, @unchecked Sendable {
    let hashCode: Int
    let stored: [UInt8]
    let borrowed: UnsafeRawBufferPointer?

    /// A probe over bytes that outlive every use of the probe.
    init(borrowing bytes: UnsafeRawBufferPointer) {
        self.hashCode = Self.hash(bytes)
        self.stored = []
        self.borrowed = bytes
    }

    /// A name that owns a copy of `bytes`.
    init(copying bytes: UnsafeRawBufferPointer) {
        self.hashCode = Self.hash(bytes)
        self.stored = Array(bytes)
        self.borrowed = nil
    }

    /// The stored form of this name (a copy when it was a probe).
    var owned: EntryName {
        guard let borrowed else { return self }
        return EntryName(copying: borrowed)
    }

    static let empty = EntryName(copying: UnsafeRawBufferPointer(start: nil, count: 0))

    @inline(__always)
    func withBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        if let borrowed { return body(borrowed) }
        return stored.withUnsafeBytes(body)
    }

    var count: Int { borrowed?.count ?? stored.count }

    static func hash(_ bytes: UnsafeRawBufferPointer) -> Int {
        var hasher = Hasher()
        hasher.combine(bytes: bytes)
        return hasher.finalize()
    }

    static func == (a: EntryName, b: EntryName) -> Bool {
        guard a.hashCode == b.hashCode, a.count == b.count else { return false }
        return a.withBytes { x in
            b.withBytes { y in
                guard let xp = x.baseAddress, let yp = y.baseAddress else { return x.count == y.count }
                return memcmp(xp, yp, x.count) == 0
            }
        }
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(hashCode)
    }

    /// The dictionary's own hashing would run SipHash a second time over a
    /// value that already is one: mix in the dictionary's seed instead.
    func _rawHashValue(seed: Int) -> Int {
        hashCode ^ seed
    }

    /// Why `bytes` cannot name a directory entry, or nil when it can.
    static func problem(with bytes: UnsafeRawBufferPointer) -> VFSStatus? {
        if bytes.count == 0 { return .invalid }
        if bytes.count > Int(CHIMERA_NAME_MAX) { return .nameTooLong }
        guard let base = bytes.baseAddress else { return .invalid }
        if memchr(base, 0x2F, bytes.count) != nil || memchr(base, 0, bytes.count) != nil { return .invalid }
        if bytes.count <= 2 && bytes.allSatisfy({ $0 == 0x2E }) { return .invalid }
        return nil
    }
}
