/// `typedef declaration;`: `declaration.name` is the new type's name.
struct TypedefDefinition: Equatable {
    var declaration: Declaration
}
