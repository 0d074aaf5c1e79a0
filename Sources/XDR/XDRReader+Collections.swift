extension XDRReader {
    /// Optional data `T *name` (RFC 4506 §4.19): a bool, then the value when it is TRUE.
    @inlinable
    public mutating func readOptional<T>(
        _ element: (inout XDRReader) throws(XDRError) -> T
    ) throws(XDRError) -> T? {
        try readBool() ? .some(try element(&self)) : .none
    }

    /// A variable-length array `T name<maxCount>` (RFC 4506 §4.13). The count is checked against `maxCount` and
    /// against what remains (each element takes at least `minElementSize` bytes) before storage is reserved.
    @inlinable
    public mutating func readArray<T>(
        maxCount: UInt32 = .max,
        minElementSize: Int,
        _ element: (inout XDRReader) throws(XDRError) -> T
    ) throws(XDRError) -> [T] {
        let count = try readCount(maxCount: maxCount, minElementSize: minElementSize)
        var values: [T] = []
        values.reserveCapacity(count)
        for _ in 0..<count {
            values.append(try element(&self))
        }
        return values
    }

    /// A fixed-length array `T name[count]` (RFC 4506 §4.12).
    @inlinable
    public mutating func readFixedArray<T>(
        count: Int,
        minElementSize: Int,
        _ element: (inout XDRReader) throws(XDRError) -> T
    ) throws(XDRError) -> [T] {
        guard count <= remaining / max(minElementSize, 1) else { throw .truncated }
        var values: [T] = []
        values.reserveCapacity(count)
        for _ in 0..<count {
            values.append(try element(&self))
        }
        return values
    }

    /// A linked list written as optional data (`entry3 *nextentry`): a TRUE bool before each element and a
    /// FALSE one after the last. Every element consumes at least its bool, so the loop ends with the record.
    @inlinable
    public mutating func readList<T>(
        _ element: (inout XDRReader) throws(XDRError) -> T
    ) throws(XDRError) -> [T] {
        var values: [T] = []
        while try readBool() {
            values.append(try element(&self))
        }
        return values
    }
}
