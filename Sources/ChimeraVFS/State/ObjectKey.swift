import CChimera

/// A wire handle held inline (at most `CHIMERA_FH_MAX` bytes), so keying
/// the state table by object allocates nothing on the I/O path.
struct ObjectKey: Hashable, Sendable {
    private var words: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
    private(set) var length: Int = 0

    /// nil for a handle longer than the ABI allows.
    init?(_ handle: UnsafeRawBufferPointer) {
        guard handle.count <= Int(CHIMERA_FH_MAX) else { return nil }
        length = handle.count
        withUnsafeMutableBytes(of: &words) { out in
            out.copyMemory(from: handle)
        }
    }

    init?(_ handle: [UInt8]) {
        guard let key = handle.withUnsafeBytes({ ObjectKey($0) }) else { return nil }
        self = key
    }

    var bytes: [UInt8] {
        withUnsafeBytes(of: words) { Array($0.prefix(length)) }
    }

    static func == (a: ObjectKey, b: ObjectKey) -> Bool {
        a.length == b.length && a.words.0 == b.words.0 && a.words.1 == b.words.1 && a.words.2 == b.words.2
            && a.words.3 == b.words.3 && a.words.4 == b.words.4 && a.words.5 == b.words.5
            && a.words.6 == b.words.6 && a.words.7 == b.words.7
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(length)
        hasher.combine(words.0)
        hasher.combine(words.1)
        hasher.combine(words.2)
        hasher.combine(words.3)
        hasher.combine(words.4)
        hasher.combine(words.5)
        hasher.combine(words.6)
        hasher.combine(words.7)
    }
}

/// Sixteen bytes of lease key, inline.
struct LeaseKey: Hashable, Sendable {
    var high: UInt64
    var low: UInt64

    static let zero = LeaseKey(high: 0, low: 0)

    init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    init<T>(tuple: T) {
        var high: UInt64 = 0
        var low: UInt64 = 0
        withUnsafeBytes(of: tuple) { raw in
            withUnsafeMutableBytes(of: &high) { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[0..<8])) }
            withUnsafeMutableBytes(of: &low) { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[8..<16])) }
        }
        self.init(high: high, low: low)
    }

    var bytes: [UInt8] {
        withUnsafeBytes(of: high) { Array($0) } + withUnsafeBytes(of: low) { Array($0) }
    }
}
