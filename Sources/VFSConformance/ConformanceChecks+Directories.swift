import CChimera

extension ConformanceChecks {
    static let directories: [ConformanceCheck] = [
        ConformanceCheck("directory.nlink") { c in
            let d = try await c.mkdir("d")
            for name in ["a", "b", "c"] { try await c.mkdir(name, in: d) }
            try await c.file("f", in: d)
            var attrs = try await c.attrs(d)
            try c.check(attrs.nlink == 5, "nlink \(attrs.nlink) with 3 subdirectories, expected 5")
            try c.ok(await c.client.remove(d, c.name("b"), flags: VFS.removeDirectory), "rmdir")
            attrs = try await c.attrs(d)
            try c.check(attrs.nlink == 4, "nlink \(attrs.nlink) after rmdir, expected 4")
        },
        ConformanceCheck("remove.file") { c in
            try await c.file("f")
            let reply = try c.ok(
                await c.client.remove(c.directory, c.name("f"), flags: VFS.removeNotDirectory),
                "unlink"
            )
            _ = reply
            try c.expect(await c.client.lookup(c.directory, c.name("f")), .noent, what: "lookup after remove")
        },
        ConformanceCheck("remove.noent") { c in
            try c.expect(await c.client.remove(c.directory, c.name("absent")), .noent, what: "remove of an absent name")
        },
        ConformanceCheck("remove.notempty") { c in
            let d = try await c.mkdir("d")
            try await c.file("f", in: d)
            try c.expect(
                await c.client.remove(c.directory, c.name("d"), flags: VFS.removeDirectory),
                .notempty,
                .exist,
                what: "rmdir of a non-empty directory"
            )
            _ = try await c.lookup("f", in: d)
        },
        ConformanceCheck("remove.dir-flag-on-file") { c in
            try await c.file("f")
            try c.expect(
                await c.client.remove(c.directory, c.name("f"), flags: VFS.removeDirectory),
                .notdir,
                what: "rmdir of a regular file"
            )
            _ = try await c.lookup("f")
        },
        ConformanceCheck("remove.not-dir-flag-on-directory") { c in
            try await c.mkdir("d")
            try c.expect(
                await c.client.remove(c.directory, c.name("d"), flags: VFS.removeNotDirectory),
                .isdir,
                .perm,
                what: "unlink of a directory"
            )
            _ = try await c.lookup("d")
        },
        ConformanceCheck("remove.empty-directory") { c in
            try await c.mkdir("d")
            let before = try await c.attrs(c.directory)
            try c.ok(await c.client.remove(c.directory, c.name("d"), flags: VFS.removeDirectory), "rmdir")
            let after = try await c.attrs(c.directory)
            try c.check(after.nlink == before.nlink - 1, "parent nlink \(before.nlink) -> \(after.nlink)")
            try c.expect(await c.client.lookup(c.directory, c.name("d")), .noent, what: "lookup after rmdir")
        },
        ConformanceCheck("remove.in-file") { c in
            let file = try await c.file("f")
            try c.expect(await c.client.remove(file, c.name("x")), .notdir, what: "remove inside a regular file")
        },
    ]

    static let readdirs: [ConformanceCheck] = [
        ConformanceCheck("readdir.empty") { c in
            let listing = await c.client.readdir(c.directory)
            try c.expect(listing.status, [.ok], what: "readdir")
            try c.check(listing.entries.isEmpty, "empty directory lists \(listing.entries.map(\.text))")
            try c.check(listing.eof, "empty directory listing without end of directory")
        },
        ConformanceCheck("readdir.every-entry-once") { c in
            let names = Set((0..<100).map { "entry-\($0)" })
            for name in names { try await c.file(name) }
            try await c.mkdir("sub")
            let entries = try await c.list(c.directory)
            try c.check(!entries.contains { $0.text == "." || $0.text == ".." }, "readdir emitted . or ..")
            try c.check(entries.count == 101, "\(entries.count) entries, expected 101")
            try c.check(Set(entries.map(\.text)) == names.union(["sub"]), "listed names differ from created names")
        },
        ConformanceCheck("readdir.attributes-and-handles") { c in
            let handle = try await c.file("f", data: [1, 2, 3, 4, 5])
            let expected = try await c.attrs(handle)
            let entries = try await c.list(c.directory)
            guard let entry = entries.first, entries.count == 1 else { throw c.fail("listed \(entries.count) entries") }
            guard let attrs = entry.attrs else { throw c.fail("entry without attributes though READDIR_ATTRS was set") }
            try c.check(attrs.fileid == expected.fileid, "entry fileid \(attrs.fileid), expected \(expected.fileid)")
            try c.check(attrs.size == 5, "entry size \(attrs.size)")
            try c.check(!entry.handle.isEmpty, "entry without a handle though READDIR_HANDLES was set")
            let viaHandle = try await c.attrs(entry.handle)
            try c.check(viaHandle.fileid == expected.fileid, "entry handle names another object")
        },
        ConformanceCheck("readdir.resume-from-cookie") { c in
            for i in 0..<50 { try await c.file("e\(i)") }
            let entries = try await c.list(c.directory, page: 7)
            try c.check(entries.count == 50, "\(entries.count) entries in pages of 7, expected 50")
            try c.check(Set(entries.map(\.text)).count == 50, "an entry repeated across pages")
        },
        ConformanceCheck("readdir.one-entry-a-call") { c in
            for i in 0..<10 { try await c.file("e\(i)") }
            let entries = try await c.list(c.directory, page: 1)
            try c.check(
                entries.count == 10 && Set(entries.map(\.text)).count == 10,
                "listing one at a time lost entries"
            )
        },
        ConformanceCheck("readdir.verifier-resume") { c in
            for i in 0..<20 { try await c.file("e\(i)") }
            let first = await c.client.readdir(c.directory, limit: 5)
            guard first.status == .ok, let last = first.entries.last else { throw c.fail("readdir: \(first.status)") }
            let next = await c.client.readdir(c.directory, cookie: last.cookie, verifier: first.verifier, limit: 5)
            try c.expect(next.status, [.ok], what: "readdir resumed with the returned verifier")
            try c.check(next.entries.count == 5, "resumed listing gave \(next.entries.count) entries")
        },
        ConformanceCheck("readdir.cookies-stable-across-changes") { c in
            let stable = (0..<200).map { "stable-\($0)" }
            for name in stable { try await c.file(name) }
            for i in 0..<50 { try await c.file("churn-\(i)") }
            var seen: [String: Int] = [:]
            var cookie: UInt64 = 0
            var verifier: UInt64 = 0
            var round = 0
            var done = false
            while !done && round < 1_000 {
                let page = await c.client.readdir(c.directory, cookie: cookie, verifier: verifier, limit: 20)
                try c.expect(page.status, [.ok], what: "readdir page \(round)")
                for entry in page.entries { seen[entry.text, default: 0] += 1 }
                done = page.eof
                if let last = page.entries.last { cookie = last.cookie } else if !done { throw c.fail("empty page") }
                verifier = page.verifier
                // Between pages: remove two churn names, add two new ones.
                for k in 0..<2 {
                    _ = await c.client.remove(c.directory, c.name("churn-\(round * 2 + k)"))
                    try await c.file("new-\(round)-\(k)")
                }
                round += 1
            }
            let missing = stable.filter { seen[$0] == nil }
            let repeated = seen.filter { $0.value > 1 }.map(\.key)
            try c.check(missing.isEmpty, "entries present throughout were skipped: \(missing.prefix(5))")
            try c.check(repeated.isEmpty, "entries listed twice: \(repeated.prefix(5))")
        },
        ConformanceCheck("readdir.ten-thousand-entries") { c in
            let count = 10_000
            for i in 0..<count {
                try c.ok(
                    await c.client.openAt(c.directory, c.name("file-\(i)"), flags: VFS.create | VFS.noOpen),
                    "create file-\(i)"
                )
            }
            let entries = try await c.list(c.directory, page: 1_000)
            try c.check(entries.count == count, "\(entries.count) entries, expected \(count)")
            try c.check(Set(entries.map(\.text)).count == count, "an entry was listed twice")
            // Resume from the cookie of the 5,000th entry.
            let tail = await c.client.readdir(c.directory, cookie: entries[4_999].cookie, limit: count)
            try c.expect(tail.status, [.ok], what: "readdir from a cookie mid-way")
            let expectedTail = Set(entries[5_000...].map(\.text))
            try c.check(
                tail.entries.count == count - 5_000 && Set(tail.entries.map(\.text)) == expectedTail,
                "listing resumed mid-way gave \(tail.entries.count) entries, expected \(count - 5_000)"
            )
            try c.check(tail.eof, "listing to the end without end of directory")
        },
        ConformanceCheck("readdir.notdir") { c in
            let file = try await c.file("f")
            let listing = await c.client.readdir(file)
            try c.expect(listing.status, [.notdir], what: "readdir of a regular file")
        },
    ]
}
