/// A JSON object in a config file, read key by key with errors that name
/// the full key path and what was expected:
/// `server.vfs.linux.config.root: expected a string, found a number`.
public struct ConfigObject: Sendable {
    /// Dotted path of this object in the document ("server.protocols.nfs").
    public let path: String
    public let values: [String: JSONValue]

    public init(path: String, values: [String: JSONValue]) {
        self.path = path
        self.values = values
    }

    /// Parse JSON text that must be an object.
    public init(parsing text: String, path: String) throws(PluginError) {
        let value = try JSONValue.parse(text)
        guard case .object(let values) = value else {
            throw PluginError("\(path.isEmpty ? "document" : path): expected an object, found \(value.kind)")
        }
        self.init(path: path, values: values)
    }

    public func keyPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    public func contains(_ key: String) -> Bool { values[key] != nil }

    /// Refuse keys this reader does not know: a typo must not pass silently.
    public func rejectUnknownKeys(_ known: Set<String>) throws(PluginError) {
        for key in values.keys.sorted() where !known.contains(key) {
            let expected = known.sorted().joined(separator: ", ")
            throw PluginError("\(keyPath(key)): unknown key (expected one of: \(expected))")
        }
    }

    func mismatch(_ key: String, _ expected: String, _ found: JSONValue) -> PluginError {
        PluginError("\(keyPath(key)): expected \(expected), found \(found.kind)")
    }

    public func string(_ key: String) throws(PluginError) -> String? {
        guard let value = values[key] else { return nil }
        guard case .string(let s) = value else { throw mismatch(key, "a string", value) }
        return s
    }

    public func requiredString(_ key: String) throws(PluginError) -> String {
        guard let s = try string(key) else { throw PluginError("\(keyPath(key)): missing (expected a string)") }
        return s
    }

    public func bool(_ key: String) throws(PluginError) -> Bool? {
        guard let value = values[key] else { return nil }
        guard case .bool(let b) = value else { throw mismatch(key, "true or false", value) }
        return b
    }

    /// An integer within `range`.
    public func integer(_ key: String, in range: ClosedRange<Int64>) throws(PluginError) -> Int64? {
        guard let value = values[key] else { return nil }
        guard case .integer(let i) = value else {
            throw mismatch(key, "an integer from \(range.lowerBound) to \(range.upperBound)", value)
        }
        guard range.contains(i) else {
            throw PluginError(
                "\(keyPath(key)): expected an integer from \(range.lowerBound) to \(range.upperBound), found \(i)")
        }
        return i
    }

    public func object(_ key: String) throws(PluginError) -> ConfigObject? {
        guard let value = values[key] else { return nil }
        guard case .object(let o) = value else { throw mismatch(key, "an object", value) }
        return ConfigObject(path: keyPath(key), values: o)
    }

    public func array(_ key: String) throws(PluginError) -> [JSONValue]? {
        guard let value = values[key] else { return nil }
        guard case .array(let a) = value else { throw mismatch(key, "an array", value) }
        return a
    }

    /// An array of strings.
    public func strings(_ key: String) throws(PluginError) -> [String]? {
        guard let items = try array(key) else { return nil }
        var out: [String] = []
        for (i, item) in items.enumerated() {
            guard case .string(let s) = item else {
                throw PluginError("\(keyPath(key))[\(i)]: expected a string, found \(item.kind)")
            }
            out.append(s)
        }
        return out
    }

    /// Each member of an object-valued key, as objects, in key order.
    public func objects(_ key: String) throws(PluginError) -> [(String, ConfigObject)] {
        guard let parent = try object(key) else { return [] }
        var out: [(String, ConfigObject)] = []
        for name in parent.values.keys.sorted() {
            guard let o = try parent.object(name) else { continue }
            out.append((name, o))
        }
        return out
    }
}
