import CChimera
import ChimeraPluginKit
import Glibc
import OrderedCollections
import Synchronization

/// Extended attributes (per inode, in insertion order) and the module-wide
/// key-value store. Both count against the size limit.
extension MemFS {
    /// The NUL-terminated xattr name of the request, checked as Linux
    /// checks it (empty: INVAL; over 255 bytes: RANGE).
    private func xattrName(_ request: VFSRequest) throws(MemFSFailure) -> [UInt8] {
        guard let pointer = request.raw.pointee.xattr.name else { throw MemFSFailure(.invalid) }
        let length = strnlen(pointer, Self.maxXattrName + 1)
        guard length > 0 else { throw MemFSFailure(.invalid) }
        guard length <= Self.maxXattrName else { throw MemFSFailure(.range) }
        return Array(UnsafeRawBufferPointer(start: pointer, count: length))
    }

    /// Copy `value` into the caller's buffer: a zero-length buffer asks for
    /// the size, a short one is RANGE.
    private static func answer(
        _ value: [UInt8],
        into buffer: UnsafeMutableRawPointer?,
        capacity: UInt32
    ) throws(MemFSFailure) -> UInt32 {
        if capacity == 0 { return UInt32(value.count) }
        guard value.count <= Int(capacity) else { throw MemFSFailure(.range) }
        if let buffer, !value.isEmpty {
            value.withUnsafeBytes { bytes in
                if let base = bytes.baseAddress { buffer.copyMemory(from: base, byteCount: bytes.count) }
            }
        }
        return UInt32(value.count)
    }

    func getxattr(_ request: VFSRequest) throws(MemFSFailure) {
        let inode = try resolve(request.handle)
        let name = try xattrName(request)
        let buffer = request.raw.pointee.xattr.value
        let capacity = request.raw.pointee.xattr.value_len
        let length = try inode.state.withLock { state throws(MemFSFailure) -> UInt32 in
            guard state.alive else { throw MemFSFailure(.stale) }
            guard let value = state.xattrs[name] else { throw MemFSFailure(.noData) }
            return try Self.answer(value, into: buffer, capacity: capacity)
        }
        request.raw.pointee.xattr.r_length = length
    }

    func setxattr(_ request: VFSRequest) throws(MemFSFailure) {
        let inode = try resolve(request.handle)
        let name = try xattrName(request)
        let args = request.raw.pointee.xattr
        let create = args.flags & UInt32(CHIMERA_VFS_XATTR_CREATE) != 0
        let replace = args.flags & UInt32(CHIMERA_VFS_XATTR_REPLACE) != 0
        guard !(create && replace) else { throw MemFSFailure(.invalid) }
        guard args.value_len <= UInt32(Self.maxXattrValue) else { throw MemFSFailure(.range) }
        guard args.value != nil || args.value_len == 0 else { throw MemFSFailure(.invalid) }
        let value = Array(UnsafeRawBufferPointer(start: args.value, count: Int(args.value_len)))
        let now = MemFSClock.now()
        try inode.state.withLock { state throws(MemFSFailure) in
            guard state.alive else { throw MemFSFailure(.stale) }
            let old = state.xattrs[name]
            if create && old != nil { throw MemFSFailure(.exists) }
            if replace && old == nil { throw MemFSFailure(.noData) }
            let delta = name.count + value.count - (old.map { name.count + $0.count } ?? 0)
            guard state.xattrBytes + delta <= Self.maxXattrBytesPerInode, usage.adjustMetadata(delta) else {
                throw MemFSFailure(.noSpace)
            }
            state.xattrBytes += delta
            state.xattrs[name] = value
            state.touchMetadata(now)
        }
    }

    /// LISTXATTR: NUL-terminated names back to back.
    func listxattr(_ request: VFSRequest) throws(MemFSFailure) {
        let inode = try resolve(request.handle)
        let buffer = request.raw.pointee.xattr.value
        let capacity = request.raw.pointee.xattr.value_len
        let length = try inode.state.withLock { state throws(MemFSFailure) -> UInt32 in
            guard state.alive else { throw MemFSFailure(.stale) }
            var list: [UInt8] = []
            for name in state.xattrs.keys {
                list.append(contentsOf: name)
                list.append(0)
            }
            return try Self.answer(list, into: buffer, capacity: capacity)
        }
        request.raw.pointee.xattr.r_length = length
    }

    func removexattr(_ request: VFSRequest) throws(MemFSFailure) {
        let inode = try resolve(request.handle)
        let name = try xattrName(request)
        let now = MemFSClock.now()
        try inode.state.withLock { state throws(MemFSFailure) in
            guard state.alive else { throw MemFSFailure(.stale) }
            guard let old = state.xattrs.removeValue(forKey: name) else { throw MemFSFailure(.noData) }
            let freed = name.count + old.count
            state.xattrBytes -= freed
            _ = usage.adjustMetadata(-freed)
            state.touchMetadata(now)
        }
    }

    private func key(_ request: VFSRequest) throws(MemFSFailure) -> [UInt8] {
        let args = request.raw.pointee.kv
        guard args.key_len > 0, let pointer = args.key else { throw MemFSFailure(.invalid) }
        guard args.key_len <= UInt32(Self.maxKeyLength) else { throw MemFSFailure(.nameTooLong) }
        return Array(UnsafeRawBufferPointer(start: pointer, count: Int(args.key_len)))
    }

    func kvGet(_ request: VFSRequest) throws(MemFSFailure) {
        let key = try key(request)
        let buffer = request.raw.pointee.kv.value
        let capacity = request.raw.pointee.kv.value_len
        let length = try keyValues.withLock { store throws(MemFSFailure) -> UInt32 in
            guard let value = store[key] else { throw MemFSFailure(.noData) }
            return try Self.answer(value, into: buffer, capacity: capacity)
        }
        request.raw.pointee.kv.r_length = length
    }

    func kvPut(_ request: VFSRequest) throws(MemFSFailure) {
        let key = try key(request)
        let args = request.raw.pointee.kv
        guard args.value_len <= UInt32(Self.maxValueLength) else { throw MemFSFailure(.range) }
        guard args.value != nil || args.value_len == 0 else { throw MemFSFailure(.invalid) }
        let value = Array(UnsafeRawBufferPointer(start: args.value, count: Int(args.value_len)))
        try keyValues.withLock { store throws(MemFSFailure) in
            let delta = key.count + value.count - (store[key].map { key.count + $0.count } ?? 0)
            guard usage.adjustMetadata(delta) else { throw MemFSFailure(.noSpace) }
            store[key] = value
        }
    }

    func kvDelete(_ request: VFSRequest) throws(MemFSFailure) {
        let key = try key(request)
        try keyValues.withLock { store throws(MemFSFailure) in
            guard let old = store.removeValue(forKey: key) else { throw MemFSFailure(.noData) }
            _ = usage.adjustMetadata(-(key.count + old.count))
        }
    }
}
