import CChimera

/// Who asks, as the permission checks see it: a view of the request's
/// `chimera_cred` (NULL is the host itself, uid 0).
struct Caller {
    let uid: UInt32
    let gid: UInt32
    private let cred: UnsafePointer<chimera_cred>?

    init(_ cred: UnsafePointer<chimera_cred>?) {
        self.cred = cred
        uid = cred?.pointee.uid ?? 0
        gid = cred?.pointee.gid ?? 0
    }

    var isRoot: Bool { uid == 0 }

    /// The primary group or any supplementary group is `group`.
    func isMember(of group: UInt32) -> Bool {
        if group == gid { return true }
        guard let cred else { return false }
        // The core hands on only full (1.1) credentials (see submit).
        if cred.pointee.struct_size >= UInt32(MemoryLayout<chimera_cred>.size), let all = cred.pointee.all_groups {
            let count = Int(min(cred.pointee.nall_groups, UInt32(CHIMERA_NGROUPS_MAX)))
            for index in 0..<count where all[index] == group { return true }
            return false
        }
        let count = Int(min(cred.pointee.ngroups, UInt32(CHIMERA_GROUPS_MAX)))
        return withUnsafeBytes(of: cred.pointee.groups) { raw in
            let groups = raw.bindMemory(to: UInt32.self)
            for index in 0..<count where groups[index] == group { return true }
            return false
        }
    }

    /// Which of `requested` (CHIMERA_VFS_ACCESS_* — r, w, x) the mode bits
    /// of `attrs` give this caller. Only one class of bits applies, as in
    /// Linux: the owner's if the caller owns the object, else the group's if
    /// it is a member, else the others'. uid 0 reads and writes anything and
    /// executes what is a directory or executable by someone.
    func granted(_ requested: UInt32, on attrs: chimera_attrs) -> UInt32 {
        let mode = attrs.mode
        if isRoot {
            var granted = requested & (CHIMERA_VFS_ACCESS_READ | CHIMERA_VFS_ACCESS_WRITE)
            if requested & CHIMERA_VFS_ACCESS_EXECUTE != 0 && (FileMode.isDirectory(mode) || mode & 0o111 != 0) {
                granted |= CHIMERA_VFS_ACCESS_EXECUTE
            }
            return granted
        }
        let bits: UInt32
        if uid == attrs.uid {
            bits = (mode >> 6) & 7
        } else if isMember(of: attrs.gid) {
            bits = (mode >> 3) & 7
        } else {
            bits = mode & 7
        }
        return bits & requested
    }

    /// Every bit of `requested` is granted.
    func may(_ requested: UInt32, on attrs: chimera_attrs) -> Bool {
        granted(requested, on: attrs) == requested
    }

    func owns(_ attrs: chimera_attrs) -> Bool { isRoot || uid == attrs.uid }
}

/// The bits of `chimera_attrs.mode` the checks look at.
enum FileMode {
    static let setUID: UInt32 = 0o4000
    static let setGID: UInt32 = 0o2000
    static let sticky: UInt32 = 0o1000
    static let groupExecute: UInt32 = 0o010

    static func type(_ mode: UInt32) -> UInt32 { mode & UInt32(CHIMERA_S_IFMT) }
    static func isDirectory(_ mode: UInt32) -> Bool { type(mode) == UInt32(CHIMERA_S_IFDIR) }
    static func isRegular(_ mode: UInt32) -> Bool { type(mode) == UInt32(CHIMERA_S_IFREG) }

    /// The set-ID bits a write or a change of owner takes from a regular
    /// file: S_ISUID, and S_ISGID when the group may execute (without group
    /// execute S_ISGID means mandatory locking, and stays).
    static func privileges(_ mode: UInt32) -> UInt32 {
        guard isRegular(mode) else { return 0 }
        var bits = mode & setUID
        if mode & setGID != 0 && mode & groupExecute != 0 { bits |= setGID }
        return bits
    }
}
