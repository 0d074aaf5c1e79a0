import CChimera

extension ConformanceChecks {
    static let handles: [ConformanceCheck] = [
        ConformanceCheck("getattr.root", readOnlySafe: true, needsDirectory: false) { c in
            let attrs = try await c.attrs(c.root)
            try c.check(attrs.type == VFS.typeDirectory, "root mode \(String(attrs.mode, radix: 8)) is not a directory")
            try c.check(
                attrs.has(VFS.attrStat),
                "root attributes lack part of STAT: valid 0x\(String(attrs.valid_mask, radix: 16))"
            )
            try c.check(attrs.nlink >= 2, "root nlink \(attrs.nlink), expected at least 2")
        },
        ConformanceCheck("getattr.file") { c in
            let handle = try await c.file("f", data: ConformanceContext.pattern(100, seed: 1), mode: 0o640)
            let attrs = try await c.attrs(handle)
            try c.check(attrs.has(VFS.attrStat), "valid 0x\(String(attrs.valid_mask, radix: 16)) lacks STAT bits")
            try c.check(attrs.type == VFS.typeRegular, "mode \(String(attrs.mode, radix: 8)) is not a regular file")
            try c.check(attrs.permissions == 0o640, "permissions \(String(attrs.permissions, radix: 8)), expected 640")
            try c.check(attrs.size == 100, "size \(attrs.size), expected 100")
            try c.check(attrs.nlink == 1, "nlink \(attrs.nlink), expected 1")
            try c.check(attrs.fileid != 0, "fileid 0")
        },
        ConformanceCheck("handle.stable") { c in
            let created = try await c.file("f")
            let first = try await c.lookup("f")
            let second = try await c.lookup("f")
            try c.check(first == second, "two lookups gave different handles")
            let a = try await c.attrs(created)
            let b = try await c.attrs(first)
            try c.check(a.fileid == b.fileid, "create and lookup handles name different objects")
        },
        ConformanceCheck("handle.fileid-unique") { c in
            let a = try await c.attrs(try await c.file("a"))
            let b = try await c.attrs(try await c.file("b"))
            let d = try await c.attrs(try await c.mkdir("d"))
            try c.check(Set([a.fileid, b.fileid, d.fileid]).count == 3, "two objects share a fileid")
        },
        ConformanceCheck("handle.badhandle-empty", readOnlySafe: true, needsDirectory: false) { c in
            let mount = Array(c.root.prefix(Int(CHIMERA_MOUNT_ID_LEN)))
            try c.expect(await c.client.getattr(mount), .badhandle, what: "getattr of an empty module handle")
        },
        ConformanceCheck("handle.badhandle-garbage", readOnlySafe: true, needsDirectory: false) { c in
            let mount = Array(c.root.prefix(Int(CHIMERA_MOUNT_ID_LEN)))
            try c.expect(
                await c.client.getattr(mount + [0xDE, 0xAD, 0xBE]),
                .badhandle,
                what: "getattr of a 3-byte garbage module handle"
            )
        },
        ConformanceCheck("handle.stale-file") { c in
            let handle = try await c.file("f")
            try c.ok(await c.client.remove(c.directory, c.name("f")), "remove")
            try c.expect(await c.client.getattr(handle), .stale, what: "getattr of a removed file")
        },
        ConformanceCheck("handle.stale-directory") { c in
            let handle = try await c.mkdir("d")
            try c.ok(await c.client.remove(c.directory, c.name("d"), flags: VFS.removeDirectory), "rmdir")
            try c.expect(await c.client.getattr(handle), .stale, what: "getattr of a removed directory")
            try c.expect(
                await c.client.lookup(handle, c.name("x")),
                .stale,
                .noent,
                what: "lookup in a removed directory"
            )
        },
    ]
}
