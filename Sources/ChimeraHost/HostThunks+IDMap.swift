import CChimera

extension HostThunks {
    /// The `idmap_*` functions of `chimera_host` (ABI 1.1, chimera_host.h
    /// "identity mapping"): lookups in the runtime's ``ChimeraIDMap``.
    static func installIDMap(_ host: inout chimera_host) {
        host.idmap_uid_to_name = { host, uid, buffer, length in
            HostThunks.answer(PluginContext.from(host)?.runtime.idmap.userName(uid: uid), buffer, length)
        }
        host.idmap_gid_to_name = { host, gid, buffer, length in
            HostThunks.answer(PluginContext.from(host)?.runtime.idmap.groupName(gid: gid), buffer, length)
        }
        host.idmap_name_to_uid = { host, name, nameLength, uid in
            guard let context = PluginContext.from(host), let text = HostThunks.string(name, nameLength), let uid else {
                return CHIMERA_INVAL
            }
            guard let found = context.runtime.idmap.user(named: text) else { return CHIMERA_NOENT }
            uid.pointee = found.uid
            return CHIMERA_OK
        }
        host.idmap_name_to_gid = { host, name, nameLength, gid in
            guard let context = PluginContext.from(host), let text = HostThunks.string(name, nameLength), let gid else {
                return CHIMERA_INVAL
            }
            guard let found = context.runtime.idmap.gid(named: text) else { return CHIMERA_NOENT }
            gid.pointee = found
            return CHIMERA_OK
        }
        host.idmap_id_to_sid = { host, id, isGroup, buffer, length in
            guard let idmap = PluginContext.from(host)?.runtime.idmap else { return CHIMERA_INVAL }
            return HostThunks.answer(isGroup != 0 ? idmap.sid(gid: id) : idmap.sid(uid: id), buffer, length)
        }
        host.idmap_sid_to_id = { host, sid, sidLength, id, isGroup in
            guard let context = PluginContext.from(host), let text = HostThunks.string(sid, sidLength), let id, let isGroup else {
                return CHIMERA_INVAL
            }
            switch context.runtime.idmap.identity(sid: text) {
            case .user(let uid):
                id.pointee = uid
                isGroup.pointee = 0
            case .group(let gid):
                id.pointee = gid
                isGroup.pointee = 1
            case nil:
                return CHIMERA_NOENT
            }
            return CHIMERA_OK
        }
        host.idmap_id_to_principal = { host, id, isGroup, buffer, length in
            guard let idmap = PluginContext.from(host)?.runtime.idmap else { return CHIMERA_INVAL }
            return HostThunks.answer(isGroup != 0 ? idmap.groupPrincipal(gid: id) : idmap.principal(uid: id), buffer, length)
        }
        host.idmap_principal_to_id = { host, principal, principalLength, isGroup, id in
            guard let context = PluginContext.from(host), let text = HostThunks.string(principal, principalLength), let id else {
                return CHIMERA_INVAL
            }
            let idmap = context.runtime.idmap
            guard let found = isGroup != 0 ? idmap.gid(principal: text) : idmap.uid(principal: text) else {
                return CHIMERA_NOENT
            }
            id.pointee = found
            return CHIMERA_OK
        }
        host.idmap_user = { host, name, nameLength, uid, gid, groups, count in
            guard let context = PluginContext.from(host), let text = HostThunks.string(name, nameLength), let uid,
                let gid, let count
            else { return CHIMERA_INVAL }
            guard let user = context.runtime.idmap.user(named: text) else { return CHIMERA_NOENT }
            guard user.groups.count <= Int(count.pointee) else {
                count.pointee = UInt32(user.groups.count)
                return CHIMERA_RANGE
            }
            if !user.groups.isEmpty {
                guard let groups else { return CHIMERA_INVAL }
                for (index, group) in user.groups.enumerated() { groups[index] = group }
            }
            uid.pointee = user.uid
            gid.pointee = user.gid
            count.pointee = UInt32(user.groups.count)
            return CHIMERA_OK
        }
    }

    /// (pointer, length) as a String; nil for NULL or past CHIMERA_PATH_MAX.
    private static func string(_ pointer: UnsafePointer<CChar>?, _ length: UInt32) -> String? {
        guard let pointer, length <= UInt32(CHIMERA_PATH_MAX) else { return nil }
        let bytes = UnsafeRawBufferPointer(start: pointer, count: Int(length))
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Copy `text` into the caller's buffer: OK, NOENT for nil, RANGE with
    /// the needed length when it does not fit.
    private static func answer(
        _ text: String?,
        _ buffer: UnsafeMutablePointer<CChar>?,
        _ length: UnsafeMutablePointer<UInt32>?
    ) -> Int32 {
        guard let length else { return CHIMERA_INVAL }
        guard let text else { return CHIMERA_NOENT }
        let bytes = Array(text.utf8)
        guard bytes.count <= Int(length.pointee) else {
            length.pointee = UInt32(bytes.count)
            return CHIMERA_RANGE
        }
        if !bytes.isEmpty {
            guard let buffer else { return CHIMERA_INVAL }
            for (index, byte) in bytes.enumerated() { buffer[index] = CChar(bitPattern: byte) }
        }
        length.pointee = UInt32(bytes.count)
        return CHIMERA_OK
    }
}
