extension SwiftEmitter {
    private struct UnionCase {
        var name: String
        var label: Int64
        var labelText: String
        var arm: Declaration
        var shape: Shape
    }

    private enum DiscriminantKind {
        case enumeration(String)
        case bool
        case int
        case unsignedInt
    }

    /// A `union` as a Swift enum with one case per label (payload: the arm) and, for `default`, a case that
    /// carries the discriminant. A bool-switched union with one void arm is an `Optional` of the other arm.
    func emitUnion(_ union: UnionDefinition, into out: inout SourceBuilder) throws {
        let type = naming.typeName(union.name)
        if symbols.optionalUnions.contains(union.name), let arm = union.arms.first {
            out.doc(
                "`union \(union.name) switch (\(specText(union.discriminant)))`: `\(specText(arm.declaration))` "
                    + "when TRUE, nothing when FALSE.\nThe same on the wire as optional data, so it is an `Optional`.")
            out.line("\(access)typealias \(type) = \(try spelledType(arm.declaration))?")
            return
        }
        let discriminantShape = try symbols.shape(of: union.discriminant)
        let kind: DiscriminantKind
        let discriminantType: String
        switch discriminantShape {
        case .enumeration(let name):
            kind = .enumeration(name)
            discriminantType = naming.typeName(name)
        case .bool:
            kind = .bool
            discriminantType = "Bool"
        case .int32:
            kind = .int
            discriminantType = "Int32"
        case .uint32:
            kind = .unsignedInt
            discriminantType = "UInt32"
        default:
            throw GeneratorError("a union discriminant must be an int, unsigned int, bool or enum", at: union.location)
        }

        var cases: [UnionCase] = []
        for arm in union.arms {
            let shape = try symbols.shape(of: arm.declaration)
            for label in arm.labels {
                let number = try symbols.value(label, at: union.location)
                let name = try caseName(label: label, value: number, kind: kind, at: union.location)
                cases.append(UnionCase(name: name, label: number, labelText: specText(label), arm: arm.declaration, shape: shape))
            }
        }
        guard Set(cases.map(\.label)).count == cases.count else {
            throw GeneratorError("union '\(union.name)' lists a label twice", at: union.location)
        }
        let defaultName = union.defaultArm.map { arm in arm.kind == .void ? "default" : naming.fieldName(arm.name) }
        let defaultShape = try union.defaultArm.map { try symbols.shape(of: $0) }
        var allNames = cases.map(\.name)
        if let defaultName { allNames.append(defaultName) }
        guard Set(allNames).count == allNames.count else {
            throw GeneratorError("cases of union '\(union.name)' do not have distinct Swift names", at: union.location)
        }
        var discriminantName = naming.fieldName(union.discriminant.name)
        if allNames.contains(discriminantName) {
            discriminantName = "discriminant"
        }

        func literal(_ value: Int64) -> String {
            switch kind {
            case .enumeration(let name): return "\(naming.typeName(name))(rawValue: \(value))"
            case .bool: return value == 0 ? "false" : "true"
            case .int, .unsignedInt: return String(value)
            }
        }
        func writeDiscriminant(_ value: String) -> String {
            switch kind {
            case .enumeration: return "try writer.writeInt32(\(value))"
            case .bool: return "try writer.writeBool(\(value))"
            case .int: return "try writer.writeInt32(\(value))"
            case .unsignedInt: return "try writer.writeUInt32(\(value))"
            }
        }
        func writeLabel(_ value: Int64) -> String {
            if case .bool = kind { return writeDiscriminant(value == 0 ? "false" : "true") }
            return writeDiscriminant(String(value))
        }

        let holdsView = symbols.holdsView(.union(union.name))
        out.doc("`union \(union.name) switch (\(specText(union.discriminant)))`")
        try out.block("\(access)enum \(type): \(conformances(holdsView: holdsView))") { out in
            for unionCase in cases {
                out.doc("`case \(unionCase.labelText): \(specText(unionCase.arm))`")
                if unionCase.shape == .void {
                    out.line("case \(SwiftNaming.escaped(unionCase.name))")
                } else {
                    out.line("case \(SwiftNaming.escaped(unionCase.name))(\(try spelledType(unionCase.arm)))")
                }
            }
            if let arm = union.defaultArm, let defaultName {
                out.doc("`default: \(specText(arm))`, with the discriminant")
                if arm.kind == .void {
                    out.line("case \(SwiftNaming.escaped(defaultName))(\(discriminantType))")
                } else {
                    out.line("case \(SwiftNaming.escaped(defaultName))(\(discriminantType), \(try spelledType(arm)))")
                }
            }

            out.line()
            out.doc("`\(specText(union.discriminant))`")
            out.block("\(access)var \(SwiftNaming.escaped(discriminantName)): \(discriminantType)") { out in
                out.switchBlock("self") { out in
                    for unionCase in cases {
                        out.line("case .\(SwiftNaming.escaped(unionCase.name)): return \(literal(unionCase.label))")
                    }
                    if let arm = union.defaultArm, let defaultName {
                        let pattern = arm.kind == .void ? "(let value)" : "(let value, _)"
                        out.line("case .\(SwiftNaming.escaped(defaultName))\(pattern): return value")
                    }
                }
            }

            out.line()
            out.line("@inlinable")
            try out.block("\(access)init(from reader: inout XDRReader) throws(XDRError)") { out in
                switch kind {
                case .bool: out.line("let discriminant: Int32 = try reader.readBool() ? 1 : 0")
                case .unsignedInt: out.line("let discriminant = try reader.readUInt32()")
                case .enumeration, .int: out.line("let discriminant = try reader.readInt32()")
                }
                try out.switchBlock("discriminant") { out in
                    for unionCase in cases {
                        if unionCase.shape == .void {
                            out.line("case \(unionCase.label): self = .\(SwiftNaming.escaped(unionCase.name))")
                        } else {
                            let expression = try decodeExpression(unionCase.shape, reader: "reader", depth: 0)
                            out.line("case \(unionCase.label): self = .\(SwiftNaming.escaped(unionCase.name))(\(expression))")
                        }
                    }
                    if let defaultShape, let defaultName {
                        let value: String
                        switch kind {
                        case .enumeration(let name): value = "\(naming.typeName(name))(rawValue: discriminant)"
                        case .bool: value = "discriminant == 1"
                        case .int, .unsignedInt: value = "discriminant"
                        }
                        if defaultShape == .void {
                            out.line("default: self = .\(SwiftNaming.escaped(defaultName))(\(value))")
                        } else {
                            let expression = try decodeExpression(defaultShape, reader: "reader", depth: 0)
                            out.line("default: self = .\(SwiftNaming.escaped(defaultName))(\(value), \(expression))")
                        }
                    } else {
                        out.line("default: throw .badDiscriminant(Int64(discriminant))")
                    }
                }
            }

            out.line()
            out.line("@inlinable")
            try out.block("\(access)func encode(to writer: inout XDRWriter) throws(XDRError)") { out in
                try out.switchBlock("self") { out in
                    for unionCase in cases {
                        if unionCase.shape == .void {
                            out.line("case .\(SwiftNaming.escaped(unionCase.name)):")
                            out.line("    \(writeLabel(unionCase.label))")
                        } else {
                            out.line("case .\(SwiftNaming.escaped(unionCase.name))(let value):")
                            out.line("    \(writeLabel(unionCase.label))")
                            out.line("    \(try encodeStatement(unionCase.shape, value: "value", writer: "writer", depth: 0))")
                        }
                    }
                    if let defaultShape, let defaultName {
                        let pattern = defaultShape == .void ? "(let discriminant)" : "(let discriminant, let value)"
                        out.line("case .\(SwiftNaming.escaped(defaultName))\(pattern):")
                        let raw: String
                        switch kind {
                        case .enumeration: raw = "discriminant.rawValue"
                        case .bool: raw = "(discriminant ? 1 : 0)"
                        case .int, .unsignedInt: raw = "discriminant"
                        }
                        if !cases.isEmpty {
                            let labels = cases.map { String($0.label) }.joined(separator: ", ")
                            out.line("    // A default arm must not reuse a label of an explicit arm.")
                            out.line("    switch \(raw) {")
                            out.line("    case \(labels): throw .badDiscriminant(Int64(\(raw)))")
                            out.line("    default: break")
                            out.line("    }")
                        }
                        switch kind {
                        case .enumeration: out.line("    " + writeDiscriminant("discriminant.rawValue"))
                        case .bool, .int, .unsignedInt: out.line("    " + writeDiscriminant("discriminant"))
                        }
                        if defaultShape != .void {
                            out.line("    \(try encodeStatement(defaultShape, value: "value", writer: "writer", depth: 0))")
                        }
                    }
                }
            }

            out.line()
            out.line("@inlinable")
            out.block("\(access)var xdrEncodedSize: Int") { out in
                out.switchBlock("self") { out in
                    for unionCase in cases {
                        if unionCase.shape == .void {
                            out.line("case .\(SwiftNaming.escaped(unionCase.name)): return 4")
                        } else {
                            if let fixed = symbols.fixedSize(unionCase.shape) {
                                out.line("case .\(SwiftNaming.escaped(unionCase.name)): return \(4 + fixed)")
                            } else {
                                let size = sizeExpression(unionCase.shape, value: "value", depth: 0)
                                out.line("case .\(SwiftNaming.escaped(unionCase.name))(let value): return 4 + \(size)")
                            }
                        }
                    }
                    if let defaultShape, let defaultName {
                        if defaultShape == .void {
                            out.line("case .\(SwiftNaming.escaped(defaultName)): return 4")
                        } else {
                            if let fixed = symbols.fixedSize(defaultShape) {
                                out.line("case .\(SwiftNaming.escaped(defaultName)): return \(4 + fixed)")
                            } else {
                                let size = sizeExpression(defaultShape, value: "value", depth: 0)
                                out.line("case .\(SwiftNaming.escaped(defaultName))(_, let value): return 4 + \(size)")
                            }
                        }
                    }
                }
            }
        }
    }

    private func caseName(label: Value, value: Int64, kind: DiscriminantKind, at location: SourceLocation) throws -> String {
        switch kind {
        case .bool:
            guard value == 0 || value == 1 else {
                throw GeneratorError("a bool union label must be TRUE or FALSE", at: location)
            }
            return value == 1 ? "true" : "false"
        case .enumeration(let name):
            guard case .enumeration(let enumeration) = symbols.types[name] else { break }
            let names = try naming.memberNames(enumeration.members.map(\.name))
            for (member, memberName) in zip(enumeration.members, names) {
                if case .named(let labelName) = label, labelName == member.name {
                    return memberName
                }
            }
            for (member, memberName) in zip(enumeration.members, names)
            where (try? symbols.value(member.value, at: location)) == value {
                return memberName
            }
        case .int, .unsignedInt:
            if case .named(let labelName) = label {
                return naming.constantName(labelName)
            }
        }
        return value < 0 ? "caseMinus\(-value)" : "case\(value)"
    }
}
