extension XDRWriter {
    /// Optional data `T *name` (RFC 4506 §4.19).
    @inlinable
    public mutating func writeOptional<T>(
        _ value: T?,
        _ element: (T, inout XDRWriter) throws(XDRError) -> Void
    ) throws(XDRError) {
        if let value {
            try writeBool(true)
            try element(value, &self)
        } else {
            try writeBool(false)
        }
    }

    /// A variable-length array `T name<maxCount>` (RFC 4506 §4.13).
    @inlinable
    public mutating func writeArray<T>(
        _ values: [T],
        maxCount: UInt32 = .max,
        _ element: (T, inout XDRWriter) throws(XDRError) -> Void
    ) throws(XDRError) {
        guard values.count <= Int(maxCount) else {
            throw .lengthTooLong(length: UInt64(values.count), limit: UInt64(maxCount))
        }
        try writeUInt32(UInt32(truncatingIfNeeded: values.count))
        for value in values {
            try element(value, &self)
        }
    }

    /// A fixed-length array `T name[count]` (RFC 4506 §4.12); `values` must hold exactly `count` elements.
    @inlinable
    public mutating func writeFixedArray<T>(
        _ values: [T],
        count: Int,
        _ element: (T, inout XDRWriter) throws(XDRError) -> Void
    ) throws(XDRError) {
        guard values.count == count else {
            throw .lengthTooLong(length: UInt64(values.count), limit: UInt64(count))
        }
        for value in values {
            try element(value, &self)
        }
    }

    /// A linked list written as optional data: TRUE before each element, FALSE after the last.
    @inlinable
    public mutating func writeList<T>(
        _ values: [T],
        _ element: (T, inout XDRWriter) throws(XDRError) -> Void
    ) throws(XDRError) {
        for value in values {
            try writeBool(true)
            try element(value, &self)
        }
        try writeBool(false)
    }
}
