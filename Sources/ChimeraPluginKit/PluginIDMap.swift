import CChimera

/// The host's ID mapping (chimera_host.h "identity mapping", ABI 1.1):
/// uid/gid ↔ names, SIDs and `name@domain` principals. Every call is an
/// in-memory lookup in the host and may be made on any thread, loops included.
public struct PluginIDMap: @unchecked Sendable {
    /// What a SID or principal names.
    public enum Identity: Sendable, Equatable {
        case user(UInt32)
        case group(UInt32)
    }

    let raw: UnsafePointer<chimera_host>

    /// nil when the host predates ABI 1.1 (its struct ends before the idmap functions).
    init?(_ raw: UnsafePointer<chimera_host>) {
        guard let end = MemoryLayout<chimera_host>.offset(of: \.idmap_user),
            Int(raw.pointee.struct_size) >= end + MemoryLayout<UnsafeRawPointer>.size
        else { return nil }
        self.raw = raw
    }

    public func userName(uid: UInt32) -> String? {
        text { buffer, length in raw.pointee.idmap_uid_to_name?(raw, uid, buffer, length) }
    }

    public func groupName(gid: UInt32) -> String? {
        text { buffer, length in raw.pointee.idmap_gid_to_name?(raw, gid, buffer, length) }
    }

    public func uid(named name: String) -> UInt32? {
        id(name) { pointer, length, out in raw.pointee.idmap_name_to_uid?(raw, pointer, length, out) }
    }

    public func gid(named name: String) -> UInt32? {
        id(name) { pointer, length, out in raw.pointee.idmap_name_to_gid?(raw, pointer, length, out) }
    }

    /// `S-1-5-21-…-RID` of a uid (`.user`) or gid (`.group`); nil without a domain SID.
    public func sid(_ identity: Identity) -> String? {
        let (id, isGroup) = Self.split(identity)
        return text { buffer, length in raw.pointee.idmap_id_to_sid?(raw, id, isGroup, buffer, length) }
    }

    /// The uid or gid a SID of the configured domain names.
    public func identity(sid: String) -> Identity? {
        var id: UInt32 = 0
        var isGroup: Int32 = 0
        let status = Array(sid.utf8CString).withUnsafeBufferPointer { chars in
            raw.pointee.idmap_sid_to_id?(raw, chars.baseAddress, UInt32(chars.count - 1), &id, &isGroup)
        }
        guard status == CHIMERA_OK else { return nil }
        return isGroup != 0 ? .group(id) : .user(id)
    }

    /// `name@domain`, or the decimal id.
    public func principal(_ identity: Identity) -> String? {
        let (id, isGroup) = Self.split(identity)
        return text { buffer, length in raw.pointee.idmap_id_to_principal?(raw, id, isGroup, buffer, length) }
    }

    /// The id a principal (`name@domain` or decimal) names.
    public func id(principal: String, group: Bool) -> UInt32? {
        id(principal) { pointer, length, out in
            raw.pointee.idmap_principal_to_id?(raw, pointer, length, group ? 1 : 0, out)
        }
    }

    /// A user's uid, gid and supplementary groups (server.idmap.users, else passwd).
    public func user(named name: String) -> (uid: UInt32, gid: UInt32, groups: [UInt32])? {
        var capacity: UInt32 = 64
        for _ in 0..<2 {
            var uid: UInt32 = 0
            var gid: UInt32 = 0
            var groups = [UInt32](repeating: 0, count: Int(capacity))
            var count = capacity
            let status = Array(name.utf8CString).withUnsafeBufferPointer { chars in
                groups.withUnsafeMutableBufferPointer { out in
                    raw.pointee.idmap_user?(
                        raw, chars.baseAddress, UInt32(chars.count - 1), &uid, &gid, out.baseAddress, &count)
                }
            }
            if status == CHIMERA_OK { return (uid, gid, Array(groups.prefix(Int(count)))) }
            guard status == CHIMERA_RANGE else { return nil }
            capacity = count
        }
        return nil
    }

    private static func split(_ identity: Identity) -> (UInt32, Int32) {
        switch identity {
        case .user(let uid): (uid, 0)
        case .group(let gid): (gid, 1)
        }
    }

    /// Call with a buffer, growing it once when the host answers RANGE.
    private func text(
        _ call: (UnsafeMutablePointer<CChar>?, UnsafeMutablePointer<UInt32>) -> Int32?
    ) -> String? {
        var capacity: UInt32 = 256
        for _ in 0..<2 {
            var buffer = [CChar](repeating: 0, count: Int(capacity))
            var length = capacity
            let status = buffer.withUnsafeMutableBufferPointer { call($0.baseAddress, &length) }
            if status == CHIMERA_OK {
                return String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            }
            guard status == CHIMERA_RANGE else { return nil }
            capacity = length
        }
        return nil
    }

    private func id(
        _ text: String,
        _ call: (UnsafePointer<CChar>?, UInt32, UnsafeMutablePointer<UInt32>) -> Int32?
    ) -> UInt32? {
        var out: UInt32 = 0
        let status = Array(text.utf8CString).withUnsafeBufferPointer { chars in
            call(chars.baseAddress, UInt32(chars.count - 1), &out)
        }
        return status == CHIMERA_OK ? out : nil
    }
}
