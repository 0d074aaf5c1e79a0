import CChimera

extension ConformanceChecks {
    static let creates: [ConformanceCheck] = [
        ConformanceCheck("open_at.create") { c in
            let reply = try c.ok(
                await c.client.openAt(
                    c.directory,
                    c.name("f"),
                    flags: VFS.create | VFS.read | VFS.write,
                    attrs: ConformanceClient.mode(0o640)
                ),
                "open_at create"
            )
            try c.check(reply.created, "r_created is 0 for a new file")
            try c.check(reply.attrs.type == VFS.typeRegular, "created object is not a regular file")
            try c.check(reply.attrs.permissions == 0o640, "permissions \(String(reply.attrs.permissions, radix: 8))")
            try c.check(reply.attrs.size == 0, "new file size \(reply.attrs.size)")
            try c.ok(await c.client.close(reply.handle, openHandle: reply.openHandle), "close")
            _ = try await c.lookup("f")
        },
        ConformanceCheck("open_at.open-existing") { c in
            let created = try await c.file("f", data: [9, 9, 9])
            let reply = try c.ok(await c.client.openAt(c.directory, c.name("f"), flags: VFS.read), "open_at existing")
            try c.check(!reply.created, "r_created is 1 for an existing file")
            let a = try await c.attrs(created)
            try c.check(reply.attrs.fileid == a.fileid, "opened another object")
            try c.ok(await c.client.close(reply.handle, openHandle: reply.openHandle), "close")
        },
        ConformanceCheck("open_at.create-existing") { c in
            try await c.file("f", data: [1, 2, 3, 4])
            let reply = try c.ok(
                await c.client.openAt(c.directory, c.name("f"), flags: VFS.create | VFS.noOpen),
                "open_at CREATE of an existing file"
            )
            try c.check(!reply.created, "r_created is 1 for an existing file")
            try c.check(reply.attrs.size == 4, "size \(reply.attrs.size): CREATE without TRUNCATE changed the file")
        },
        ConformanceCheck("open_at.exclusive-exists") { c in
            try await c.file("f")
            try c.expect(
                await c.client.openAt(c.directory, c.name("f"), flags: VFS.create | VFS.exclusive | VFS.noOpen),
                .exist,
                what: "exclusive create of an existing name"
            )
        },
        ConformanceCheck("open_at.noent") { c in
            try c.expect(
                await c.client.openAt(c.directory, c.name("absent"), flags: VFS.read),
                .noent,
                what: "open_at of an absent name without CREATE"
            )
        },
        ConformanceCheck("open_at.truncate") { c in
            let handle = try await c.file("f", data: ConformanceContext.pattern(5000, seed: 2))
            let reply = try c.ok(
                await c.client.openAt(c.directory, c.name("f"), flags: VFS.write | VFS.truncate),
                "open_at TRUNCATE"
            )
            try c.ok(await c.client.close(reply.handle, openHandle: reply.openHandle), "close")
            let attrs = try await c.attrs(handle)
            try c.check(attrs.size == 0, "size \(attrs.size) after TRUNCATE")
        },
        ConformanceCheck("open_at.verifier-retry") { c in
            let flags = VFS.create | VFS.exclusive | VFS.verifier | VFS.noOpen
            let first = try c.ok(
                await c.client.openAt(c.directory, c.name("f"), flags: flags, verifier: 0x1122_3344_5566_7788),
                "exclusive create with a verifier"
            )
            try c.check(first.created, "r_created is 0 for a new file")
            let retry = try c.ok(
                await c.client.openAt(c.directory, c.name("f"), flags: flags, verifier: 0x1122_3344_5566_7788),
                "retry with the same verifier"
            )
            try c.check(retry.attrs.fileid == first.attrs.fileid, "retry named another object")
        },
        ConformanceCheck("open_at.verifier-mismatch") { c in
            let flags = VFS.create | VFS.exclusive | VFS.verifier | VFS.noOpen
            try c.ok(await c.client.openAt(c.directory, c.name("f"), flags: flags, verifier: 1), "exclusive create")
            try c.expect(
                await c.client.openAt(c.directory, c.name("f"), flags: flags, verifier: 2),
                .exist,
                what: "exclusive create with another verifier"
            )
        },
        ConformanceCheck("open_at.directory-flag-on-file") { c in
            try await c.file("f")
            try c.expect(
                await c.client.openAt(c.directory, c.name("f"), flags: VFS.read | VFS.directory),
                .notdir,
                what: "open_at DIRECTORY of a regular file"
            )
        },
        ConformanceCheck("open_at.in-file") { c in
            let file = try await c.file("f")
            try c.expect(
                await c.client.openAt(file, c.name("x"), flags: VFS.create | VFS.noOpen),
                .notdir,
                what: "open_at inside a regular file"
            )
        },
        ConformanceCheck("open_at.nametoolong") { c in
            try c.expect(
                await c.client.openAt(
                    c.directory,
                    [UInt8](repeating: 0x62, count: 256),
                    flags: VFS.create | VFS.noOpen
                ),
                .nametoolong,
                what: "create of a 256-byte name"
            )
        },
        ConformanceCheck("open_at.slash-in-name") { c in
            try c.expect(
                await c.client.openAt(c.directory, c.name("a/b"), flags: VFS.create | VFS.noOpen),
                .inval,
                what: "create of a name with '/'"
            )
        },
        ConformanceCheck("open_at.owner-from-credential") { c in
            // Anyone may create here (the core checks permissions).
            try c.ok(await c.client.setattr(c.directory, ConformanceClient.mode(0o777)), "chmod 777")
            c.client.uid = 1234
            c.client.gid = 5678
            let reply = try c.ok(
                await c.client.openAt(c.directory, c.name("f"), flags: VFS.create | VFS.noOpen),
                "create as 1234:5678"
            )
            c.client.uid = 0
            c.client.gid = 0
            let attrs = try await c.attrs(reply.handle)
            try c.check(attrs.uid == 1234 && attrs.gid == 5678, "owner \(attrs.uid):\(attrs.gid), expected 1234:5678")
        },
        ConformanceCheck("open_at.owner-from-attributes") { c in
            var attrs = ConformanceClient.mode(0o600)
            attrs.uid = 4321
            attrs.gid = 8765
            attrs.valid_mask |= CHIMERA_ATTR_UID | CHIMERA_ATTR_GID
            let reply = try c.ok(
                await c.client.openAt(c.directory, c.name("f"), flags: VFS.create | VFS.noOpen, attrs: attrs),
                "create with uid/gid"
            )
            let got = try await c.attrs(reply.handle)
            try c.check(got.uid == 4321 && got.gid == 8765, "owner \(got.uid):\(got.gid), expected 4321:8765")
        },
        ConformanceCheck("open.file") { c in
            let handle = try await c.file("f", data: [7])
            let reply = try c.ok(await c.client.open(handle, flags: VFS.read | VFS.write), "open")
            try c.ok(await c.client.close(handle, openHandle: reply.openHandle), "close")
        },
        ConformanceCheck("open.directory-for-write") { c in
            let sub = try await c.mkdir("d")
            try c.expect(await c.client.open(sub, flags: VFS.write), .isdir, what: "open of a directory for writing")
        },
        ConformanceCheck("mkdir.basic") { c in
            let before = try await c.attrs(c.directory)
            let reply = try c.ok(await c.client.mkdir(c.directory, c.name("d"), mode: 0o750), "mkdir")
            try c.check(reply.attrs.type == VFS.typeDirectory, "mkdir made mode \(String(reply.attrs.mode, radix: 8))")
            try c.check(reply.attrs.permissions == 0o750, "permissions \(String(reply.attrs.permissions, radix: 8))")
            try c.check(reply.attrs.nlink == 2, "new directory nlink \(reply.attrs.nlink), expected 2")
            let after = try await c.attrs(c.directory)
            try c.check(after.nlink == before.nlink + 1, "parent nlink \(before.nlink) -> \(after.nlink)")
        },
        ConformanceCheck("mkdir.exists") { c in
            try await c.mkdir("d")
            try await c.file("f")
            try c.expect(await c.client.mkdir(c.directory, c.name("d")), .exist, what: "mkdir of an existing directory")
            try c.expect(await c.client.mkdir(c.directory, c.name("f")), .exist, what: "mkdir over a file")
        },
        ConformanceCheck("mkdir.in-file") { c in
            let file = try await c.file("f")
            try c.expect(await c.client.mkdir(file, c.name("d")), .notdir, what: "mkdir inside a regular file")
        },
        ConformanceCheck("mkdir.nametoolong") { c in
            try c.expect(
                await c.client.mkdir(c.directory, [UInt8](repeating: 0x63, count: 256)),
                .nametoolong,
                what: "mkdir of a 256-byte name"
            )
        },
        ConformanceCheck("mknod.fifo") { c in
            let reply = await c.client.mknod(c.directory, c.name("p"), mode: VFS.typeFIFO | 0o644)
            try c.skipIfUnsupported(reply, "mknod")
            try c.ok(reply, "mknod fifo")
            let attrs = try await c.attrs(try await c.lookup("p"))
            try c.check(attrs.type == VFS.typeFIFO, "mode \(String(attrs.mode, radix: 8)) is not a FIFO")
        },
        ConformanceCheck("mknod.character-device") { c in
            let rdev: UInt64 = (1 << 32) | 3
            let reply = await c.client.mknod(c.directory, c.name("null"), mode: VFS.typeCharacter | 0o666, rdev: rdev)
            try c.skipIfUnsupported(reply, "mknod")
            if reply.status == .perm || reply.status == .acces {
                throw ConformanceSkip(reason: "module may not create devices (\(reply.status))")
            }
            try c.ok(reply, "mknod character device")
            let attrs = try await c.attrs(try await c.lookup("null"))
            try c.check(
                attrs.type == VFS.typeCharacter,
                "mode \(String(attrs.mode, radix: 8)) is not a character device"
            )
            try c.check(attrs.rdev == rdev, "rdev 0x\(String(attrs.rdev, radix: 16)), expected 0x100000003")
        },
        ConformanceCheck("symlink.round-trip", requires: VFS.symlinks) { c in
            let target = "../some/where/else"
            let reply = try c.ok(await c.client.symlink(c.directory, c.name("l"), target: c.name(target)), "symlink")
            try c.check(reply.attrs.type == VFS.typeSymlink, "symlink made mode \(String(reply.attrs.mode, radix: 8))")
            let link = try await c.lookup("l")
            let read = try c.ok(await c.client.readlink(link), "readlink")
            try c.check(read.data == c.name(target), "readlink gave \(String(decoding: read.data, as: UTF8.self))")
            let attrs = try await c.attrs(link)
            try c.check(attrs.size == UInt64(target.utf8.count), "symlink size \(attrs.size)")
        },
        ConformanceCheck("symlink.exists", requires: VFS.symlinks) { c in
            try await c.file("f")
            try c.expect(
                await c.client.symlink(c.directory, c.name("f"), target: c.name("x")),
                .exist,
                what: "symlink over an existing name"
            )
        },
        ConformanceCheck("readlink.not-symlink") { c in
            let file = try await c.file("f")
            try c.expect(await c.client.readlink(file), .inval, what: "readlink of a regular file")
        },
    ]
}
