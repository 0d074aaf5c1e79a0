/// One top-level definition of a specification, in source order.
enum Definition: Equatable {
    case constant(ConstantDefinition)
    case enumeration(EnumDefinition)
    case structure(StructDefinition)
    case union(UnionDefinition)
    case typedef(TypedefDefinition)
    case program(ProgramDefinition)

    var name: String {
        switch self {
        case .constant(let definition): return definition.name
        case .enumeration(let definition): return definition.name
        case .structure(let definition): return definition.name
        case .union(let definition): return definition.name
        case .typedef(let definition): return definition.declaration.name
        case .program(let definition): return definition.name
        }
    }
}
