import CChimera

/// One named check of the kit.
struct ConformanceCheck: Sendable {
    /// `area.what`, e.g. `rename.into-own-subtree`.
    let name: String
    /// CHIMERA_VFS_CAP_* bits the check needs; a module without them gets a
    /// skip, not a failure.
    var requires: UInt64 = 0
    /// Checks that change nothing can run on a READ_ONLY module.
    var readOnlySafe = false
    /// Runs in its own fresh directory (false: the check manages its own).
    var needsDirectory = true
    let body: @Sendable (ConformanceContext) async throws -> Void

    init(
        _ name: String,
        requires: UInt64 = 0,
        readOnlySafe: Bool = false,
        needsDirectory: Bool = true,
        _ body: @escaping @Sendable (ConformanceContext) async throws -> Void
    ) {
        self.name = name
        self.requires = requires
        self.readOnlySafe = readOnlySafe
        self.needsDirectory = needsDirectory
        self.body = body
    }
}

/// A check did not hold.
struct ConformanceFailure: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

/// A check does not apply to this module.
struct ConformanceSkip: Error, CustomStringConvertible {
    let reason: String
    var description: String { reason }
}

/// What a check runs with: the client, its own directory and the
/// expectations that turn results into failures.
final class ConformanceContext {
    let client: ConformanceClient
    let capabilities: UInt64
    let threadCount: Int
    /// The check's own directory (the root for checks without one).
    var directory: [UInt8]
    /// How long to wait so that a clock-based time visibly moves.
    let timeStep: UInt64

    init(client: ConformanceClient, capabilities: UInt64, threadCount: Int, directory: [UInt8], timeStep: UInt64) {
        self.client = client
        self.capabilities = capabilities
        self.threadCount = threadCount
        self.directory = directory
        self.timeStep = timeStep
    }

    var root: [UInt8] { client.target.rootHandle }

    func has(_ capability: UInt64) -> Bool { capabilities & capability != 0 }

    // MARK: Expectations

    func fail(_ message: String) -> ConformanceFailure {
        ConformanceFailure(message: message)
    }

    func check(_ condition: Bool, _ message: @autoclosure () -> String) throws {
        if !condition { throw fail(message()) }
    }

    /// The reply must be OK.
    @discardableResult
    func ok(_ reply: ConformanceReply, _ what: String) throws -> ConformanceReply {
        guard reply.status == .ok else { throw fail("\(what): expected OK, got \(reply.status)") }
        return reply
    }

    /// The reply must carry one of `statuses`.
    func expect(_ reply: ConformanceReply, _ statuses: ConformanceStatus..., what: String) throws {
        try expect(reply.status, statuses, what: what)
    }

    func expect(_ status: ConformanceStatus, _ statuses: [ConformanceStatus], what: String) throws {
        guard statuses.contains(status) else {
            let expected = statuses.map(\.description).joined(separator: " or ")
            throw fail("\(what): expected \(expected), got \(status)")
        }
    }

    /// NOTSUP from an optional op (no capability bit names it) is a skip.
    func skipIfUnsupported(_ reply: ConformanceReply, _ what: String) throws {
        if reply.status == .notsup { throw ConformanceSkip(reason: "module answers NOTSUP to \(what)") }
    }

    // MARK: Shortcuts

    func name(_ text: String) -> [UInt8] { Array(text.utf8) }

    /// Create a regular file (with `data`) and return its handle.
    @discardableResult
    func file(
        _ name: String,
        in parent: [UInt8]? = nil,
        data: [UInt8] = [],
        mode: UInt32 = 0o644
    ) async throws
        -> [UInt8]
    {
        let created = try ok(
            await client.openAt(
                parent ?? directory,
                self.name(name),
                flags: UInt32(CHIMERA_VFS_OPEN_CREATE | CHIMERA_VFS_OPEN_EXCLUSIVE | CHIMERA_VFS_OPEN_NONE),
                attrs: ConformanceClient.mode(mode)
            ),
            "open_at create \(name)"
        )
        if !data.isEmpty {
            let written = try ok(await client.write(created.handle, offset: 0, data), "write \(name)")
            try check(written.length == UInt64(data.count), "write \(name): wrote \(written.length) of \(data.count)")
        }
        return created.handle
    }

    /// Create a directory and return its handle.
    @discardableResult
    func mkdir(_ name: String, in parent: [UInt8]? = nil) async throws -> [UInt8] {
        try ok(await client.mkdir(parent ?? directory, self.name(name)), "mkdir \(name)").handle
    }

    func attrs(_ handle: [UInt8], _ what: String = "getattr") async throws -> chimera_attrs {
        try ok(await client.getattr(handle), what).attrs
    }

    func lookup(_ name: String, in parent: [UInt8]? = nil) async throws -> [UInt8] {
        try ok(await client.lookup(parent ?? directory, self.name(name)), "lookup \(name)").handle
    }

    func read(_ handle: [UInt8], offset: UInt64 = 0, length: Int) async throws -> [UInt8] {
        try ok(await client.read(handle, offset: offset, length: length), "read").data
    }

    /// Every entry of a directory, in pages of `page` entries.
    func list(_ handle: [UInt8], page: Int = 1_000) async throws -> [ConformanceEntry] {
        var entries: [ConformanceEntry] = []
        var cookie: UInt64 = 0
        var verifier: UInt64 = 0
        for _ in 0..<1_000_000 {
            let listing = await client.readdir(handle, cookie: cookie, verifier: verifier, limit: page)
            guard listing.status == .ok else { throw fail("readdir: expected OK, got \(listing.status)") }
            entries += listing.entries
            if listing.eof { return entries }
            guard let last = listing.entries.last else { throw fail("readdir: no entries and no end of directory") }
            cookie = last.cookie
            verifier = listing.verifier
        }
        throw fail("readdir: listing did not end")
    }

    /// Sleep long enough for the module's clock to move.
    func tick() async {
        try? await Task.sleep(nanoseconds: timeStep)
    }

    /// A byte pattern unique to `seed`.
    static func pattern(_ count: Int, seed: UInt64) -> [UInt8] {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        return (0..<count).map { _ in
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return UInt8(truncatingIfNeeded: state)
        }
    }
}

extension chimera_attrs {
    var type: UInt32 { mode & UInt32(CHIMERA_S_IFMT) }
    var permissions: UInt32 { mode & 0o7777 }
    func has(_ mask: UInt64) -> Bool { valid_mask & mask == mask }
}

extension chimera_timespec {
    var nanoseconds: Int64 { sec &* 1_000_000_000 &+ Int64(nsec) }
    func isAfter(_ other: chimera_timespec) -> Bool { nanoseconds > other.nanoseconds }
    var text: String { "\(sec).\(nsec)" }
}
