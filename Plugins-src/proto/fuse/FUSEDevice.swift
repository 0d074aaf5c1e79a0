import ChimeraPluginKit
import Glibc

/// `/dev/fuse` opened non-blocking and mounted on a host directory with mount(2), as fusermount does for a
/// root caller: type "fuse", options `fd=N,rootmode=40000,user_id=0,group_id=0[,allow_other]
/// [,default_permissions],max_read=M`, MS_NOSUID | MS_NODEV.
final class FUSEDevice {
    let fd: Int32
    let mountPoint: String
    private(set) var mounted = false

    /// Open the device; throws with one line naming the mount point.
    init(mountPoint: String) throws(PluginError) {
        self.mountPoint = mountPoint
        let fd = open("/dev/fuse", O_RDWR | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            throw PluginError("fuse mount \(mountPoint): cannot open /dev/fuse: \(String(cString: strerror(errno)))")
        }
        self.fd = fd
    }

    func mount(allowOther: Bool, defaultPermissions: Bool, maxRead: UInt32) throws(PluginError) {
        var options = "fd=\(fd),rootmode=40000,user_id=0,group_id=0"
        if allowOther { options += ",allow_other" }
        if defaultPermissions { options += ",default_permissions" }
        options += ",max_read=\(maxRead)"
        // A FUSE mount left by a server that died answers ENOTCONN: detach it rather than stack on it.
        var st = stat()
        if stat(mountPoint, &st) != 0 && errno == ENOTCONN {
            _ = umount2(mountPoint, 2)  // MNT_DETACH
        }
        let flags = UInt(MS_NOSUID) | UInt(MS_NODEV)
        let rc = Glibc.mount("chimera", mountPoint, "fuse", flags, options)
        guard rc == 0 else {
            throw PluginError("fuse mount \(mountPoint): mount(2) failed: \(String(cString: strerror(errno)))")
        }
        mounted = true
    }

    /// Detach the mount (MNT_DETACH: processes inside keep their files until they close them).
    func unmount() {
        guard mounted else { return }
        mounted = false
        _ = umount2(mountPoint, 2)  // MNT_DETACH
    }

    /// One request's length, or -errno (EAGAIN: none queued; ENODEV: the mount went away).
    func read(into buffer: UnsafeMutableRawPointer, capacity: Int) -> Int {
        while true {
            let n = Glibc.read(fd, buffer, capacity)
            if n >= 0 { return n }
            let e = errno
            if e == EINTR { continue }
            return -Int(e)
        }
    }

    /// One whole reply; the kernel takes it in one write or not at all. Returns 0 or the errno (ENOENT: the
    /// request was interrupted or aborted meanwhile, which is not an error of ours).
    func write(_ bytes: UnsafeRawBufferPointer) -> Int32 {
        while true {
            let n = Glibc.write(fd, bytes.baseAddress, bytes.count)
            if n >= 0 { return 0 }
            if errno == EINTR { continue }
            return errno
        }
    }

    deinit {
        unmount()
        close(fd)
    }
}
