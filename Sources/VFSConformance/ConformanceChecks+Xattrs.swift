import CChimera

extension ConformanceChecks {
    static let xattrs: [ConformanceCheck] = [
        ConformanceCheck("xattr.set-get", requires: VFS.xattrs) { c in
            let file = try await c.file("f")
            let value = ConformanceContext.pattern(200, seed: 20)
            try c.ok(await c.client.setxattr(file, c.name("user.conformance.a"), value), "setxattr")
            let got = try c.ok(await c.client.getxattr(file, c.name("user.conformance.a"), capacity: 1_000), "getxattr")
            try c.check(got.data == value, "getxattr returned other bytes")
        },
        ConformanceCheck("xattr.size-probe", requires: VFS.xattrs) { c in
            let file = try await c.file("f")
            try c.ok(
                await c.client.setxattr(file, c.name("user.conformance.a"), [UInt8](repeating: 7, count: 50)),
                "setxattr"
            )
            let probe = try c.ok(await c.client.getxattr(file, c.name("user.conformance.a"), capacity: 0), "size probe")
            try c.check(probe.length == 50, "size probe says \(probe.length), expected 50")
            try c.expect(
                await c.client.getxattr(file, c.name("user.conformance.a"), capacity: 10),
                .range,
                what: "getxattr into a 10-byte buffer"
            )
        },
        ConformanceCheck("xattr.create-flag", requires: VFS.xattrs) { c in
            let file = try await c.file("f")
            try c.ok(await c.client.setxattr(file, c.name("user.conformance.a"), [1], flags: VFS.xattrCreate), "create")
            try c.expect(
                await c.client.setxattr(file, c.name("user.conformance.a"), [2], flags: VFS.xattrCreate),
                .exist,
                what: "setxattr CREATE of an existing name"
            )
        },
        ConformanceCheck("xattr.replace-flag", requires: VFS.xattrs) { c in
            let file = try await c.file("f")
            try c.expect(
                await c.client.setxattr(file, c.name("user.conformance.a"), [2], flags: VFS.xattrReplace),
                .nodata,
                what: "setxattr REPLACE of an absent name"
            )
            try c.ok(await c.client.setxattr(file, c.name("user.conformance.a"), [1]), "setxattr")
            try c.ok(
                await c.client.setxattr(file, c.name("user.conformance.a"), [3], flags: VFS.xattrReplace),
                "replace"
            )
            let got = try c.ok(await c.client.getxattr(file, c.name("user.conformance.a"), capacity: 10), "getxattr")
            try c.check(got.data == [3], "replaced value is \(got.data)")
        },
        ConformanceCheck("xattr.list", requires: VFS.xattrs) { c in
            let file = try await c.file("f")
            let names = ["user.conformance.one", "user.conformance.two", "user.conformance.three"]
            for name in names { try c.ok(await c.client.setxattr(file, c.name(name), [1]), "setxattr \(name)") }
            let probe = try c.ok(await c.client.listxattr(file, capacity: 0), "listxattr size probe")
            let list = try c.ok(await c.client.listxattr(file, capacity: Int(probe.length) + 16), "listxattr")
            let listed = list.data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            try c.check(Set(names).isSubset(of: Set(listed)), "listxattr gave \(listed)")
            try c.check(list.data.last == 0, "listxattr names are not NUL-terminated")
        },
        ConformanceCheck("xattr.remove", requires: VFS.xattrs) { c in
            let file = try await c.file("f")
            try c.ok(await c.client.setxattr(file, c.name("user.conformance.a"), [1]), "setxattr")
            try c.ok(await c.client.removexattr(file, c.name("user.conformance.a")), "removexattr")
            try c.expect(
                await c.client.getxattr(file, c.name("user.conformance.a"), capacity: 10),
                .nodata,
                what: "getxattr after remove"
            )
            try c.expect(
                await c.client.removexattr(file, c.name("user.conformance.a")),
                .nodata,
                what: "removexattr of an absent name"
            )
        },
        ConformanceCheck("xattr.on-directory", requires: VFS.xattrs) { c in
            let sub = try await c.mkdir("d")
            try c.ok(await c.client.setxattr(sub, c.name("user.conformance.d"), [4, 2]), "setxattr on a directory")
            let got = try c.ok(await c.client.getxattr(sub, c.name("user.conformance.d"), capacity: 10), "getxattr")
            try c.check(got.data == [4, 2], "directory xattr value \(got.data)")
        },
    ]

    static func key(_ c: ConformanceContext, _ suffix: String) -> [UInt8] {
        c.name("conformance/\(c.directory.map { String($0, radix: 16) }.joined())/\(suffix)")
    }

    static let keyValues: [ConformanceCheck] = [
        ConformanceCheck("kv.put-get", requires: VFS.keyValue) { c in
            let key = Self.key(c, "a")
            let value = ConformanceContext.pattern(500, seed: 21)
            try c.ok(await c.client.kvPut(key, value), "kv_put")
            let got = try c.ok(await c.client.kvGet(key, capacity: 1_000), "kv_get")
            try c.check(got.data == value, "kv_get returned other bytes")
            try c.ok(await c.client.kvDelete(key), "kv_delete")
        },
        ConformanceCheck("kv.absent", requires: VFS.keyValue) { c in
            try c.expect(
                await c.client.kvGet(Self.key(c, "absent"), capacity: 10),
                .nodata,
                what: "kv_get of an absent key"
            )
        },
        ConformanceCheck("kv.overwrite", requires: VFS.keyValue) { c in
            let key = Self.key(c, "b")
            try c.ok(await c.client.kvPut(key, [1, 2, 3]), "kv_put")
            try c.ok(await c.client.kvPut(key, [9]), "kv_put again")
            let got = try c.ok(await c.client.kvGet(key, capacity: 10), "kv_get")
            try c.check(got.data == [9], "overwritten value reads \(got.data)")
            try c.ok(await c.client.kvDelete(key), "kv_delete")
        },
        ConformanceCheck("kv.delete", requires: VFS.keyValue) { c in
            let key = Self.key(c, "c")
            try c.ok(await c.client.kvPut(key, [1]), "kv_put")
            try c.ok(await c.client.kvDelete(key), "kv_delete")
            try c.expect(await c.client.kvGet(key, capacity: 10), .nodata, what: "kv_get after delete")
            try c.expect(await c.client.kvDelete(key), .nodata, what: "kv_delete of an absent key")
        },
        ConformanceCheck("kv.size-probe", requires: VFS.keyValue) { c in
            let key = Self.key(c, "d")
            try c.ok(await c.client.kvPut(key, [UInt8](repeating: 1, count: 77)), "kv_put")
            let probe = try c.ok(await c.client.kvGet(key, capacity: 0), "kv_get size probe")
            try c.check(probe.length == 77, "size probe says \(probe.length), expected 77")
            try c.ok(await c.client.kvDelete(key), "kv_delete")
        },
    ]
}
