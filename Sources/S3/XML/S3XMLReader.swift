/// A small, bounded, non-validating XML reader for S3 request bodies.
///
/// Reads elements, attributes (checked, then dropped), character data, CDATA, comments and processing
/// instructions; the five predefined entities and numeric character references (XML 1.0 §4.1, §4.6).
/// Anything else — a DOCTYPE (and so any entity definition), an unknown entity, bad nesting, bytes that are
/// not UTF-8, more than the limits allow — is MalformedXML.
public enum S3XMLReader {
    public struct Limits: Sendable {
        public var maxBytes: Int = 1 << 20
        public var maxDepth: Int = 32
        public var maxElements: Int = 100_000
        public init(maxBytes: Int = 1 << 20, maxDepth: Int = 32, maxElements: Int = 100_000) {
            self.maxBytes = maxBytes
            self.maxDepth = maxDepth
            self.maxElements = maxElements
        }
    }

    static func malformed(_ why: String) -> S3Error {
        S3Error(
            .malformedXML,
            "The XML you provided was not well-formed or did not validate against our published schema (\(why)).")
    }

    /// Parses a whole document and returns its root element.
    public static func parse(_ bytes: [UInt8], limits: Limits = Limits()) throws(S3Error) -> S3XMLElement {
        guard bytes.count <= limits.maxBytes else { throw malformed("the document is too large") }
        var parser = Parser(bytes: bytes, limits: limits)
        return try parser.document()
    }
}

private struct Parser {
    let bytes: [UInt8]
    let limits: S3XMLReader.Limits
    var index = 0
    var elements = 0

    init(bytes: [UInt8], limits: S3XMLReader.Limits) {
        self.bytes = bytes
        self.limits = limits
    }

    private struct Open {
        var name: [UInt8]
        var text: [UInt8]
        var children: [S3XMLElement]
    }

    mutating func document() throws(S3Error) -> S3XMLElement {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
        try misc()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "<") else { throw S3XMLReader.malformed("no root element") }
        let root = try element()
        try misc()
        guard index == bytes.count else { throw S3XMLReader.malformed("content after the root element") }
        return root
    }

    /// Whitespace, comments and processing instructions between top-level items.
    private mutating func misc() throws(S3Error) {
        while index < bytes.count {
            if isSpace(bytes[index]) {
                index += 1
            } else if starts("<!--") {
                try skipPast("-->", from: index + 4)
            } else if starts("<?") {
                try skipPast("?>", from: index + 2)
            } else if starts("<!") {
                throw S3XMLReader.malformed("DOCTYPE and declarations are not allowed")
            } else {
                return
            }
        }
    }

    /// Parses one element starting at `<`, iteratively.
    private mutating func element() throws(S3Error) -> S3XMLElement {
        var stack: [Open] = []
        // Each iteration consumes at least one byte; the loop ends when the root closes or input runs out.
        while index < bytes.count {
            let byte = bytes[index]
            if byte != UInt8(ascii: "<") {
                guard !stack.isEmpty else { throw S3XMLReader.malformed("text outside the root element") }
                try text(into: &stack[stack.count - 1].text)
                continue
            }
            if starts("</") {
                index += 2
                let name = try name()
                skipSpaces()
                try expect(UInt8(ascii: ">"))
                guard var open = stack.popLast(), open.name == name else {
                    throw S3XMLReader.malformed("mismatched end tag")
                }
                let finished = try make(&open)
                if stack.isEmpty { return finished }
                stack[stack.count - 1].children.append(finished)
            } else if starts("<!--") {
                guard !stack.isEmpty else { throw S3XMLReader.malformed("comment outside the root element") }
                try skipPast("-->", from: index + 4)
            } else if starts("<![CDATA[") {
                guard !stack.isEmpty else { throw S3XMLReader.malformed("CDATA outside the root element") }
                let start = index + 9
                guard let end = find("]]>", from: start) else { throw S3XMLReader.malformed("unterminated CDATA") }
                stack[stack.count - 1].text.append(contentsOf: bytes[start..<end])
                index = end + 3
            } else if starts("<?") {
                try skipPast("?>", from: index + 2)
            } else if starts("<!") {
                throw S3XMLReader.malformed("declarations are not allowed")
            } else {
                index += 1
                let name = try name()
                try attributes()
                elements += 1
                guard elements <= limits.maxElements else { throw S3XMLReader.malformed("too many elements") }
                guard stack.count < limits.maxDepth else { throw S3XMLReader.malformed("nesting too deep") }
                if starts("/>") {
                    index += 2
                    var open = Open(name: name, text: [], children: [])
                    let finished = try make(&open)
                    if stack.isEmpty { return finished }
                    stack[stack.count - 1].children.append(finished)
                } else {
                    try expect(UInt8(ascii: ">"))
                    stack.append(Open(name: name, text: [], children: []))
                }
            }
        }
        throw S3XMLReader.malformed("the document ended inside an element")
    }

    private func make(_ open: inout Open) throws(S3Error) -> S3XMLElement {
        guard let qualified = String(validating: open.name, as: UTF8.self),
            let text = String(validating: open.text, as: UTF8.self)
        else { throw S3XMLReader.malformed("not UTF-8") }
        let local = qualified.split(separator: ":").last.map(String.init) ?? qualified
        return S3XMLElement(name: local, text: text, children: open.children)
    }

    private mutating func name() throws(S3Error) -> [UInt8] {
        let start = index
        while index < bytes.count {
            let c = bytes[index]
            if isSpace(c) || c == UInt8(ascii: ">") || c == UInt8(ascii: "/") || c == UInt8(ascii: "=") { break }
            guard c != UInt8(ascii: "<") && c != UInt8(ascii: "&") && c != UInt8(ascii: "\"") && c != UInt8(ascii: "'")
            else { throw S3XMLReader.malformed("bad name") }
            index += 1
        }
        guard index > start, index - start <= 256 else { throw S3XMLReader.malformed("bad name") }
        let first = bytes[start]
        guard !(first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9")) && first != UInt8(ascii: "-")
            && first != UInt8(ascii: ".")
        else { throw S3XMLReader.malformed("bad name") }
        return Array(bytes[start..<index])
    }

    /// Attributes are checked for syntax (and their references decoded) but not kept.
    private mutating func attributes() throws(S3Error) {
        var count = 0
        while true {
            let hadSpace = skipSpaces()
            guard index < bytes.count else { throw S3XMLReader.malformed("unterminated tag") }
            if bytes[index] == UInt8(ascii: ">") || starts("/>") { return }
            guard hadSpace, count < 32 else { throw S3XMLReader.malformed("bad attribute") }
            _ = try name()
            skipSpaces()
            try expect(UInt8(ascii: "="))
            skipSpaces()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") || bytes[index] == UInt8(ascii: "'") else {
                throw S3XMLReader.malformed("unquoted attribute")
            }
            let quote = bytes[index]
            index += 1
            var scratch: [UInt8] = []
            while true {
                guard index < bytes.count else { throw S3XMLReader.malformed("unterminated attribute") }
                let c = bytes[index]
                if c == quote {
                    index += 1
                    break
                }
                if c == UInt8(ascii: "<") { throw S3XMLReader.malformed("'<' in an attribute") }
                if c == UInt8(ascii: "&") {
                    try reference(into: &scratch)
                } else {
                    index += 1
                }
            }
            count += 1
        }
    }

    /// Character data up to the next `<`, references decoded.
    private mutating func text(into out: inout [UInt8]) throws(S3Error) {
        while index < bytes.count {
            let c = bytes[index]
            if c == UInt8(ascii: "<") { return }
            if c == UInt8(ascii: "&") {
                try reference(into: &out)
            } else {
                if c == UInt8(ascii: ">"), index >= 2, bytes[index - 1] == UInt8(ascii: "]"), bytes[index - 2] == UInt8(ascii: "]") {
                    throw S3XMLReader.malformed("']]>' in text")
                }
                out.append(c)
                index += 1
            }
        }
    }

    /// `&name;` or `&#N;` / `&#xH;` at `index`.
    private mutating func reference(into out: inout [UInt8]) throws(S3Error) {
        let start = index + 1
        var end = start
        while end < bytes.count, end - start <= 12, bytes[end] != UInt8(ascii: ";") { end += 1 }
        guard end < bytes.count, bytes[end] == UInt8(ascii: ";"), end > start else {
            throw S3XMLReader.malformed("bad entity reference")
        }
        let body = Array(bytes[start..<end])
        index = end + 1
        switch String(decoding: body, as: UTF8.self) {
        case "lt": out.append(UInt8(ascii: "<"))
        case "gt": out.append(UInt8(ascii: ">"))
        case "amp": out.append(UInt8(ascii: "&"))
        case "quot": out.append(UInt8(ascii: "\""))
        case "apos": out.append(UInt8(ascii: "'"))
        default:
            guard body.first == UInt8(ascii: "#"), body.count >= 2 else { throw S3XMLReader.malformed("unknown entity") }
            var value: UInt32 = 0
            let hex = body[1] == UInt8(ascii: "x")
            let digits = body.dropFirst(hex ? 2 : 1)
            guard !digits.isEmpty, digits.count <= 8 else { throw S3XMLReader.malformed("bad character reference") }
            for d in digits {
                if hex {
                    guard let v = S3Hex.value(of: d) else { throw S3XMLReader.malformed("bad character reference") }
                    value = value * 16 + UInt32(v)
                } else {
                    guard d >= UInt8(ascii: "0"), d <= UInt8(ascii: "9") else {
                        throw S3XMLReader.malformed("bad character reference")
                    }
                    value = value * 10 + UInt32(d - UInt8(ascii: "0"))
                }
            }
            guard value != 0, let scalar = Unicode.Scalar(value) else {
                throw S3XMLReader.malformed("bad character reference")
            }
            out.append(contentsOf: String(Character(scalar)).utf8)
        }
    }

    @discardableResult
    private mutating func skipSpaces() -> Bool {
        let start = index
        while index < bytes.count, isSpace(bytes[index]) { index += 1 }
        return index > start
    }

    private mutating func expect(_ byte: UInt8) throws(S3Error) {
        guard index < bytes.count, bytes[index] == byte else { throw S3XMLReader.malformed("unexpected character") }
        index += 1
    }

    private func isSpace(_ c: UInt8) -> Bool {
        c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") || c == UInt8(ascii: "\n") || c == UInt8(ascii: "\r")
    }

    private func starts(_ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard bytes.count - index >= count else { return false }
        return literal.withUTF8Buffer { lit in
            for k in 0..<count where bytes[index + k] != lit[k] { return false }
            return true
        }
    }

    private func find(_ literal: StaticString, from start: Int) -> Int? {
        let count = literal.utf8CodeUnitCount
        guard bytes.count >= count, start <= bytes.count - count else { return nil }
        return literal.withUTF8Buffer { lit -> Int? in
            var i = start
            while i <= bytes.count - count {
                var match = true
                for k in 0..<count where bytes[i + k] != lit[k] {
                    match = false
                    break
                }
                if match { return i }
                i += 1
            }
            return nil
        }
    }

    private mutating func skipPast(_ literal: StaticString, from start: Int) throws(S3Error) {
        guard let end = find(literal, from: start) else { throw S3XMLReader.malformed("unterminated comment or instruction") }
        index = end + literal.utf8CodeUnitCount
    }
}
