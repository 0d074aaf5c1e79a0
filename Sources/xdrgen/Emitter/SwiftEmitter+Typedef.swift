extension SwiftEmitter {
    /// A `typedef` as a `typealias`. When the Swift type alone does not carry the declaration's rules (a bound,
    /// a fixed count, list links) a `<Name>Codec` namespace decodes, encodes and sizes it with them.
    func emitTypedef(_ typedef: TypedefDefinition, into out: inout SourceBuilder) throws {
        let declaration = typedef.declaration
        let type = naming.typeName(declaration.name)
        let shape = try symbols.shape(of: declaration)
        guard shape != .void else {
            throw GeneratorError("a typedef of void", at: declaration.location)
        }
        let underlying: String
        if case .plain(.named(let name)) = declaration.kind, case .typedef = symbols.types[name] {
            underlying = naming.typeName(name)
        } else {
            underlying = swiftType(shape)
        }
        out.doc("`typedef \(specText(declaration))`")
        out.line("\(access)typealias \(type) = \(underlying)")

        let needsCodec: Bool
        switch shape {
        case .variableOpaque(let bound): needsCodec = bound != nil
        case .fixedArray, .variableArray, .list, .optional: needsCodec = true
        default: needsCodec = false
        }
        guard needsCodec else { return }
        out.line()
        out.doc("Reads and writes `\(declaration.name)` (`\(specText(declaration))`) with its rules.")
        try out.block("\(access)enum \(type)Codec") { out in
            out.line("@inlinable")
            try out.block("\(access)static func decode(from reader: inout XDRReader) throws(XDRError) -> \(type)") { out in
                out.line("return \(try decodeExpression(shape, reader: "reader", depth: 0))")
            }
            out.line()
            out.line("@inlinable")
            try out.block("\(access)static func encode(_ value: \(type), to writer: inout XDRWriter) throws(XDRError)") { out in
                out.line(try encodeStatement(shape, value: "value", writer: "writer", depth: 0))
            }
            out.line()
            out.line("@inlinable")
            out.block("\(access)static func encodedSize(of value: \(type)) -> Int") { out in
                out.line("return \(sizeExpression(shape, value: "value", depth: 0))")
            }
        }
    }
}
