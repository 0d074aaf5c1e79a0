/// A value decoded from XDR.
public protocol XDRDecodable {
    /// Decodes the value at the reader's position and moves past it.
    init(from reader: inout XDRReader) throws(XDRError)
}

/// A value encoded as XDR.
public protocol XDREncodable {
    /// Writes the value at the writer's position and moves past it.
    func encode(to writer: inout XDRWriter) throws(XDRError)

    /// The exact number of bytes ``encode(to:)`` writes, so a caller can size a buffer first.
    var xdrEncodedSize: Int { get }
}

/// A value that is both.
public typealias XDRCodable = XDRDecodable & XDREncodable

extension UInt32: XDRDecodable, XDREncodable {
    @inlinable
    public init(from reader: inout XDRReader) throws(XDRError) { self = try reader.readUInt32() }
    @inlinable
    public func encode(to writer: inout XDRWriter) throws(XDRError) { try writer.writeUInt32(self) }
    @inlinable
    public var xdrEncodedSize: Int { 4 }
}

extension Int32: XDRDecodable, XDREncodable {
    @inlinable
    public init(from reader: inout XDRReader) throws(XDRError) { self = try reader.readInt32() }
    @inlinable
    public func encode(to writer: inout XDRWriter) throws(XDRError) { try writer.writeInt32(self) }
    @inlinable
    public var xdrEncodedSize: Int { 4 }
}

extension UInt64: XDRDecodable, XDREncodable {
    @inlinable
    public init(from reader: inout XDRReader) throws(XDRError) { self = try reader.readUInt64() }
    @inlinable
    public func encode(to writer: inout XDRWriter) throws(XDRError) { try writer.writeUInt64(self) }
    @inlinable
    public var xdrEncodedSize: Int { 8 }
}

extension Int64: XDRDecodable, XDREncodable {
    @inlinable
    public init(from reader: inout XDRReader) throws(XDRError) { self = try reader.readInt64() }
    @inlinable
    public func encode(to writer: inout XDRWriter) throws(XDRError) { try writer.writeInt64(self) }
    @inlinable
    public var xdrEncodedSize: Int { 8 }
}

extension Bool: XDRDecodable, XDREncodable {
    @inlinable
    public init(from reader: inout XDRReader) throws(XDRError) { self = try reader.readBool() }
    @inlinable
    public func encode(to writer: inout XDRWriter) throws(XDRError) { try writer.writeBool(self) }
    @inlinable
    public var xdrEncodedSize: Int { 4 }
}

extension Float: XDRDecodable, XDREncodable {
    @inlinable
    public init(from reader: inout XDRReader) throws(XDRError) { self = try reader.readFloat() }
    @inlinable
    public func encode(to writer: inout XDRWriter) throws(XDRError) { try writer.writeFloat(self) }
    @inlinable
    public var xdrEncodedSize: Int { 4 }
}

extension Double: XDRDecodable, XDREncodable {
    @inlinable
    public init(from reader: inout XDRReader) throws(XDRError) { self = try reader.readDouble() }
    @inlinable
    public func encode(to writer: inout XDRWriter) throws(XDRError) { try writer.writeDouble(self) }
    @inlinable
    public var xdrEncodedSize: Int { 8 }
}

/// Unbounded `opaque<>` / `string<>`; a bounded one is decoded with ``XDRReader/readOpaque(maxLength:)``.
extension XDROpaque: XDRDecodable, XDREncodable {
    @inlinable
    public init(from reader: inout XDRReader) throws(XDRError) { self = try reader.readOpaque() }
    @inlinable
    public func encode(to writer: inout XDRWriter) throws(XDRError) { try writer.writeOpaque(self) }
}

extension XDRFixedOpaque: XDRDecodable, XDREncodable {
    @inlinable
    public init(from reader: inout XDRReader) throws(XDRError) { self = try reader.readFixedOpaque() }
    @inlinable
    public func encode(to writer: inout XDRWriter) throws(XDRError) { try writer.writeFixedOpaque(self) }
}

/// Optional data `T *name` (RFC 4506 §4.19), and the bool-switched unions with one void arm that are the same
/// on the wire (`post_op_attr`): a bool, then the value when it is TRUE.
extension Optional: XDRDecodable where Wrapped: XDRDecodable {
    @inlinable
    public init(from reader: inout XDRReader) throws(XDRError) {
        self = try reader.readBool() ? .some(try Wrapped(from: &reader)) : .none
    }
}

extension Optional: XDREncodable where Wrapped: XDREncodable {
    @inlinable
    public func encode(to writer: inout XDRWriter) throws(XDRError) {
        switch self {
        case .some(let value):
            try writer.writeBool(true)
            try value.encode(to: &writer)
        case .none:
            try writer.writeBool(false)
        }
    }

    @inlinable
    public var xdrEncodedSize: Int {
        switch self {
        case .some(let value): return 4 &+ value.xdrEncodedSize
        case .none: return 4
        }
    }
}
