/// A constant in a specification: a number, or the name of a `const` or enum member.
enum Value: Equatable {
    case literal(Int64)
    case named(String)
}
