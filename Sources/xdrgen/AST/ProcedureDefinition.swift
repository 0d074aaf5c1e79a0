/// `result NAME(argument) = number;` inside a version (RFC 5531 §12.2). `nil` is `void`.
struct ProcedureDefinition: Equatable {
    var name: String
    var result: TypeSpecifier?
    var arguments: [TypeSpecifier]
    var number: Value
    var location: SourceLocation
}
