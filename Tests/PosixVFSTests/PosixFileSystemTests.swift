import CChimera
import ChimeraPluginKit
import CLinuxShims
import Glibc
import Testing

@testable import PosixVFS

@Suite("A host directory served through PosixFileSystem", .serialized)
struct PosixFileSystemTests {
    let dir: TemporaryDirectory
    let root: String
    let host = TestHost()

    init() throws {
        dir = try TemporaryDirectory()
        root = dir.path + "/root"
        Glibc.mkdir(root, 0o755)
    }

    func make(handles: String = "auto") throws -> PosixFileSystem {
        try PosixFileSystem(
            host: host.host,
            config: "{\"root\": \"\(root)\", \"handle_key_file\": \"\(dir.path)/key\", \"handles\": \"\(handles)\"}")
    }

    func mount(_ fs: PosixFileSystem) -> [UInt8] {
        let r = TestRequest(.mount)
        let (p, n) = r.string("/")
        r.raw.pointee.mount = chimera_vfs_args_mount(path: p, path_len: n)
        #expect(r.run(fs) == .ok)
        return r.resultHandle
    }

    func mkdir(_ fs: PosixFileSystem, _ parent: [UInt8], _ name: String) -> (VFSStatus, [UInt8]) {
        let r = TestRequest(.mkdir, parent)
        let (p, n) = r.string(name)
        r.raw.pointee.mkdir.name = p
        r.raw.pointee.mkdir.name_len = n
        let status = r.run(fs)
        return (status, r.resultHandle)
    }

    func lookup(_ fs: PosixFileSystem, _ parent: [UInt8], _ name: String) -> (VFSStatus, [UInt8]) {
        let r = TestRequest(.lookup, parent)
        let (p, n) = r.string(name)
        r.raw.pointee.lookup.name = p
        r.raw.pointee.lookup.name_len = n
        let status = r.run(fs)
        return (status, r.resultHandle)
    }

    func getattr(_ fs: PosixFileSystem, _ fh: [UInt8]) -> (VFSStatus, chimera_attrs) {
        let r = TestRequest(.getattr, fh)
        let status = r.run(fs)
        return (status, r.raw.pointee.r_attrs)
    }

    @Test("a missing root or one that is a file fails init, naming root")
    func badRoot() throws {
        for bad in ["/nonexistent/chimera", "/etc/passwd"] {
            do {
                _ = try PosixFileSystem(host: host.host, config: "{\"root\": \"\(bad)\"}")
                Issue.record("\(bad) accepted")
            } catch {
                #expect(error.message.hasPrefix("root: \(bad)"), "\(error.message)")
            }
        }
    }

    @Test("mkdir, lookup and getattr agree on handles and attributes")
    func roundTrip() throws {
        let fs = try make()
        defer { fs.shutdown() }
        let rootHandle = mount(fs)
        let (made, dirHandle) = mkdir(fs, rootHandle, "docs")
        #expect(made == .ok)
        let (found, again) = lookup(fs, rootHandle, "docs")
        #expect(found == .ok)
        #expect(again == dirHandle)
        let (status, attrs) = getattr(fs, dirHandle)
        #expect(status == .ok)
        #expect(attrs.fileType == .directory)
        #expect(mkdir(fs, rootHandle, "docs").0 == .exists)
    }

    @Test("names that would leave the directory are refused")
    func confinedNames() throws {
        let fs = try make()
        defer { fs.shutdown() }
        let rootHandle = mount(fs)
        for name in ["..", ".", "a/b", "../../etc"] {
            #expect(lookup(fs, rootHandle, name).0 == .invalid, "\(name)")
        }
    }

    @Test("a symlink to /etc is stored and never followed")
    func symlinkNotFollowed() throws {
        let fs = try make()
        defer { fs.shutdown() }
        let rootHandle = mount(fs)
        #expect(Glibc.symlink("/etc", root + "/etc") == 0)
        let (status, link) = lookup(fs, rootHandle, "etc")
        #expect(status == .ok)
        #expect(getattr(fs, link).1.fileType == .symlink)
        #expect(lookup(fs, link, "passwd").0 == .notDirectory)
    }

    @Test("a handle forged for /etc/passwd, or one with a byte changed, is BADHANDLE")
    func forgedHandles() throws {
        let fs = try make()
        defer { fs.shutdown() }
        let rootHandle = mount(fs)
        var bytes = [UInt8](repeating: 0, count: 128)
        var length: UInt32 = 0
        var type: Int32 = 0
        var mount: Int32 = 0
        if clinux_name_to_handle(AT_FDCWD, "/etc/passwd", 0, &bytes, 128, &length, &type, &mount) == 0, length <= 30 {
            var forged: [UInt8] = [1, UInt8(length)]
            withUnsafeBytes(of: type.littleEndian) { forged += $0 }
            forged += bytes.prefix(Int(length))
            forged += [UInt8](repeating: 0, count: 12)
            #expect(getattr(fs, forged).0 == .badHandle)
        }
        for i in rootHandle.indices {
            var changed = rootHandle
            changed[i] ^= 0x01
            #expect(getattr(fs, changed).0 == .badHandle, "byte \(i)")
        }
        #expect(getattr(fs, Array(rootHandle.prefix(5))).0 == .badHandle)
    }

    @Test("handles stay valid for a new instance over the same root and key", arguments: ["auto", "inode"])
    func persistentHandles(mode: String) throws {
        let first = try make(handles: mode)
        let rootHandle = mount(first)
        let (made, dirHandle) = mkdir(first, rootHandle, "kept")
        #expect(made == .ok)
        let (_, deeper) = mkdir(first, dirHandle, "deeper")
        first.shutdown()

        // Inode handles are found again by searching the tree.
        let second = try make(handles: mode)
        defer { second.shutdown() }
        #expect(mount(second) == rootHandle)
        for handle in [dirHandle, deeper] {
            let (status, attrs) = getattr(second, handle)
            #expect(status == .ok)
            #expect(attrs.fileType == .directory)
        }
    }

    @Test("removed objects are STALE, never another object")
    func staleAfterRemove() throws {
        let fs = try make()
        defer { fs.shutdown() }
        let rootHandle = mount(fs)
        let (_, gone) = mkdir(fs, rootHandle, "gone")
        let r = TestRequest(.remove, rootHandle)
        let (p, n) = r.string("gone")
        r.raw.pointee.remove.name = p
        r.raw.pointee.remove.name_len = n
        #expect(r.run(fs) == .ok)
        #expect(getattr(fs, gone).0 == .stale)
        let (_, newer) = mkdir(fs, rootHandle, "gone")
        #expect(newer != gone)
        #expect(getattr(fs, gone).0 == .stale)
    }

    @Test("lock and key-value ops are NOTSUP: the core keeps locks")
    func notSupported() throws {
        let fs = try make()
        defer { fs.shutdown() }
        let rootHandle = mount(fs)
        for op in [VFSOp.lock, .unlock, .testLock, .kvGet, .kvPut, .kvDelete, VFSOp(rawValue: 99)] {
            #expect(TestRequest(op, rootHandle).run(fs) == .notSupported, "\(op)")
        }
    }
}
