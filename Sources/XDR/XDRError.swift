/// Why an XDR decode or encode failed (RFC 4506).
///
/// Decoding never reads past the end of the record: every read checks what remains first, and a failed
/// primitive read leaves the reader where it was. Composite values built from several reads are all-or-nothing
/// for the caller because a throwing initialiser produces no value; use ``XDRReader/decode(_:)`` when the
/// reader's position must also be restored.
public enum XDRError: Error, Hashable, Sendable {
    /// The record ended before the value did.
    case truncated
    /// A length or element count on the wire exceeds the maximum from the specification (`<N>`), or a value
    /// to encode is longer than that maximum.
    case lengthTooLong(length: UInt64, limit: UInt64)
    /// A `bool` was neither 0 nor 1 (RFC 4506 §4.4).
    case badBoolean(UInt32)
    /// A union discriminant matched no arm and the union has no `default` (RFC 4506 §4.15), or a value to encode
    /// uses its `default` arm with a discriminant that belongs to an explicit arm.
    case badDiscriminant(Int64)
    /// The output buffer cannot hold the value: `needed` bytes at the current position, `available` left.
    case bufferTooSmall(needed: Int, available: Int)
    /// A position outside the buffer was requested.
    case positionOutOfRange(Int)
    /// A whole-record decode finished with bytes left over.
    case trailingBytes(Int)
}

extension XDRError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .truncated:
            return "XDR: record truncated"
        case .lengthTooLong(let length, let limit):
            return "XDR: length \(length) exceeds the limit \(limit)"
        case .badBoolean(let value):
            return "XDR: bool value \(value) is neither 0 nor 1"
        case .badDiscriminant(let value):
            return "XDR: union discriminant \(value) selects no arm"
        case .bufferTooSmall(let needed, let available):
            return "XDR: output buffer too small (\(needed) bytes needed, \(available) available)"
        case .positionOutOfRange(let position):
            return "XDR: position \(position) is outside the buffer"
        case .trailingBytes(let count):
            return "XDR: \(count) bytes left after the value"
        }
    }
}
