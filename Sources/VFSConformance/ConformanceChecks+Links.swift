import CChimera

extension ConformanceChecks {
    static let links: [ConformanceCheck] = [
        ConformanceCheck("link.nlink", requires: VFS.hardlinks) { c in
            let data = ConformanceContext.pattern(300, seed: 3)
            let file = try await c.file("a", data: data)
            let linked = try c.ok(await c.client.link(file, into: c.directory, c.name("b")), "link")
            if linked.attrs.has(CHIMERA_ATTR_NLINK) {
                try c.check(linked.attrs.nlink == 2, "link returned nlink \(linked.attrs.nlink), expected 2")
            }
            let b = try await c.lookup("b")
            var attrs = try await c.attrs(b)
            try c.check(attrs.nlink == 2, "nlink \(attrs.nlink) after link, expected 2")
            try c.check(attrs.fileid == (try await c.attrs(file)).fileid, "the new name is another object")
            try c.ok(await c.client.remove(c.directory, c.name("a")), "remove the first name")
            attrs = try await c.attrs(b)
            try c.check(attrs.nlink == 1, "nlink \(attrs.nlink) after removing one name, expected 1")
            try c.check(try await c.read(b, length: 300) == data, "data lost with the first name")
        },
        ConformanceCheck("link.across-directories", requires: VFS.hardlinks) { c in
            let file = try await c.file("a")
            let sub = try await c.mkdir("sub")
            try c.ok(await c.client.link(file, into: sub, c.name("b")), "link into a subdirectory")
            let attrs = try await c.attrs(try await c.lookup("b", in: sub))
            try c.check(attrs.nlink == 2, "nlink \(attrs.nlink), expected 2")
            let dir = try await c.attrs(sub)
            try c.check(dir.nlink == 2, "a hard link changed the directory's nlink to \(dir.nlink)")
        },
        ConformanceCheck("link.exists", requires: VFS.hardlinks) { c in
            let file = try await c.file("a")
            try await c.file("b")
            try c.expect(await c.client.link(file, into: c.directory, c.name("b")), .exist, what: "link over a name")
        },
        ConformanceCheck("link.directory-refused", requires: VFS.hardlinks) { c in
            let sub = try await c.mkdir("d")
            try c.expect(
                await c.client.link(sub, into: c.directory, c.name("e")),
                .perm,
                .isdir,
                .inval,
                what: "hard link of a directory"
            )
        },
        ConformanceCheck("link.into-file", requires: VFS.hardlinks) { c in
            let file = try await c.file("a")
            let other = try await c.file("b")
            try c.expect(await c.client.link(file, into: other, c.name("x")), .notdir, what: "link into a regular file")
        },
        ConformanceCheck("link.ctime", requires: VFS.hardlinks) { c in
            let file = try await c.file("a")
            let before = try await c.attrs(file)
            await c.tick()
            try c.ok(await c.client.link(file, into: c.directory, c.name("b")), "link")
            let after = try await c.attrs(file)
            try c.check(after.ctime.isAfter(before.ctime), "ctime \(before.ctime.text) -> \(after.ctime.text) on link")
        },
    ]

    static let renames: [ConformanceCheck] = [
        ConformanceCheck("rename.file") { c in
            let data = ConformanceContext.pattern(1000, seed: 4)
            let file = try await c.file("a", data: data)
            let before = try await c.attrs(file)
            try c.ok(await c.client.rename(c.directory, c.name("a"), to: c.directory, c.name("b")), "rename")
            try c.expect(await c.client.lookup(c.directory, c.name("a")), .noent, what: "lookup of the old name")
            let moved = try await c.lookup("b")
            let after = try await c.attrs(moved)
            try c.check(after.fileid == before.fileid, "renamed object has another fileid")
            try c.check(try await c.read(moved, length: 1000) == data, "data changed by rename")
            _ = try await c.attrs(file, "getattr through the handle from before the rename")
        },
        ConformanceCheck("rename.across-directories") { c in
            try await c.file("a", data: [1])
            let sub = try await c.mkdir("sub")
            try c.ok(
                await c.client.rename(c.directory, c.name("a"), to: sub, c.name("b")),
                "rename into a subdirectory"
            )
            _ = try await c.lookup("b", in: sub)
            try c.expect(await c.client.lookup(c.directory, c.name("a")), .noent, what: "lookup of the old name")
        },
        ConformanceCheck("rename.over-file") { c in
            try await c.file("a", data: [1, 1, 1])
            let victim = try await c.file("b", data: [2, 2, 2, 2])
            try c.ok(
                await c.client.rename(c.directory, c.name("a"), to: c.directory, c.name("b")),
                "rename over a file"
            )
            let b = try await c.lookup("b")
            try c.check(try await c.read(b, length: 10) == [1, 1, 1], "target does not hold the source's data")
            try c.expect(await c.client.getattr(victim), .stale, what: "getattr of the replaced file")
            let entries = try await c.list(c.directory)
            try c.check(entries.map(\.text) == ["b"], "directory lists \(entries.map(\.text)), expected [b]")
        },
        ConformanceCheck("rename.over-hardlinked-file", requires: VFS.hardlinks) { c in
            try await c.file("a")
            let victim = try await c.file("b")
            try c.ok(await c.client.link(victim, into: c.directory, c.name("c")), "link")
            try c.ok(await c.client.rename(c.directory, c.name("a"), to: c.directory, c.name("b")), "rename over b")
            let attrs = try await c.attrs(try await c.lookup("c"))
            try c.check(attrs.nlink == 1, "the other name's nlink is \(attrs.nlink), expected 1")
        },
        ConformanceCheck("rename.over-empty-directory") { c in
            let moving = try await c.mkdir("a")
            try await c.file("inside", in: moving)
            try await c.mkdir("b")
            let before = try await c.attrs(c.directory)
            try c.ok(
                await c.client.rename(c.directory, c.name("a"), to: c.directory, c.name("b")),
                "rename a directory over an empty one"
            )
            let b = try await c.lookup("b")
            _ = try await c.lookup("inside", in: b)
            let after = try await c.attrs(c.directory)
            try c.check(after.nlink == before.nlink - 1, "parent nlink \(before.nlink) -> \(after.nlink), expected -1")
        },
        ConformanceCheck("rename.over-non-empty-directory") { c in
            try await c.mkdir("a")
            let b = try await c.mkdir("b")
            try await c.file("f", in: b)
            try c.expect(
                await c.client.rename(c.directory, c.name("a"), to: c.directory, c.name("b")),
                .notempty,
                .exist,
                what: "rename over a non-empty directory"
            )
            _ = try await c.lookup("a")
        },
        ConformanceCheck("rename.directory-over-file") { c in
            try await c.mkdir("a")
            try await c.file("b")
            try c.expect(
                await c.client.rename(c.directory, c.name("a"), to: c.directory, c.name("b")),
                .notdir,
                what: "rename a directory over a file"
            )
        },
        ConformanceCheck("rename.file-over-directory") { c in
            try await c.file("a")
            try await c.mkdir("b")
            try c.expect(
                await c.client.rename(c.directory, c.name("a"), to: c.directory, c.name("b")),
                .isdir,
                what: "rename a file over a directory"
            )
        },
        ConformanceCheck("rename.into-own-subtree") { c in
            let a = try await c.mkdir("a")
            let b = try await c.mkdir("b", in: a)
            let deep = try await c.mkdir("c", in: b)
            try c.expect(
                await c.client.rename(c.directory, c.name("a"), to: deep, c.name("x")),
                .inval,
                what: "rename a directory into its own subtree"
            )
            try c.expect(
                await c.client.rename(c.directory, c.name("a"), to: a, c.name("x")),
                .inval,
                what: "rename a directory into itself"
            )
            _ = try await c.lookup("a")
        },
        ConformanceCheck("rename.onto-itself") { c in
            try await c.file("a", data: [5])
            try c.ok(await c.client.rename(c.directory, c.name("a"), to: c.directory, c.name("a")), "rename a to a")
            let a = try await c.lookup("a")
            try c.check(try await c.read(a, length: 1) == [5], "rename onto itself changed the file")
        },
        ConformanceCheck("rename.between-hard-links", requires: VFS.hardlinks) { c in
            let file = try await c.file("a")
            try c.ok(await c.client.link(file, into: c.directory, c.name("b")), "link")
            try c.ok(
                await c.client.rename(c.directory, c.name("a"), to: c.directory, c.name("b")),
                "rename between two names of one file"
            )
            _ = try await c.lookup("a")
            _ = try await c.lookup("b")
            let attrs = try await c.attrs(file)
            try c.check(attrs.nlink == 2, "nlink \(attrs.nlink), expected 2 (rename(2): nothing happens)")
        },
        ConformanceCheck("rename.noreplace") { c in
            try await c.file("a", data: [1])
            try await c.file("b", data: [2])
            try c.expect(
                await c.client.rename(c.directory, c.name("a"), to: c.directory, c.name("b"), flags: VFS.noReplace),
                .exist,
                what: "rename NOREPLACE over an existing name"
            )
            try c.check(try await c.read(try await c.lookup("b"), length: 1) == [2], "NOREPLACE replaced the target")
        },
        ConformanceCheck("rename.noent") { c in
            try c.expect(
                await c.client.rename(c.directory, c.name("absent"), to: c.directory, c.name("b")),
                .noent,
                what: "rename of an absent name"
            )
        },
        ConformanceCheck("rename.directory-parents") { c in
            let from = try await c.mkdir("from")
            let to = try await c.mkdir("to")
            try await c.mkdir("moving", in: from)
            try c.ok(await c.client.rename(from, c.name("moving"), to: to, c.name("moved")), "rename a directory")
            let fromAttrs = try await c.attrs(from)
            let toAttrs = try await c.attrs(to)
            try c.check(fromAttrs.nlink == 2, "old parent nlink \(fromAttrs.nlink), expected 2")
            try c.check(toAttrs.nlink == 3, "new parent nlink \(toAttrs.nlink), expected 3")
            let moved = try await c.lookup("moved", in: to)
            let parent = try c.ok(await c.client.lookupParent(moved), "lookup_parent of the moved directory")
            try c.check(
                (try await c.attrs(parent.handle)).fileid == toAttrs.fileid,
                "moved directory's parent is stale"
            )
        },
    ]
}
