import CChimera
import ChimeraPluginKit
import CLinuxShims

/// statx → `chimera_attrs`.
public enum PosixAttributes {
    /// What the POSIX modules can fill. No GENERATION (it takes an ioctl on
    /// a real fd) and no DOS bits (Linux has none).
    public static let supported: VFSAttributeMask = [.stat, .btime, .change]

    /// Fill `attrs` from `st` when the caller asked for anything
    /// (`req_mask` ≠ 0); the request mask is kept.
    public static func fill(_ attrs: inout chimera_attrs, from st: statx) {
        guard attrs.req_mask != 0 else { return }
        let requested = attrs.req_mask
        attrs = make(st)
        attrs.req_mask = requested
    }

    public static func make(_ st: statx) -> chimera_attrs {
        var a = chimera_attrs()
        a.mode = UInt32(st.stx_mode)
        a.nlink = st.stx_nlink
        a.uid = st.stx_uid
        a.gid = st.stx_gid
        a.rdev = UInt64(st.stx_rdev_major) << 32 | UInt64(st.stx_rdev_minor)
        a.size = st.stx_size
        a.space_used = st.stx_blocks &* 512
        a.fileid = st.stx_ino
        a.fsid = UInt64(st.stx_dev_major) << 32 | UInt64(st.stx_dev_minor)
        a.atime = time(st.stx_atime)
        a.mtime = time(st.stx_mtime)
        a.ctime = time(st.stx_ctime)
        // ctime in nanoseconds: Linux moves it on every change of data or
        // metadata, and multigrain timestamps (ext4, xfs, tmpfs) make two
        // changes observed apart differ.
        a.change = UInt64(bitPattern: a.ctime.nanosecondsSinceEpoch)
        var valid: VFSAttributeMask = [.stat, .change]
        if st.stx_mask & clinux_STATX_BTIME != 0 {
            a.btime = time(st.stx_btime)
            valid.insert(.btime)
        }
        a.valid = valid
        return a
    }

    public static func time(_ t: statx_timestamp) -> chimera_timespec {
        chimera_timespec(seconds: t.tv_sec, nanoseconds: t.tv_nsec)
    }

    static func type(_ st: statx) -> UInt32 { UInt32(st.stx_mode) & UInt32(CHIMERA_S_IFMT) }
    public static func isDirectory(_ st: statx) -> Bool { type(st) == UInt32(CHIMERA_S_IFDIR) }
    public static func isRegular(_ st: statx) -> Bool { type(st) == UInt32(CHIMERA_S_IFREG) }
    public static func isSymlink(_ st: statx) -> Bool { type(st) == UInt32(CHIMERA_S_IFLNK) }
}
