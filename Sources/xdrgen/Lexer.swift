/// Splits an XDR specification into tokens.
///
/// Skips whitespace, `/* */` and `//` comments, and lines starting with `%` (rpcgen pass-through) or `#`
/// (preprocessor), which carry nothing for Swift. Numbers are decimal, hexadecimal (`0x`) or octal (leading
/// `0`); a leading `-` belongs to the number.
struct Lexer {
    private let scalars: [Unicode.Scalar]
    private var index = 0
    private var line = 1
    private var column = 1
    private var atLineStart = true

    init(_ text: String) {
        scalars = Array(text.unicodeScalars)
    }

    mutating func tokenize() throws(GeneratorError) -> [Token] {
        var tokens: [Token] = []
        while true {
            let token = try next()
            tokens.append(token)
            if token.kind == .endOfFile {
                return tokens
            }
        }
    }

    private var current: Unicode.Scalar? { index < scalars.count ? scalars[index] : nil }

    private func peek(_ offset: Int) -> Unicode.Scalar? {
        index + offset < scalars.count ? scalars[index + offset] : nil
    }

    private mutating func advance() {
        guard let scalar = current else { return }
        index += 1
        if scalar == "\n" {
            line += 1
            column = 1
            atLineStart = true
        } else {
            column += 1
            if scalar != " " && scalar != "\t" {
                atLineStart = false
            }
        }
    }

    private mutating func skipTrivia() throws(GeneratorError) {
        while let scalar = current {
            if scalar == " " || scalar == "\t" || scalar == "\r" || scalar == "\n" {
                advance()
            } else if atLineStart && (scalar == "%" || scalar == "#") {
                while let next = current, next != "\n" {
                    advance()
                }
            } else if scalar == "/" && peek(1) == "*" {
                let start = SourceLocation(line: line, column: column)
                advance()
                advance()
                var closed = false
                while let next = current {
                    if next == "*" && peek(1) == "/" {
                        advance()
                        advance()
                        closed = true
                        break
                    }
                    advance()
                }
                if !closed {
                    throw GeneratorError("unterminated comment", at: start)
                }
            } else if scalar == "/" && peek(1) == "/" {
                while let next = current, next != "\n" {
                    advance()
                }
            } else {
                return
            }
        }
    }

    private mutating func next() throws(GeneratorError) -> Token {
        try skipTrivia()
        let location = SourceLocation(line: line, column: column)
        guard let scalar = current else {
            return Token(kind: .endOfFile, location: location)
        }
        if scalar.properties.isAlphabetic || scalar == "_" {
            var text = ""
            while let next = current, next.properties.isAlphabetic || next == "_" || ("0"..."9").contains(next) {
                text.unicodeScalars.append(next)
                advance()
            }
            return Token(kind: .identifier(text), location: location)
        }
        if ("0"..."9").contains(scalar) || (scalar == "-" && peek(1).map { ("0"..."9").contains($0) } == true) {
            return Token(kind: .number(try number(at: location)), location: location)
        }
        if "{}()[]<>;,=:*".unicodeScalars.contains(scalar) {
            advance()
            return Token(kind: .symbol(Character(scalar)), location: location)
        }
        throw GeneratorError("unexpected character '\(scalar)'", at: location)
    }

    private mutating func number(at location: SourceLocation) throws(GeneratorError) -> Int64 {
        var negative = false
        if current == "-" {
            negative = true
            advance()
        }
        var text = ""
        while let next = current, next.properties.isAlphabetic || ("0"..."9").contains(next) {
            text.unicodeScalars.append(next)
            advance()
        }
        let value: Int64?
        if text.hasPrefix("0x") || text.hasPrefix("0X") {
            value = Int64(text.dropFirst(2), radix: 16)
        } else if text.count > 1 && text.hasPrefix("0") {
            value = Int64(text.dropFirst(), radix: 8)
        } else {
            value = Int64(text, radix: 10)
        }
        guard let value else {
            throw GeneratorError("bad number '\(text)'", at: location)
        }
        return negative ? -value : value
    }
}
