import CChimera
import NFS3
import ONCRPC

/// ACCESS (RFC 1813 §3.3.4) from the object's mode, owner and group and the caller's identity after
/// squashing, as a POSIX server decides it. The modules keep no permission policy of their own, so this is
/// the answer clients act on.
enum NFS3Access {
    static let read = NFS3Constants.accessRead
    static let lookup = NFS3Constants.accessLookup
    static let modify = NFS3Constants.accessModify
    static let extend = NFS3Constants.accessExtend
    static let delete = NFS3Constants.accessDelete
    static let execute = NFS3Constants.accessExecute

    /// The bits of `requested` that `identity` holds on an object with attributes `attrs`; a read-only export
    /// grants nothing that changes the object.
    static func granted(
        requested: UInt32,
        attrs: chimera_attrs,
        identity: RPCIdentity,
        readOnly: Bool
    ) -> UInt32 {
        let mode = attrs.mode
        let isDirectory = mode & UInt32(CHIMERA_S_IFMT) == UInt32(CHIMERA_S_IFDIR)
        var granted: UInt32 = 0
        if identity.uid == 0 {
            // root may do anything but execute a file nobody may execute.
            granted = read | modify | extend | delete | lookup
            if isDirectory || mode & 0o111 != 0 { granted |= execute }
        } else {
            let bits: UInt32
            if identity.uid == attrs.uid {
                bits = (mode >> 6) & 7
            } else if identity.gid == attrs.gid || identity.groups.contains(attrs.gid) {
                bits = (mode >> 3) & 7
            } else {
                bits = mode & 7
            }
            if bits & 4 != 0 { granted |= read }
            if bits & 2 != 0 { granted |= modify | extend | (isDirectory ? delete : 0) }
            if bits & 1 != 0 { granted |= isDirectory ? lookup : execute }
        }
        // LOOKUP and DELETE mean something for directories only, EXECUTE for everything else.
        granted &= isDirectory ? ~execute : ~(lookup | delete)
        if readOnly { granted &= ~(modify | extend | delete) }
        return granted & requested
    }
}
