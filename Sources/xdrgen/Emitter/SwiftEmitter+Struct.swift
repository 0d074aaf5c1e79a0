extension SwiftEmitter {
    /// A `struct` as a Swift struct with one stored property per field. A list node's link field is left out:
    /// the array holding the nodes stands for it.
    func emitStruct(_ structure: StructDefinition, into out: inout SourceBuilder) throws {
        let type = naming.typeName(structure.name)
        let fields = symbols.fields(of: structure)
        let shapes = try fields.map { try symbols.shape(of: $0) }
        let names = fields.map { naming.fieldName($0.name) }
        guard Set(names).count == names.count else {
            throw GeneratorError("fields of '\(structure.name)' do not have distinct Swift names", at: structure.location)
        }
        let holdsView = symbols.holdsView(.structure(structure.name))
        var doc = "`struct \(structure.name)`"
        if let link = symbols.listLinks[structure.name] {
            doc += "\n\nAn element of a linked list: `\(structure.name) *\(link)` is the array that holds the elements."
        }
        out.doc(doc)
        try out.block("\(access)struct \(type): \(conformances(holdsView: holdsView))") { out in
            for (field, name) in zip(fields, names) {
                out.doc("`\(specText(field))`")
                out.line("\(access)var \(SwiftNaming.escaped(name)): \(try spelledType(field))")
                out.line()
            }
            let parameters = try zip(fields, names).map { field, name in
                "\(SwiftNaming.escaped(name)): \(try spelledType(field))"
            }
            out.line("@inlinable")
            out.block("\(access)init(\(parameters.joined(separator: ", ")))") { out in
                for name in names {
                    out.line("self.\(SwiftNaming.escaped(name)) = \(SwiftNaming.escaped(name))")
                }
            }
            out.line()
            out.line("@inlinable")
            try out.block("\(access)init(from reader: inout XDRReader) throws(XDRError)") { out in
                for (shape, name) in zip(shapes, names) {
                    let expression = try decodeExpression(shape, reader: "reader", depth: 0)
                    out.line("self.\(SwiftNaming.escaped(name)) = \(expression)")
                }
            }
            out.line()
            out.line("@inlinable")
            try out.block("\(access)func encode(to writer: inout XDRWriter) throws(XDRError)") { out in
                for (shape, name) in zip(shapes, names) {
                    out.line(try encodeStatement(shape, value: "self.\(SwiftNaming.escaped(name))", writer: "writer", depth: 0))
                }
            }
            out.line()
            out.line("@inlinable")
            if let fixed = symbols.fixedSize(.structure(structure.name)) {
                out.line("\(access)var xdrEncodedSize: Int { \(fixed) }")
            } else {
                var constant = 0
                var terms: [String] = []
                for (shape, name) in zip(shapes, names) {
                    if let fixed = symbols.fixedSize(shape) {
                        constant += fixed
                    } else {
                        terms.append(sizeExpression(shape, value: "self.\(SwiftNaming.escaped(name))", depth: 0))
                    }
                }
                if constant > 0 || terms.isEmpty {
                    terms.insert(String(constant), at: 0)
                }
                out.block("\(access)var xdrEncodedSize: Int") { out in
                    out.line(terms.joined(separator: " + "))
                }
            }
        }
    }
}
