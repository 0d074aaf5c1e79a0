extension SwiftEmitter {
    /// A `program` as a namespace with its number, one nested `V<n>` namespace per version, and the version's
    /// procedure numbers as an open `Procedure` struct.
    func emitProgram(_ program: ProgramDefinition, into out: inout SourceBuilder) throws {
        let programs = specification.definitions.filter { if case .program = $0 { return true } else { return false } }
        let type = programs.count == 1 ? naming.prefix + "Program" : naming.typeName(program.name)
        let number = try symbols.value(program.number, at: program.location)
        guard let programNumber = UInt32(exactly: number) else {
            throw GeneratorError("program number \(number) is not an unsigned int", at: program.location)
        }
        out.doc("`program \(program.name) = \(specText(program.number))`")
        try out.block("\(access)enum \(type)") { out in
            out.doc("The program number, \(programNumber).")
            out.line("@inlinable")
            out.line("\(access)static var number: UInt32 { \(programNumber) }")
            for version in program.versions {
                out.line()
                try emitVersion(version, into: &out)
            }
        }
    }

    private func emitVersion(_ version: VersionDefinition, into out: inout SourceBuilder) throws {
        let number = try symbols.value(version.number, at: version.location)
        guard let versionNumber = UInt32(exactly: number) else {
            throw GeneratorError("version number \(number) is not an unsigned int", at: version.location)
        }
        let names = try naming.memberNames(version.procedures.map(\.name))
        let numbers = try version.procedures.map { procedure -> UInt32 in
            let value = try symbols.value(procedure.number, at: procedure.location)
            guard let number = UInt32(exactly: value) else {
                throw GeneratorError("procedure number \(value) is not an unsigned int", at: procedure.location)
            }
            return number
        }
        guard Set(numbers).count == numbers.count else {
            throw GeneratorError("version '\(version.name)' numbers two procedures alike", at: version.location)
        }
        out.doc("`version \(version.name) = \(specText(version.number))`")
        out.block("\(access)enum V\(versionNumber)") { out in
            out.doc("The version number, \(versionNumber).")
            out.line("@inlinable")
            out.line("\(access)static var number: UInt32 { \(versionNumber) }")
            out.line()
            out.doc("The procedures of `\(version.name)`; an unlisted number stays representable.")
            out.block("\(access)struct Procedure: RawRepresentable, Hashable, Sendable, CustomStringConvertible") { out in
                out.line("\(access)var rawValue: UInt32")
                out.line()
                out.line("@inlinable")
                out.block("\(access)init(rawValue: UInt32)") { out in
                    out.line("self.rawValue = rawValue")
                }
                for (procedure, (name, number)) in zip(version.procedures, zip(names, numbers)) {
                    let result = procedure.result.map(specText) ?? "void"
                    let arguments = procedure.arguments.isEmpty ? "void" : procedure.arguments.map(specText).joined(separator: ", ")
                    out.line()
                    out.doc("`\(result) \(procedure.name)(\(arguments)) = \(specText(procedure.number))`")
                    out.line("@inlinable")
                    out.line("\(access)static var \(SwiftNaming.escaped(name)): Procedure { Procedure(rawValue: \(number)) }")
                }
                out.line()
                out.doc("Every procedure of the version, by number.")
                let all = zip(names, numbers).sorted { $0.1 < $1.1 }.map { ".\(SwiftNaming.escaped($0.0))" }
                out.line("\(access)static let all: [Procedure] = [\(all.joined(separator: ", "))]")
                out.line()
                out.doc("The specification's name, or the number for an unlisted procedure.")
                out.block("\(access)var description: String") { out in
                    out.switchBlock("rawValue") { out in
                        for (procedure, number) in zip(version.procedures, numbers) {
                            out.line("case \(number): return \"\(procedure.name)\"")
                        }
                        out.line("default: return \"\(version.name) procedure \\(rawValue)\"")
                    }
                }
            }
        }
    }
}
