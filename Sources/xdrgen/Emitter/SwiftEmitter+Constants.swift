extension SwiftEmitter {
    /// `const` definitions, as static members of `<Prefix>Constants`.
    func emitConstants(into out: inout SourceBuilder) throws {
        let constants = specification.definitions.compactMap { definition -> ConstantDefinition? in
            if case .constant(let constant) = definition { return constant }
            return nil
        }
        guard !constants.isEmpty else { return }
        out.line()
        out.doc("The `const` definitions of the specification.")
        try out.block("\(access)enum \(options.naming.prefix)Constants") { out in
            var used: Set<String> = []
            for (index, constant) in constants.enumerated() {
                let name = naming.constantName(constant.name)
                guard used.insert(name).inserted else {
                    throw GeneratorError("constant '\(constant.name)' has the same Swift name as another", at: constant.location)
                }
                let value = try symbols.value(constant.value, at: constant.location)
                if index > 0 { out.line() }
                out.doc("`const \(constant.name) = \(specText(constant.value))`")
                out.line("@inlinable")
                out.line("\(access)static var \(SwiftNaming.escaped(name)): \(integerType(for: value)) { \(value) }")
            }
        }
    }
}
