/// Builds a ``Specification`` from tokens: the RFC 4506 §6.3 grammar with RFC 5531 §12 program definitions.
///
/// Beyond the RFC it accepts what rpcgen inputs commonly use: `unsigned` alone, `long`/`short` for `int`,
/// `struct name` / `enum name` / `union name` as type references. Inline struct, union and enum bodies are
/// hoisted into definitions named `<parent>_<field>`.
struct Parser {
    private enum InlineBody {
        case structure([Declaration])
        case union(discriminant: Declaration, arms: [UnionDefinition.Arm], defaultArm: Declaration?)
        case enumeration([EnumDefinition.Member])
    }

    private enum ParsedType {
        case specifier(TypeSpecifier)
        case inline(InlineBody, SourceLocation)
    }

    private let tokens: [Token]
    private var index = 0
    private var hoisted: [Definition] = []

    init(tokens: [Token]) {
        self.tokens = tokens
    }

    static func parse(_ text: String) throws(GeneratorError) -> Specification {
        var lexer = Lexer(text)
        var parser = Parser(tokens: try lexer.tokenize())
        return try parser.parseSpecification()
    }

    mutating func parseSpecification() throws(GeneratorError) -> Specification {
        var definitions: [Definition] = []
        while current.kind != .endOfFile {
            let definition = try parseDefinition()
            definitions.append(definition)
            definitions.append(contentsOf: hoisted)
            hoisted.removeAll()
        }
        return Specification(definitions: definitions)
    }

    // MARK: Tokens

    private var current: Token { tokens[min(index, tokens.count - 1)] }

    private mutating func advance() {
        if index < tokens.count - 1 {
            index += 1
        }
    }

    private func isKeyword(_ word: String) -> Bool {
        current.kind == .identifier(word)
    }

    private func isSymbol(_ symbol: Character) -> Bool {
        current.kind == .symbol(symbol)
    }

    private mutating func expectKeyword(_ word: String) throws(GeneratorError) {
        guard isKeyword(word) else { throw unexpected("'\(word)'") }
        advance()
    }

    private mutating func expectSymbol(_ symbol: Character) throws(GeneratorError) {
        guard isSymbol(symbol) else { throw unexpected("'\(symbol)'") }
        advance()
    }

    private mutating func acceptSymbol(_ symbol: Character) -> Bool {
        guard isSymbol(symbol) else { return false }
        advance()
        return true
    }

    private mutating func identifier() throws(GeneratorError) -> String {
        guard case .identifier(let name) = current.kind else { throw unexpected("an identifier") }
        advance()
        return name
    }

    private mutating func value() throws(GeneratorError) -> Value {
        switch current.kind {
        case .number(let number):
            advance()
            return .literal(number)
        case .identifier(let name):
            advance()
            return .named(name)
        default:
            throw unexpected("a number or constant name")
        }
    }

    private func unexpected(_ expected: String) -> GeneratorError {
        let found: String
        switch current.kind {
        case .identifier(let name): found = "'\(name)'"
        case .number(let number): found = "\(number)"
        case .symbol(let symbol): found = "'\(symbol)'"
        case .endOfFile: found = "end of file"
        }
        return GeneratorError("expected \(expected), found \(found)", at: current.location)
    }

    // MARK: Definitions

    private mutating func parseDefinition() throws(GeneratorError) -> Definition {
        let location = current.location
        guard case .identifier(let keyword) = current.kind else { throw unexpected("a definition") }
        switch keyword {
        case "const":
            advance()
            let name = try identifier()
            try expectSymbol("=")
            let constant = try value()
            try expectSymbol(";")
            return .constant(ConstantDefinition(name: name, value: constant, location: location))
        case "enum":
            advance()
            let name = try identifier()
            let members = try parseEnumBody()
            try expectSymbol(";")
            return .enumeration(EnumDefinition(name: name, members: members, location: location))
        case "struct":
            advance()
            let name = try identifier()
            let fields = try parseStructBody(context: name)
            try expectSymbol(";")
            return .structure(StructDefinition(name: name, fields: fields, location: location))
        case "union":
            advance()
            let name = try identifier()
            let body = try parseUnionBody(context: name)
            try expectSymbol(";")
            return .union(
                UnionDefinition(
                    name: name, discriminant: body.discriminant, arms: body.arms, defaultArm: body.defaultArm,
                    location: location))
        case "typedef":
            advance()
            let definition = try parseTypedef(location: location)
            try expectSymbol(";")
            return definition
        case "program":
            advance()
            return .program(try parseProgram(location: location))
        default:
            throw unexpected("const, enum, struct, union, typedef or program")
        }
    }

    private mutating func parseTypedef(location: SourceLocation) throws(GeneratorError) -> Definition {
        // `typedef struct { ... } name;` names the inline body itself.
        if (isKeyword("struct") || isKeyword("union") || isKeyword("enum")), index + 1 < tokens.count,
            tokens[index + 1].kind == .symbol("{") || tokens[index + 1].kind == .identifier("switch")
        {
            let parsed = try parseTypeSpecifier()
            let name = try identifier()
            guard isSymbol(";"), case .inline(let body, let bodyLocation) = parsed else {
                throw GeneratorError("an inline type in a typedef must be named by the typedef alone", at: location)
            }
            return definition(named: name, body: body, location: bodyLocation)
        }
        return .typedef(TypedefDefinition(declaration: try parseDeclaration(context: "")))
    }

    private mutating func parseEnumBody() throws(GeneratorError) -> [EnumDefinition.Member] {
        try expectSymbol("{")
        var members: [EnumDefinition.Member] = []
        repeat {
            let location = current.location
            let name = try identifier()
            try expectSymbol("=")
            members.append(EnumDefinition.Member(name: name, value: try value(), location: location))
        } while acceptSymbol(",")
        try expectSymbol("}")
        return members
    }

    private mutating func parseStructBody(context: String) throws(GeneratorError) -> [Declaration] {
        try expectSymbol("{")
        var fields: [Declaration] = []
        repeat {
            fields.append(try parseDeclaration(context: context))
            try expectSymbol(";")
        } while !isSymbol("}")
        try expectSymbol("}")
        return fields
    }

    private mutating func parseUnionBody(
        context: String
    ) throws(GeneratorError) -> (discriminant: Declaration, arms: [UnionDefinition.Arm], defaultArm: Declaration?) {
        try expectKeyword("switch")
        try expectSymbol("(")
        let discriminant = try parseDeclaration(context: context)
        try expectSymbol(")")
        try expectSymbol("{")
        var arms: [UnionDefinition.Arm] = []
        var defaultArm: Declaration?
        while !isSymbol("}") {
            if isKeyword("default") {
                let location = current.location
                advance()
                try expectSymbol(":")
                guard defaultArm == nil else { throw GeneratorError("a second default arm", at: location) }
                defaultArm = try parseDeclaration(context: context)
                try expectSymbol(";")
                continue
            }
            var labels: [Value] = []
            while isKeyword("case") {
                advance()
                labels.append(try value())
                try expectSymbol(":")
            }
            guard !labels.isEmpty else { throw unexpected("case or default") }
            arms.append(UnionDefinition.Arm(labels: labels, declaration: try parseDeclaration(context: context)))
            try expectSymbol(";")
        }
        try expectSymbol("}")
        return (discriminant, arms, defaultArm)
    }

    // MARK: Declarations

    private mutating func parseTypeSpecifier(context: String = "") throws(GeneratorError) -> ParsedType {
        let location = current.location
        guard case .identifier(let word) = current.kind else { throw unexpected("a type") }
        advance()
        switch word {
        case "unsigned":
            if isKeyword("hyper") {
                advance()
                return .specifier(.unsignedHyper)
            }
            if isKeyword("int") || isKeyword("long") || isKeyword("short") || isKeyword("char") {
                advance()
            }
            return .specifier(.unsignedInt)
        case "int", "long", "short":
            return .specifier(.int)
        case "hyper":
            return .specifier(.hyper)
        case "float":
            return .specifier(.float)
        case "double":
            return .specifier(.double)
        case "bool":
            return .specifier(.bool)
        case "quadruple":
            throw GeneratorError("quadruple is not supported", at: location)
        case "enum":
            if isSymbol("{") {
                return .inline(.enumeration(try parseEnumBody()), location)
            }
            return .specifier(.named(try identifier()))
        case "struct":
            if isSymbol("{") {
                return .inline(.structure(try parseStructBody(context: context)), location)
            }
            return .specifier(.named(try identifier()))
        case "union":
            if isKeyword("switch") {
                let body = try parseUnionBody(context: context)
                return .inline(.union(discriminant: body.discriminant, arms: body.arms, defaultArm: body.defaultArm), location)
            }
            return .specifier(.named(try identifier()))
        case "opaque", "string", "void":
            throw GeneratorError("'\(word)' is only valid as a whole declaration", at: location)
        default:
            return .specifier(.named(word))
        }
    }

    private mutating func parseDeclaration(context: String) throws(GeneratorError) -> Declaration {
        let location = current.location
        if isKeyword("void") {
            advance()
            return Declaration(name: "", kind: .void, location: location)
        }
        if isKeyword("opaque") {
            advance()
            let name = try identifier()
            if acceptSymbol("[") {
                let size = try value()
                try expectSymbol("]")
                return Declaration(name: name, kind: .fixedOpaque(size), location: location)
            }
            return Declaration(name: name, kind: .variableOpaque(try parseBound()), location: location)
        }
        if isKeyword("string") {
            advance()
            let name = try identifier()
            return Declaration(name: name, kind: .string(try parseBound()), location: location)
        }
        let parsed = try parseTypeSpecifier(context: context)
        return try finishDeclaration(parsed, context: context, location: location)
    }

    private mutating func finishDeclaration(
        _ parsed: ParsedType, context: String, location: SourceLocation
    ) throws(GeneratorError) -> Declaration {
        let isOptional = acceptSymbol("*")
        let name = try identifier()
        let type: TypeSpecifier
        switch parsed {
        case .specifier(let specifier):
            type = specifier
        case .inline(let body, let bodyLocation):
            let hoistedName = context.isEmpty ? name : "\(context)_\(name)"
            hoisted.append(definition(named: hoistedName, body: body, location: bodyLocation))
            type = .named(hoistedName)
        }
        if isOptional {
            return Declaration(name: name, kind: .optional(type), location: location)
        }
        if acceptSymbol("[") {
            let size = try value()
            try expectSymbol("]")
            return Declaration(name: name, kind: .fixedArray(type, size), location: location)
        }
        if isSymbol("<") {
            return Declaration(name: name, kind: .variableArray(type, try parseBound()), location: location)
        }
        return Declaration(name: name, kind: .plain(type), location: location)
    }

    private mutating func parseBound() throws(GeneratorError) -> Value? {
        try expectSymbol("<")
        if acceptSymbol(">") {
            return nil
        }
        let bound = try value()
        try expectSymbol(">")
        return bound
    }

    private func definition(named name: String, body: InlineBody, location: SourceLocation) -> Definition {
        switch body {
        case .structure(let fields):
            return .structure(StructDefinition(name: name, fields: fields, location: location))
        case .union(let discriminant, let arms, let defaultArm):
            return .union(
                UnionDefinition(
                    name: name, discriminant: discriminant, arms: arms, defaultArm: defaultArm, location: location))
        case .enumeration(let members):
            return .enumeration(EnumDefinition(name: name, members: members, location: location))
        }
    }

    // MARK: Programs

    private mutating func parseProgram(location: SourceLocation) throws(GeneratorError) -> ProgramDefinition {
        let name = try identifier()
        try expectSymbol("{")
        var versions: [VersionDefinition] = []
        repeat {
            let versionLocation = current.location
            try expectKeyword("version")
            let versionName = try identifier()
            try expectSymbol("{")
            var procedures: [ProcedureDefinition] = []
            repeat {
                procedures.append(try parseProcedure())
            } while !isSymbol("}")
            try expectSymbol("}")
            try expectSymbol("=")
            let number = try value()
            try expectSymbol(";")
            versions.append(
                VersionDefinition(name: versionName, procedures: procedures, number: number, location: versionLocation))
        } while !isSymbol("}")
        try expectSymbol("}")
        try expectSymbol("=")
        let number = try value()
        try expectSymbol(";")
        return ProgramDefinition(name: name, versions: versions, number: number, location: location)
    }

    private mutating func parseProcedure() throws(GeneratorError) -> ProcedureDefinition {
        let location = current.location
        let result = try parseProcedureType()
        let name = try identifier()
        try expectSymbol("(")
        var arguments: [TypeSpecifier] = []
        if let first = try parseProcedureType() {
            arguments.append(first)
            while acceptSymbol(",") {
                guard let next = try parseProcedureType() else {
                    throw GeneratorError("void is only valid as the sole argument", at: current.location)
                }
                arguments.append(next)
            }
        }
        try expectSymbol(")")
        try expectSymbol("=")
        let number = try value()
        try expectSymbol(";")
        return ProcedureDefinition(name: name, result: result, arguments: arguments, number: number, location: location)
    }

    private mutating func parseProcedureType() throws(GeneratorError) -> TypeSpecifier? {
        if isKeyword("void") {
            advance()
            return nil
        }
        let location = current.location
        // RFC 1833 writes `string RPCBPROC_GETADDR(rpcb)`: an unbounded string, named as such.
        if isKeyword("string") {
            advance()
            return .named("string")
        }
        guard case .specifier(let type) = try parseTypeSpecifier() else {
            throw GeneratorError("procedure arguments and results must be named types", at: location)
        }
        return type
    }
}
