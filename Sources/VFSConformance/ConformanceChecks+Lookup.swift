import CChimera

extension ConformanceChecks {
    static let lookups: [ConformanceCheck] = [
        ConformanceCheck("lookup.found") { c in
            let created = try await c.file("f", data: [1, 2, 3])
            let found = try c.ok(await c.client.lookup(c.directory, c.name("f")), "lookup")
            try c.check(found.attrs.has(CHIMERA_ATTR_MODE | CHIMERA_ATTR_FILEID), "lookup returned no attributes")
            try c.check(found.attrs.type == VFS.typeRegular, "lookup attributes are not a regular file's")
            let attrs = try await c.attrs(created)
            try c.check(
                found.attrs.fileid == attrs.fileid,
                "lookup fileid \(found.attrs.fileid), created \(attrs.fileid)"
            )
        },
        ConformanceCheck("lookup.noent") { c in
            try c.expect(await c.client.lookup(c.directory, c.name("absent")), .noent, what: "lookup of an absent name")
        },
        ConformanceCheck("lookup.notdir") { c in
            let file = try await c.file("f")
            try c.expect(await c.client.lookup(file, c.name("x")), .notdir, what: "lookup in a regular file")
        },
        ConformanceCheck("lookup.nametoolong") { c in
            let name = [UInt8](repeating: 0x61, count: 256)
            try c.expect(await c.client.lookup(c.directory, name), .nametoolong, what: "lookup of a 256-byte name")
        },
        ConformanceCheck("lookup.name-255-bytes") { c in
            let name = String(repeating: "n", count: 255)
            try await c.file(name)
            _ = try await c.lookup(name)
        },
        ConformanceCheck("lookup.utf8-name") { c in
            let name = "h\u{e9}llo-\u{fc}ber-\u{1F600}"
            try await c.file(name)
            _ = try await c.lookup(name)
            let entries = try await c.list(c.directory)
            try c.check(
                entries.map(\.name) == [c.name(name)],
                "readdir shows \(entries.map(\.text)), expected [\(name)]"
            )
        },
        ConformanceCheck("lookup_parent.subdirectory") { c in
            let sub = try await c.mkdir("sub")
            let parent = try c.ok(await c.client.lookupParent(sub), "lookup_parent")
            let expected = try await c.attrs(c.directory)
            let got = try await c.attrs(parent.handle)
            try c.check(got.fileid == expected.fileid, "parent fileid \(got.fileid), expected \(expected.fileid)")
        },
        ConformanceCheck("lookup_parent.notdir") { c in
            let file = try await c.file("f")
            try c.expect(await c.client.lookupParent(file), .notdir, what: "lookup_parent of a regular file")
        },
    ]
}
