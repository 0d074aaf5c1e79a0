import CChimera
import Glibc

extension ConformanceChecks {
    static let attributes: [ConformanceCheck] = [
        ConformanceCheck("setattr.mode") { c in
            let file = try await c.file("f", mode: 0o644)
            try c.ok(await c.client.setattr(file, ConformanceClient.mode(0o600)), "chmod 600")
            let attrs = try await c.attrs(file)
            try c.check(attrs.permissions == 0o600, "permissions \(String(attrs.permissions, radix: 8)), expected 600")
            try c.check(attrs.type == VFS.typeRegular, "chmod changed the type")
        },
        ConformanceCheck("setattr.owner") { c in
            let file = try await c.file("f")
            var attrs = chimera_attrs()
            attrs.uid = 2001
            attrs.gid = 3001
            attrs.valid_mask = CHIMERA_ATTR_UID | CHIMERA_ATTR_GID
            try c.ok(await c.client.setattr(file, attrs), "chown 2001:3001")
            let got = try await c.attrs(file)
            try c.check(got.uid == 2001 && got.gid == 3001, "owner \(got.uid):\(got.gid)")
        },
        ConformanceCheck("setattr.times") { c in
            let file = try await c.file("f")
            var attrs = chimera_attrs()
            attrs.atime = chimera_timespec(sec: 1_000_000_000, nsec: 123_456_789, reserved: 0)
            attrs.mtime = chimera_timespec(sec: 1_100_000_000, nsec: 987_654_321, reserved: 0)
            attrs.valid_mask = CHIMERA_ATTR_ATIME | CHIMERA_ATTR_MTIME
            try c.ok(await c.client.setattr(file, attrs), "set atime and mtime")
            let got = try await c.attrs(file)
            try c.check(
                got.atime.nanoseconds == attrs.atime.nanoseconds,
                "atime \(got.atime.text), expected \(attrs.atime.text)"
            )
            try c.check(
                got.mtime.nanoseconds == attrs.mtime.nanoseconds,
                "mtime \(got.mtime.text), expected \(attrs.mtime.text)"
            )
        },
        ConformanceCheck("setattr.mtime-now") { c in
            let file = try await c.file("f")
            var attrs = chimera_attrs()
            attrs.mtime = chimera_timespec(sec: 1_000_000_000, nsec: 0, reserved: 0)
            attrs.valid_mask = CHIMERA_ATTR_MTIME
            try c.ok(await c.client.setattr(file, attrs), "set mtime in 2001")
            attrs.valid_mask = CHIMERA_ATTR_MTIME_NOW
            try c.ok(await c.client.setattr(file, attrs), "set mtime to now")
            let got = try await c.attrs(file)
            let now = Int64(time(nil))
            try c.check(abs(got.mtime.sec - now) < 60, "mtime \(got.mtime.sec) is not now (\(now))")
        },
        ConformanceCheck("setattr.guard-mismatch") { c in
            let file = try await c.file("f", mode: 0o644)
            let before = try await c.attrs(file)
            let stale = chimera_timespec(sec: before.ctime.sec - 10, nsec: before.ctime.nsec, reserved: 0)
            try c.expect(
                await c.client.setattr(file, ConformanceClient.mode(0o600), guard: stale),
                .notSync,
                what: "setattr with a guard that does not match"
            )
            let after = try await c.attrs(file)
            try c.check(after.permissions == 0o644, "a failed guard still changed the mode")
        },
        ConformanceCheck("setattr.guard-match") { c in
            let file = try await c.file("f", mode: 0o644)
            let before = try await c.attrs(file)
            try c.ok(await c.client.setattr(file, ConformanceClient.mode(0o600), guard: before.ctime), "guarded chmod")
            try c.check((try await c.attrs(file)).permissions == 0o600, "guarded chmod did not apply")
        },
        ConformanceCheck("setattr.pre-attributes") { c in
            let file = try await c.file("f", data: [1, 2, 3, 4, 5, 6])
            var attrs = chimera_attrs()
            attrs.size = 2
            attrs.valid_mask = CHIMERA_ATTR_SIZE
            let reply = try c.ok(await c.client.setattr(file, attrs), "truncate to 2")
            if reply.preAttrs.has(CHIMERA_ATTR_SIZE) {
                try c.check(reply.preAttrs.size == 6, "pre-op size \(reply.preAttrs.size), expected 6")
            }
            try c.check(reply.attrs.has(CHIMERA_ATTR_SIZE) && reply.attrs.size == 2, "post-op size \(reply.attrs.size)")
        },
        ConformanceCheck("directory.wcc") { c in
            let reply = try c.ok(await c.client.mkdir(c.directory, c.name("d")), "mkdir")
            guard reply.dirPre.has(CHIMERA_ATTR_MTIME), reply.dirPost.has(CHIMERA_ATTR_MTIME) else { return }
            try c.check(
                !reply.dirPre.mtime.isAfter(reply.dirPost.mtime),
                "directory mtime went back across mkdir"
            )
            if reply.dirPre.has(CHIMERA_ATTR_NLINK) && reply.dirPost.has(CHIMERA_ATTR_NLINK) {
                try c.check(reply.dirPost.nlink == reply.dirPre.nlink + 1, "directory nlink pre/post across mkdir")
            }
        },
    ]

    static let times: [ConformanceCheck] = [
        ConformanceCheck("times.write") { c in
            let file = try await c.file("f")
            let before = try await c.attrs(file)
            await c.tick()
            try c.ok(await c.client.write(file, offset: 0, [1, 2, 3]), "write")
            let after = try await c.attrs(file)
            try c.check(after.mtime.isAfter(before.mtime), "mtime \(before.mtime.text) -> \(after.mtime.text) on write")
            try c.check(after.ctime.isAfter(before.ctime), "ctime \(before.ctime.text) -> \(after.ctime.text) on write")
        },
        ConformanceCheck("times.chmod") { c in
            let file = try await c.file("f")
            let before = try await c.attrs(file)
            await c.tick()
            try c.ok(await c.client.setattr(file, ConformanceClient.mode(0o600)), "chmod")
            let after = try await c.attrs(file)
            try c.check(after.ctime.isAfter(before.ctime), "ctime \(before.ctime.text) -> \(after.ctime.text) on chmod")
            try c.check(after.mtime.nanoseconds == before.mtime.nanoseconds, "mtime moved on chmod")
        },
        ConformanceCheck("times.directory-on-create") { c in
            let before = try await c.attrs(c.directory)
            await c.tick()
            try await c.file("f")
            let after = try await c.attrs(c.directory)
            try c.check(after.mtime.isAfter(before.mtime), "directory mtime did not move on create")
            try c.check(after.ctime.isAfter(before.ctime), "directory ctime did not move on create")
        },
        ConformanceCheck("times.directory-on-remove") { c in
            try await c.file("f")
            let before = try await c.attrs(c.directory)
            await c.tick()
            try c.ok(await c.client.remove(c.directory, c.name("f")), "remove")
            let after = try await c.attrs(c.directory)
            try c.check(after.mtime.isAfter(before.mtime), "directory mtime did not move on remove")
        },
        ConformanceCheck("times.birth") { c in
            let file = try await c.file("f")
            let before = try await c.attrs(file)
            guard before.has(CHIMERA_ATTR_BTIME) else { throw ConformanceSkip(reason: "module does not report BTIME") }
            await c.tick()
            try c.ok(await c.client.write(file, offset: 0, [1]), "write")
            let after = try await c.attrs(file)
            try c.check(after.btime.nanoseconds == before.btime.nanoseconds, "btime moved on write")
            try c.check(!after.btime.isAfter(after.mtime), "btime after mtime")
        },
        ConformanceCheck("change.increases") { c in
            let file = try await c.file("f")
            var last = try await c.attrs(file)
            guard last.has(CHIMERA_ATTR_CHANGE) else { throw ConformanceSkip(reason: "module does not report CHANGE") }
            var steps: [(String, () async -> ConformanceReply)] = [
                ("write", { await c.client.write(file, offset: 0, [1]) }),
                ("write again", { await c.client.write(file, offset: 0, [2]) }),
                ("chmod", { await c.client.setattr(file, ConformanceClient.mode(0o600)) }),
                ("rename", { await c.client.rename(c.directory, c.name("f"), to: c.directory, c.name("g")) }),
            ]
            if c.has(VFS.hardlinks) {
                steps.append(("link", { await c.client.link(file, into: c.directory, c.name("h")) }))
            }
            if c.has(VFS.xattrs) {
                steps.append(("setxattr", { await c.client.setxattr(file, c.name("user.conformance"), [1]) }))
            }
            for (what, step) in steps {
                try c.ok(await step(), what)
                let now = try await c.attrs(file)
                try c.check(now.change > last.change, "change \(last.change) -> \(now.change) on \(what)")
                last = now
            }
        },
    ]
}
