import CChimera
import CLinuxShims

/// The bytes of a module handle (at most `CHIMERA_MODULE_FH_MAX`), stored
/// inline so a handle is a value that hashes without allocating: the key
/// of the descriptor cache.
///
/// Layout, little-endian, shared by the linux and io_uring modules:
///
///     kernel handle (format 1)           inode handle (format 2)
///     [0]      1                          [0]       2
///     [1]      n = f_handle length        [1..<9]   inode number
///     [2..<6]  handle_type                [9..<17]  birth time, ns
///     [6..<6+n] f_handle                  [17..<29] MAC
///     [6+n..<18+n] MAC
///
/// The MAC is HMAC-SHA-256 over every byte before it, keyed with the
/// root's secret (``HandleSecret``), truncated to 12 bytes. Handles arrive
/// from the network; without a valid MAC a handle is refused before any
/// kernel call sees it (see ``HandleCodec``).
public struct PosixHandle: Hashable, Sendable {
    var w0: UInt64 = 0, w1: UInt64 = 0, w2: UInt64 = 0, w3: UInt64 = 0, w4: UInt64 = 0, w5: UInt64 = 0
    public internal(set) var count: Int = 0

    static let capacity = Int(CHIMERA_MODULE_FH_MAX)
    static let macLength = 12
    static let kernelFormat: UInt8 = 1
    static let inodeFormat: UInt8 = 2
    static let kernelHeader = 6
    /// The longest f_handle that fits beside the header and the MAC.
    static let kernelHandleMax = capacity - kernelHeader - macLength

    public init() {}

    /// A copy of a handle from a request; nil when it is longer than a
    /// module handle can be.
    public init?(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count <= Self.capacity else { return nil }
        withUnsafeMutableBytes { $0.copyMemory(from: bytes) }
        count = bytes.count
    }

    /// All 48 bytes of storage; only the first ``count`` are the handle.
    func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        let words = (w0, w1, w2, w3, w4, w5)
        return try Swift.withUnsafeBytes(of: words) { raw throws(E) in try body(raw) }
    }

    mutating func withUnsafeMutableBytes<R>(_ body: (UnsafeMutableRawBufferPointer) throws -> R) rethrows -> R {
        var words = (w0, w1, w2, w3, w4, w5)
        defer { (w0, w1, w2, w3, w4, w5) = words }
        return try Swift.withUnsafeMutableBytes(of: &words) { try body($0) }
    }

    /// The handle's bytes (``count`` of them).
    public func withBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        let count = self.count
        return try withUnsafeBytes { all throws(E) in try body(UnsafeRawBufferPointer(rebasing: all[0..<count])) }
    }

    mutating func append(_ byte: UInt8) {
        precondition(count < Self.capacity, "handle overflow")
        let at = count
        withUnsafeMutableBytes { $0[at] = byte }
        count += 1
    }

    mutating func append<T: FixedWidthInteger>(littleEndian value: T) {
        var v = value.littleEndian
        Swift.withUnsafeBytes(of: &v) { for b in $0 { append(b) } }
    }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        for b in bytes { append(b) }
    }

    func byte(_ i: Int) -> UInt8 { withUnsafeBytes { $0[i] } }

    func load<T: FixedWidthInteger>(_: T.Type, at offset: Int) -> T {
        withUnsafeBytes { raw in
            var v = T.zero
            let source = UnsafeRawBufferPointer(rebasing: raw[offset..<offset + MemoryLayout<T>.size])
            Swift.withUnsafeMutableBytes(of: &v) { $0.copyMemory(from: source) }
            return T(littleEndian: v)
        }
    }
}

extension PosixHandle: CustomStringConvertible {
    public var description: String {
        withBytes { bytes in bytes.map { b in (b < 16 ? "0" : "") + String(b, radix: 16) }.joined() }
    }
}
