extension SwiftEmitter {
    /// An `enum` as an open `RawRepresentable` struct with static members, so a value the specification does
    /// not list still decodes and stays representable.
    func emitEnum(_ enumeration: EnumDefinition, into out: inout SourceBuilder) throws {
        let type = naming.typeName(enumeration.name)
        let names = try naming.memberNames(enumeration.members.map(\.name))
        out.doc("`enum \(enumeration.name)`")
        try out.block("\(access)struct \(type): RawRepresentable, XDRCodable, Hashable, Sendable, CustomStringConvertible") { out in
            out.line("\(access)var rawValue: Int32")
            out.line()
            out.line("@inlinable")
            out.block("\(access)init(rawValue: Int32)") { out in
                out.line("self.rawValue = rawValue")
            }
            var values: [Int64] = []
            for (member, name) in zip(enumeration.members, names) {
                let value = try symbols.value(member.value, at: member.location)
                guard let raw = Int32(exactly: value) else {
                    throw GeneratorError("enum value \(value) is not an int", at: member.location)
                }
                values.append(value)
                out.line()
                out.doc("`\(member.name) = \(specText(member.value))`")
                out.line("@inlinable")
                out.line("\(access)static var \(SwiftNaming.escaped(name)): \(type) { \(type)(rawValue: \(raw)) }")
            }
            out.line()
            out.doc("The specification's name, or the type's name and the raw value for an unlisted value.")
            out.block("\(access)var description: String") { out in
                out.switchBlock("rawValue") { out in
                    var seen: Set<Int64> = []
                    for (member, value) in zip(enumeration.members, values) where seen.insert(value).inserted {
                        out.line("case \(value): return \"\(member.name)\"")
                    }
                    out.line("default: return \"\(enumeration.name)(\\(rawValue))\"")
                }
            }
            out.line()
            out.line("@inlinable")
            out.block("\(access)init(from reader: inout XDRReader) throws(XDRError)") { out in
                out.line("rawValue = try reader.readInt32()")
            }
            out.line()
            out.line("@inlinable")
            out.block("\(access)func encode(to writer: inout XDRWriter) throws(XDRError)") { out in
                out.line("try writer.writeInt32(rawValue)")
            }
            out.line()
            out.line("@inlinable")
            out.line("\(access)var xdrEncodedSize: Int { 4 }")
        }
    }
}
