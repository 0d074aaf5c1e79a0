import NIOCore

/// ONC RPC record marking over TCP (RFC 5531 section 11): each fragment is
/// preceded by a 4-byte header, the top bit marking the last fragment of a
/// record and the rest its length. Emits one ByteBuffer per whole record —
/// a slice of what was read when the record is one fragment (the usual
/// case), so nothing is copied.
///
/// A length claim past `maxRecord` closes the connection before anything
/// is buffered for it.
public struct RecordMarkingDecoder: ByteToMessageDecoder {
    public typealias InboundOut = ByteBuffer

    let maxRecord: Int
    /// Fragments of a record not yet complete.
    private var pending: ByteBuffer?

    public init(maxRecord: Int) {
        self.maxRecord = maxRecord
    }

    public struct RecordTooLong: Error, CustomStringConvertible {
        public let claimed: Int
        public let limit: Int
        public var description: String { "RPC record of \(claimed) bytes exceeds the limit of \(limit)" }
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let header = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self) else { return .needMoreData }
        let last = header & 0x8000_0000 != 0
        let length = Int(header & 0x7FFF_FFFF)
        let sofar = pending?.readableBytes ?? 0
        guard length <= maxRecord - sofar else {
            throw RecordTooLong(claimed: sofar + length, limit: maxRecord)
        }
        guard buffer.readableBytes >= 4 + length else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: 4)
        // Bounded above: readSlice of a length we just checked.
        var fragment = buffer.readSlice(length: length)!
        if !last {
            if pending == nil {
                pending = context.channel.allocator.buffer(capacity: length * 2)
            }
            pending!.writeBuffer(&fragment)
            return .continue
        }
        if var whole = pending {
            whole.writeBuffer(&fragment)
            pending = nil
            context.fireChannelRead(wrapInboundOut(whole))
        } else {
            context.fireChannelRead(wrapInboundOut(fragment))
        }
        return .continue
    }

    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws
        -> DecodingState
    {
        // Whole records still buffered are delivered; a record cut off by
        // the peer's disconnect is dropped.
        while try decode(context: context, buffer: &buffer) == .continue {}
        buffer.clear()
        pending = nil
        return .needMoreData
    }
}

/// A 4-byte big-endian length, then the message (SMB2 direct TCP uses the
/// top byte as zero and 24 bits of length; the limit keeps us within it).
public struct LengthPrefixDecoder: ByteToMessageDecoder {
    public typealias InboundOut = ByteBuffer

    let maxMessage: Int

    public init(maxMessage: Int) {
        self.maxMessage = maxMessage
    }

    public struct MessageTooLong: Error, CustomStringConvertible {
        public let claimed: Int
        public let limit: Int
        public var description: String { "message of \(claimed) bytes exceeds the limit of \(limit)" }
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self) else { return .needMoreData }
        guard Int(length) <= maxMessage else { throw MessageTooLong(claimed: Int(length), limit: maxMessage) }
        guard buffer.readableBytes >= 4 + Int(length) else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: 4)
        context.fireChannelRead(wrapInboundOut(buffer.readSlice(length: Int(length))!))
        return .continue
    }

    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws
        -> DecodingState
    {
        while try decode(context: context, buffer: &buffer) == .continue {}
        buffer.clear()
        return .needMoreData
    }
}
