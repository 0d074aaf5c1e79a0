/// A strict JSON parser (RFC 8259) for config files, so a syntax error can
/// say where it is: "invalid JSON at line 3, column 17: expected ',' or '}'".
/// Duplicate object keys are refused (the second would silently win).
/// Comments (`// to the end of the line` and `/* ... */`) are whitespace, so
/// a config can say why a value is what it is; lines inside a block comment
/// still count, so later errors name the right line.
struct JSONParser {
    private let bytes: [UInt8]
    private var index = 0
    private var line = 1
    private var lineStart = 0
    private var depth = 0
    static let maxDepth = 128

    init(_ text: String) {
        bytes = Array(text.utf8)
    }

    static func parse(_ text: String) throws(PluginError) -> JSONValue {
        var parser = JSONParser(text)
        try parser.skipWhitespace()
        let value = try parser.value()
        try parser.skipWhitespace()
        guard parser.index == parser.bytes.count else { throw parser.error("unexpected text after the document") }
        return value
    }

    private func error(_ message: String) -> PluginError {
        PluginError("invalid JSON at line \(line), column \(index - lineStart + 1): \(message)")
    }

    private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    private func describe(_ byte: UInt8?) -> String {
        guard let byte else { return "the end of the file" }
        if byte >= 0x21 && byte < 0x7F { return "'\(Character(UnicodeScalar(byte)))'" }
        return "byte 0x\(String(byte, radix: 16))"
    }

    private mutating func skipWhitespace() throws(PluginError) {
        while let c = current {
            if c == 0x0A {
                line += 1
                lineStart = index + 1
            } else if c == UInt8(ascii: "/") {
                try skipComment()
                continue
            } else if c != 0x20 && c != 0x09 && c != 0x0D {
                return
            }
            index += 1
        }
    }

    /// Skip one comment starting at `current` (a '/'), leaving `index` on
    /// the byte after it. A '/' that starts no comment is an error where it is.
    private mutating func skipComment() throws(PluginError) {
        let next = index + 1 < bytes.count ? bytes[index + 1] : nil
        if next == UInt8(ascii: "/") {
            index += 2
            while let c = current, c != 0x0A { index += 1 }
            return
        }
        guard next == UInt8(ascii: "*") else {
            throw error("expected a value or a comment ('//' or '/*'), found '/'")
        }
        let startLine = line
        let startColumn = index - lineStart + 1
        index += 2
        while let c = current {
            if c == UInt8(ascii: "*"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "/") {
                index += 2
                return
            }
            if c == 0x0A {
                line += 1
                lineStart = index + 1
            }
            index += 1
        }
        throw PluginError("invalid JSON at line \(startLine), column \(startColumn): unterminated /* comment")
    }

    private mutating func expect(_ byte: UInt8, _ what: String) throws(PluginError) {
        guard current == byte else { throw error("expected \(what), found \(describe(current))") }
        index += 1
    }

    private mutating func value() throws(PluginError) -> JSONValue {
        switch current {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "n"): return try literal("null", .null)
        case let c? where c == UInt8(ascii: "-") || (c >= 0x30 && c <= 0x39): return try number()
        default: throw error("expected a value, found \(describe(current))")
        }
    }

    private mutating func literal(_ word: String, _ value: JSONValue) throws(PluginError) -> JSONValue {
        for b in word.utf8 {
            guard current == b else { throw error("expected \(word)") }
            index += 1
        }
        return value
    }

    private mutating func nest() throws(PluginError) {
        depth += 1
        if depth > Self.maxDepth { throw error("nested deeper than \(Self.maxDepth) levels") }
    }

    private mutating func object() throws(PluginError) -> JSONValue {
        try nest()
        index += 1
        var members: [String: JSONValue] = [:]
        try skipWhitespace()
        if current == UInt8(ascii: "}") {
            index += 1
            depth -= 1
            return .object(members)
        }
        while true {
            try skipWhitespace()
            guard current == UInt8(ascii: "\"") else { throw error("expected a string key, found \(describe(current))") }
            let keyLine = line
            let keyColumn = index - lineStart + 1
            let key = try string()
            if members[key] != nil {
                throw PluginError("invalid JSON at line \(keyLine), column \(keyColumn): duplicate key \"\(key)\"")
            }
            try skipWhitespace()
            try expect(UInt8(ascii: ":"), "':'")
            try skipWhitespace()
            members[key] = try value()
            try skipWhitespace()
            if current == UInt8(ascii: ",") {
                index += 1
                continue
            }
            try expect(UInt8(ascii: "}"), "',' or '}'")
            depth -= 1
            return .object(members)
        }
    }

    private mutating func array() throws(PluginError) -> JSONValue {
        try nest()
        index += 1
        var items: [JSONValue] = []
        try skipWhitespace()
        if current == UInt8(ascii: "]") {
            index += 1
            depth -= 1
            return .array(items)
        }
        while true {
            try skipWhitespace()
            items.append(try value())
            try skipWhitespace()
            if current == UInt8(ascii: ",") {
                index += 1
                continue
            }
            try expect(UInt8(ascii: "]"), "',' or ']'")
            depth -= 1
            return .array(items)
        }
    }

    private mutating func hex4() throws(PluginError) -> UInt32 {
        var v: UInt32 = 0
        for _ in 0..<4 {
            guard let c = current else { throw error("unfinished \\u escape") }
            let d: UInt32
            switch c {
            case 0x30...0x39: d = UInt32(c - 0x30)
            case 0x41...0x46: d = UInt32(c - 0x41 + 10)
            case 0x61...0x66: d = UInt32(c - 0x61 + 10)
            default: throw error("bad \\u escape")
            }
            v = v << 4 | d
            index += 1
        }
        return v
    }

    private mutating func string() throws(PluginError) -> String {
        index += 1
        var out: [UInt8] = []
        while true {
            guard let c = current else { throw error("unterminated string") }
            index += 1
            switch c {
            case UInt8(ascii: "\""):
                guard let s = String(validating: out, as: UTF8.self) else { throw error("string is not valid UTF-8") }
                return s
            case UInt8(ascii: "\\"):
                guard let e = current else { throw error("unterminated string") }
                index += 1
                switch e {
                case UInt8(ascii: "\""): out.append(0x22)
                case UInt8(ascii: "\\"): out.append(0x5C)
                case UInt8(ascii: "/"): out.append(0x2F)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800...0xDBFF).contains(scalar) {
                        guard current == UInt8(ascii: "\\") else { throw error("lone surrogate in \\u escape") }
                        index += 1
                        guard current == UInt8(ascii: "u") else { throw error("lone surrogate in \\u escape") }
                        index += 1
                        let low = try hex4()
                        guard (0xDC00...0xDFFF).contains(low) else { throw error("bad surrogate pair") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let u = UnicodeScalar(scalar) else { throw error("bad \\u escape") }
                    out.append(contentsOf: Array(String(Character(u)).utf8))
                default:
                    throw error("unknown escape \\\(Character(UnicodeScalar(e)))")
                }
            case 0x00..<0x20:
                throw error("control character in a string")
            default:
                out.append(c)
            }
        }
    }

    private mutating func number() throws(PluginError) -> JSONValue {
        let start = index
        var integral = true
        if current == UInt8(ascii: "-") { index += 1 }
        guard let first = current, first >= 0x30 && first <= 0x39 else { throw error("bad number") }
        if first == 0x30 {
            index += 1
        } else {
            while let c = current, c >= 0x30 && c <= 0x39 { index += 1 }
        }
        if current == UInt8(ascii: ".") {
            integral = false
            index += 1
            guard let c = current, c >= 0x30 && c <= 0x39 else { throw error("bad number") }
            while let c = current, c >= 0x30 && c <= 0x39 { index += 1 }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            integral = false
            index += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
            guard let c = current, c >= 0x30 && c <= 0x39 else { throw error("bad number") }
            while let c = current, c >= 0x30 && c <= 0x39 { index += 1 }
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        if integral, let i = Int64(text) { return .integer(i) }
        guard let d = Double(text) else { throw error("bad number") }
        return .number(d)
    }
}
