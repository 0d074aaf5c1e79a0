import CChimera

/// The permissions chapter: a caller who is not uid 0 against objects of
/// other owners, through the core's checks (or the module's own, when it
/// claims CHIMERA_VFS_CAP_ENFORCES_PERMISSIONS). The rules are Linux's
/// (chimera_vfs.h, "Permissions"). Objects are set up as uid 0; `alice`
/// (1000:1000, also in group 3000) and `bob` (2000:2000) are the users.
extension ConformanceChecks {
    static let permissions: [ConformanceCheck] = [
        ConformanceCheck("perm.lookup-needs-search") { c in
            let dir = try await c.freshDirectory(mode: 0o700)
            try await c.file("f", in: dir)
            try await c.asAlice {
                try c.expect(await c.client.lookup(dir, c.name("f")), .acces, what: "lookup in a 0700 root directory")
            }
            try c.ok(await c.client.lookup(dir, c.name("f")), "lookup as root")
        },
        ConformanceCheck("perm.readdir-needs-read") { c in
            let dir = try await c.freshDirectory(mode: 0o711)
            try await c.file("f", in: dir)
            try await c.asAlice {
                try c.expect(await c.client.readdir(dir, limit: 10).status, [.acces], what: "readdir of a 0711 directory")
                try c.ok(await c.client.lookup(dir, c.name("f")), "lookup in a 0711 directory")
            }
        },
        ConformanceCheck("perm.create-needs-write") { c in
            let closed = try await c.freshDirectory(mode: 0o755)
            try await c.asAlice {
                try c.expect(
                    await c.client.openAt(closed, c.name("f"), flags: VFS.create | VFS.noOpen), .acces,
                    what: "create in a root 0755 directory")
                try c.expect(await c.client.mkdir(closed, c.name("d")), .acces, what: "mkdir in a root 0755 directory")
                try c.expect(
                    await c.client.symlink(closed, c.name("l"), target: c.name("x")), .acces,
                    what: "symlink in a root 0755 directory")
            }
            try c.expect(await c.client.lookup(closed, c.name("f")), .noent, what: "lookup of the refused create")
            let open = try await c.freshDirectory(mode: 0o777)
            let made = try await c.asAlice {
                try c.ok(await c.client.openAt(open, c.name("f"), flags: VFS.create | VFS.noOpen), "create in 0777")
            }
            let attrs = try await c.attrs(made.handle)
            try c.check(attrs.uid == 1000 && attrs.gid == 1000, "new file owned \(attrs.uid):\(attrs.gid), not 1000:1000")
        },
        ConformanceCheck("perm.open-existing") { c in
            let dir = try await c.freshDirectory(mode: 0o755)
            try await c.file("shared", in: dir, data: [1, 2, 3], mode: 0o666)
            try await c.file("private", in: dir, data: [1, 2, 3], mode: 0o644)
            try await c.asAlice {
                // Opening an existing file needs no write on the directory.
                let opened = try c.ok(
                    await c.client.openAt(dir, c.name("shared"), flags: VFS.create | VFS.write), "open 0666 for write")
                try c.check(!opened.created, "an existing file was reported created")
                _ = await c.client.close(opened.handle, openHandle: opened.openHandle)
                try c.expect(
                    await c.client.openAt(dir, c.name("private"), flags: VFS.create | VFS.write), .acces,
                    what: "open of a root 0644 file for write")
                try c.expect(
                    await c.client.openAt(dir, c.name("private"), flags: VFS.truncate | VFS.noOpen), .acces,
                    what: "truncating open of a root 0644 file")
            }
            let kept = try await c.attrs(try await c.lookup("private", in: dir))
            try c.check(kept.size == 3, "a refused truncating open changed the size to \(kept.size)")
        },
        ConformanceCheck("perm.stateless-io") { c in
            let dir = try await c.freshDirectory(mode: 0o777)
            let theirs = try await c.file("theirs", in: dir, data: [9], mode: 0o644)
            let secret = try await c.file("secret", in: dir, data: [9], mode: 0o600)
            try await c.asAlice {
                try c.expect(await c.client.write(theirs, offset: 0, [1]), .acces, what: "write to a root 0644 file")
                try c.ok(await c.client.read(theirs, offset: 0, length: 1), "read of a 0644 file")
                try c.expect(await c.client.read(secret, offset: 0, length: 1), .acces, what: "read of a root 0600 file")
                // The creator of a read-only file may still fill it (knfsd's rule for stateless I/O).
                let mine = try c.ok(
                    await c.client.openAt(
                        dir, c.name("mine"), flags: VFS.create | VFS.noOpen, attrs: ConformanceClient.mode(0o444)),
                    "create 0444")
                try c.ok(await c.client.write(mine.handle, offset: 0, [5]), "owner's write to its 0444 file")
            }
        },
        ConformanceCheck("perm.mode-classes") { c in
            let dir = try await c.freshDirectory(mode: 0o777)
            let ownerless = try await c.file("o", in: dir, data: [1], mode: 0o077)
            try c.ok(await c.client.setattr(ownerless, ConformanceChecks.owner(1000, 1000)), "chown to alice")
            let group = try await c.file("g", in: dir, data: [1], mode: 0o640)
            try c.ok(await c.client.setattr(group, ConformanceChecks.owner(0, 3000)), "chgrp to 3000")
            try await c.asAlice {
                // Only the owner's bits apply to the owner, however generous the others are.
                try c.expect(await c.client.open(ownerless, flags: VFS.read), .acces, what: "owner opens its 0077 file")
                let opened = try c.ok(await c.client.open(group, flags: VFS.read), "read through a supplementary group")
                _ = await c.client.close(group, openHandle: opened.openHandle)
                try c.expect(await c.client.open(group, flags: VFS.write), .acces, what: "write through a 0640 group")
                let granted = try c.ok(await c.client.access(group, 7), "access")
                try c.check(granted.length == 4, "ACCESS granted \(granted.length) on 0640 via group, expected r (4)")
            }
        },
        ConformanceCheck("perm.remove-and-sticky") { c in
            let closed = try await c.freshDirectory(mode: 0o755)
            try await c.file("f", in: closed)
            try await c.asAlice {
                try c.expect(await c.client.remove(closed, c.name("f")), .acces, what: "remove in a root 0755 directory")
            }
            let sticky = try await c.freshDirectory(mode: 0o1777)
            let bobs = try await c.file("bobs", in: sticky)
            try c.ok(await c.client.setattr(bobs, ConformanceChecks.owner(2000, 2000)), "chown to bob")
            try await c.asAlice {
                try c.expect(await c.client.remove(sticky, c.name("bobs")), .perm, what: "remove of bob's file in 1777")
                try c.expect(
                    await c.client.rename(sticky, c.name("bobs"), to: sticky, c.name("mine")), .perm,
                    what: "rename of bob's file in 1777")
                try c.ok(await c.client.openAt(sticky, c.name("own"), flags: VFS.create | VFS.noOpen), "create in 1777")
                try c.ok(await c.client.remove(sticky, c.name("own")), "remove of one's own file in 1777")
            }
        },
        ConformanceCheck("perm.rename-moves-directory") { c in
            let from = try await c.freshDirectory(mode: 0o777)
            let to = try await c.freshDirectory(mode: 0o777)
            let moved = try await c.mkdir("d", in: from)
            try c.ok(await c.client.setattr(moved, ConformanceChecks.owner(2000, 2000)), "chown to bob")
            try await c.asAlice {
                try c.expect(
                    await c.client.rename(from, c.name("d"), to: to, c.name("d")), .acces,
                    what: "moving bob's 0755 directory to another parent")
                try c.ok(await c.client.rename(from, c.name("d"), to: from, c.name("e")), "rename in place")
            }
        },
        ConformanceCheck("perm.ownership") { c in
            let dir = try await c.freshDirectory(mode: 0o777)
            let bobs = try await c.file("bobs", in: dir, mode: 0o666)
            try c.ok(await c.client.setattr(bobs, ConformanceChecks.owner(2000, 2000)), "chown to bob")
            let mine = try await c.asAlice {
                try c.ok(await c.client.openAt(dir, c.name("mine"), flags: VFS.create | VFS.noOpen), "create").handle
            }
            try await c.asAlice {
                try c.expect(await c.client.setattr(bobs, ConformanceClient.mode(0o777)), .perm, what: "chmod of bob's file")
                try c.ok(await c.client.setattr(mine, ConformanceClient.mode(0o600)), "chmod of one's own file")
                try c.expect(await c.client.setattr(mine, ConformanceChecks.owner(2000, nil)), .perm, what: "chown to bob")
                try c.expect(await c.client.setattr(mine, ConformanceChecks.owner(nil, 4000)), .perm, what: "chgrp to a foreign group")
                try c.ok(await c.client.setattr(mine, ConformanceChecks.owner(nil, 3000)), "chgrp to a supplementary group")
                var times = chimera_attrs()
                times.valid_mask = CHIMERA_ATTR_MTIME
                times.mtime = chimera_timespec(sec: 1_000_000, nsec: 0, reserved: 0)
                try c.expect(await c.client.setattr(bobs, times), .perm, what: "explicit mtime on bob's file")
                times.valid_mask = CHIMERA_ATTR_MTIME | CHIMERA_ATTR_MTIME_NOW
                try c.ok(await c.client.setattr(bobs, times), "mtime to now on a file one may write")
                var size = chimera_attrs()
                size.valid_mask = CHIMERA_ATTR_SIZE
                try c.ok(await c.client.setattr(bobs, size), "truncate of a 0666 file")
            }
            try c.ok(await c.client.setattr(bobs, ConformanceClient.mode(0o644)), "chmod 644 as root")
            try await c.asAlice {
                var size = chimera_attrs()
                size.valid_mask = CHIMERA_ATTR_SIZE
                try c.expect(await c.client.setattr(bobs, size), .acces, what: "truncate of bob's 0644 file")
                var times = chimera_attrs()
                times.valid_mask = CHIMERA_ATTR_MTIME | CHIMERA_ATTR_MTIME_NOW
                try c.expect(await c.client.setattr(bobs, times), .acces, what: "mtime to now on bob's 0644 file")
            }
        },
        ConformanceCheck("perm.setgid") { c in
            let dir = try await c.freshDirectory(mode: 0o2777)
            try c.ok(await c.client.setattr(dir, ConformanceChecks.owner(nil, 4000)), "chgrp 4000")
            try c.ok(await c.client.setattr(dir, ConformanceClient.mode(0o2777)), "chmod 2777")
            try await c.asAlice {
                let file = try c.ok(await c.client.openAt(dir, c.name("f"), flags: VFS.create | VFS.noOpen), "create")
                try c.check(file.attrs.gid == 4000, "file in a setgid directory has gid \(file.attrs.gid), not 4000")
                let sub = try c.ok(await c.client.mkdir(dir, c.name("d")), "mkdir")
                try c.check(sub.attrs.gid == 4000, "subdirectory gid \(sub.attrs.gid), not 4000")
                try c.check(sub.attrs.mode & 0o2000 != 0, "subdirectory of a setgid directory lost S_ISGID")
                // Alice is not in group 4000: her chmod cannot keep S_ISGID.
                try c.ok(await c.client.setattr(file.handle, ConformanceClient.mode(0o2755)), "chmod 2755")
            }
            let after = try await c.attrs(try await c.lookup("f", in: dir))
            try c.check(after.mode & 0o2000 == 0, "chmod by a non-member kept S_ISGID")
        },
        ConformanceCheck("perm.set-id-cleared") { c in
            let dir = try await c.freshDirectory(mode: 0o777)
            let file = try await c.file("f", in: dir, data: [1], mode: 0o777)
            try c.ok(await c.client.setattr(file, ConformanceChecks.owner(2000, 2000)), "chown to bob")
            try c.ok(await c.client.setattr(file, ConformanceClient.mode(0o6777)), "chmod 6777")
            try await c.asAlice {
                try c.ok(await c.client.write(file, offset: 0, [2]), "write to a 6777 file")
            }
            let written = try await c.attrs(file)
            try c.check(written.mode & 0o6000 == 0, "a write by alice left mode \(String(written.permissions, radix: 8))")
            try c.ok(await c.client.setattr(file, ConformanceClient.mode(0o6755)), "chmod 6755")
            try c.ok(await c.client.setattr(file, ConformanceChecks.owner(3000, nil)), "chown as root")
            let chowned = try await c.attrs(file)
            try c.check(
                chowned.permissions == 0o755, "chown left mode \(String(chowned.permissions, radix: 8)), expected 755")
        },
        ConformanceCheck("perm.hardlinks", requires: VFS.hardlinks) { c in
            let dir = try await c.freshDirectory(mode: 0o777)
            let secret = try await c.file("secret", in: dir, mode: 0o600)
            try c.ok(await c.client.setattr(secret, ConformanceChecks.owner(2000, 2000)), "chown to bob")
            let open = try await c.file("open", in: dir, mode: 0o666)
            try c.ok(await c.client.setattr(open, ConformanceChecks.owner(2000, 2000)), "chown to bob")
            try await c.asAlice {
                try c.expect(
                    await c.client.link(secret, into: dir, c.name("l1")), .perm, what: "link to bob's 0600 file")
                try c.ok(await c.client.link(open, into: dir, c.name("l2")), "link to bob's 0666 file")
            }
        },
        ConformanceCheck("perm.devices") { c in
            let dir = try await c.freshDirectory(mode: 0o777)
            try await c.asAlice {
                try c.expect(
                    await c.client.mknod(dir, c.name("dev"), mode: VFS.typeCharacter | 0o600, rdev: 1 << 32 | 3),
                    .perm, what: "mknod of a character device by alice")
            }
        },
        ConformanceCheck("perm.xattrs", requires: VFS.xattrs) { c in
            let dir = try await c.freshDirectory(mode: 0o777)
            let file = try await c.file("f", in: dir, mode: 0o644)
            try await c.asAlice {
                try c.expect(
                    await c.client.setxattr(file, c.name("user.k"), [1]), .acces, what: "setxattr on a root 0644 file")
            }
        },
    ]

    /// Attributes that set the owner and/or the group.
    static func owner(_ uid: UInt32?, _ gid: UInt32?) -> chimera_attrs {
        var attrs = chimera_attrs()
        if let uid {
            attrs.uid = uid
            attrs.valid_mask |= CHIMERA_ATTR_UID
        }
        if let gid {
            attrs.gid = gid
            attrs.valid_mask |= CHIMERA_ATTR_GID
        }
        return attrs
    }
}

extension ConformanceContext {
    /// A fresh directory under the check's own, made as uid 0 with `mode`.
    func freshDirectory(mode: UInt32) async throws -> [UInt8] {
        let handle = try await mkdir("p\(String(mode, radix: 8))-\(UInt32.random(in: 0...UInt32.max))")
        try ok(await client.setattr(handle, ConformanceClient.mode(mode)), "chmod \(String(mode, radix: 8))")
        return handle
    }

    /// Run `body` as alice (1000:1000, also in group 3000), then as uid 0 again.
    @discardableResult
    func asAlice<R>(_ body: () async throws -> R) async throws -> R {
        client.uid = 1000
        client.gid = 1000
        client.groups = [3000]
        defer {
            client.uid = 0
            client.gid = 0
            client.groups = []
        }
        return try await body()
    }
}
