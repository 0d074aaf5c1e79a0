import CChimera
import NFS3

/// ACCESS (RFC 1813 §3.3.4) as NFSv3's six bits over the core's answer.
///
/// The VFS core decides which of read, write and execute the caller (after squashing) holds, with the
/// rules every request of every protocol meets (chimera_vfs.h, "Permissions"), so ACCESS never promises
/// what a later call would refuse. This only maps those three bits to the ones the client asked for.
enum NFS3Access {
    static let read = NFS3Constants.accessRead
    static let lookup = NFS3Constants.accessLookup
    static let modify = NFS3Constants.accessModify
    static let extend = NFS3Constants.accessExtend
    static let delete = NFS3Constants.accessDelete
    static let execute = NFS3Constants.accessExecute

    /// What the core is asked: all of r, w and x.
    static let posixAll = CHIMERA_VFS_ACCESS_READ | CHIMERA_VFS_ACCESS_WRITE | CHIMERA_VFS_ACCESS_EXECUTE

    /// The bits of `requested` that `posix` (CHIMERA_VFS_ACCESS_* the core granted) gives on an object with
    /// attributes `attrs`; a read-only export grants nothing that changes the object.
    static func granted(requested: UInt32, posix: UInt32, attrs: chimera_attrs, readOnly: Bool) -> UInt32 {
        let isDirectory = attrs.mode & UInt32(CHIMERA_S_IFMT) == UInt32(CHIMERA_S_IFDIR)
        let r = posix & CHIMERA_VFS_ACCESS_READ != 0
        let w = posix & CHIMERA_VFS_ACCESS_WRITE != 0
        let x = posix & CHIMERA_VFS_ACCESS_EXECUTE != 0
        var granted: UInt32 = 0
        if r { granted |= read }
        if w { granted |= modify | extend }
        if isDirectory {
            if x { granted |= lookup }
            // Removing an entry needs write and search on the directory.
            if w && x { granted |= delete }
        } else if x {
            granted |= execute
        }
        if readOnly { granted &= ~(modify | extend | delete) }
        return granted & requested
    }
}
