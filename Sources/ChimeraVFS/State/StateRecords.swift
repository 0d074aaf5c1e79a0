import Dispatch
import Glibc
import Logging
import Synchronization

/// The names of clients that may reclaim after a restart, on stable
/// storage: `<directory>/clients`, one line per client, "<scope hex>
/// <name hex>", rewritten whole (to a temporary file, fsync'd, renamed)
/// whenever the set changes. Writes run on a serial background queue, in
/// order, never on an event loop.
final class StateRecords: Sendable {
    let directory: String
    /// What the previous run recorded (read at start).
    let previous: Set<StateTable.RecordName>
    /// How many live clients hold each name, plus one for each previous
    /// name not yet taken over by a client of this run.
    private let current: Mutex<Counts>
    private struct Counts {
        var held: [StateTable.RecordName: Int] = [:]
        var unclaimed: Set<StateTable.RecordName> = []
    }
    private let queue = DispatchQueue(label: "chimera.state-records")
    private let logger: Logger

    /// Read the previous run's records; nil with one line when the
    /// directory is unusable.
    init(directory: String, logger: Logger) throws(StateRecordsError) {
        self.directory = directory
        self.logger = logger
        if mkdir(directory, 0o700) != 0 && errno != EEXIST {
            throw StateRecordsError("cannot create \(directory): \(String(cString: strerror(errno)))")
        }
        var previous = Set<StateTable.RecordName>()
        let path = directory + "/clients"
        if let file = fopen(path, "r") {
            defer { fclose(file) }
            var line: UnsafeMutablePointer<CChar>? = nil
            var capacity = 0
            defer { free(line) }
            var count = 0
            while getline(&line, &capacity, file) > 0, count < 1_000_000 {
                count += 1
                let text = String(cString: line!).trimmingSuffix("\n")
                let parts = text.split(separator: " ", omittingEmptySubsequences: false)
                guard parts.count == 2, let scope = Self.unhex(parts[0]), let name = Self.unhex(parts[1]) else {
                    continue
                }
                previous.insert(StateTable.RecordName(scope: String(decoding: scope, as: UTF8.self), name: name))
            }
        } else if errno != ENOENT {
            throw StateRecordsError("cannot read \(path): \(String(cString: strerror(errno)))")
        }
        self.previous = previous
        // The previous run's clients stay recorded until they reclaim and
        // are released, or grace ends without them: a second restart inside
        // the grace period must not forget them.
        var counts = Counts()
        for record in previous { counts.held[record] = 1 }
        counts.unclaimed = previous
        self.current = Mutex(counts)
    }

    /// Record a client's name; `durable` runs (on the records queue) once
    /// the name is on stable storage, after every write queued before it.
    func add(_ record: StateTable.RecordName, durable: @escaping @Sendable () -> Void = {}) {
        let changed = current.withLock { counts in
            // A client of the previous run came back: it takes its record over.
            if counts.unclaimed.remove(record) != nil { return false }
            counts.held[record, default: 0] += 1
            return counts.held[record] == 1
        }
        if changed { save() }
        queue.async(execute: durable)
    }

    func remove(_ record: StateTable.RecordName) {
        let changed = current.withLock { counts in
            guard let n = counts.held[record] else { return false }
            counts.held[record] = n > 1 ? n - 1 : nil
            return n == 1
        }
        if changed { save() }
    }

    /// Grace ended: previous clients that did not come back are forgotten.
    func forgetUnclaimed() {
        let changed = current.withLock { counts in
            var changed = false
            for record in counts.unclaimed {
                if let n = counts.held[record] {
                    counts.held[record] = n > 1 ? n - 1 : nil
                    changed = changed || n == 1
                }
            }
            counts.unclaimed = []
            return changed
        }
        if changed { save() }
    }

    /// Block until every write so far is on disk (tests, shutdown).
    func flush() {
        queue.sync {}
    }

    private func save() {
        queue.async { [self] in
            let names = current.withLock { Array($0.held.keys) }
            var text = ""
            for record in names.sorted(by: { ($0.scope, Self.hex($0.name)) < ($1.scope, Self.hex($1.name)) }) {
                text += Self.hex(Array(record.scope.utf8)) + " " + Self.hex(record.name) + "\n"
            }
            write(text)
        }
    }

    private func write(_ text: String) {
        let path = directory + "/clients"
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            logger.error("cannot write client records", metadata: ["path": "\(temporary)", "error": "\(errno)"])
            return
        }
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, bytes.count - written) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            written += n
        }
        let ok = written == bytes.count && fsync(fd) == 0
        close(fd)
        guard ok, rename(temporary, path) == 0 else {
            logger.error("cannot write client records", metadata: ["path": "\(path)", "error": "\(errno)"])
            return
        }
        let dir = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dir >= 0 {
            fsync(dir)
            close(dir)
        }
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func unhex(_ text: Substring) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        func value(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
            default: nil
            }
        }
        var out = [UInt8]()
        out.reserveCapacity(utf8.count / 2)
        var i = 0
        while i < utf8.count {
            guard let high = value(utf8[i]), let low = value(utf8[i + 1]) else { return nil }
            out.append(high << 4 | low)
            i += 2
        }
        return out
    }
}

public struct StateRecordsError: Error, CustomStringConvertible, Sendable {
    public var description: String
    init(_ description: String) { self.description = description }
}

extension String {
    fileprivate func trimmingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
    }
}
