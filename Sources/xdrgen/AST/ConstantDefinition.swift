/// `const NAME = value;`
struct ConstantDefinition: Equatable {
    var name: String
    var value: Value
    var location: SourceLocation
}
