/// The type part of a declaration (RFC 4506 §6.3 `type-specifier`). Inline `struct`, `union` and `enum`
/// bodies are hoisted by the parser into definitions of their own and referenced by name.
enum TypeSpecifier: Equatable {
    case int
    case unsignedInt
    case hyper
    case unsignedHyper
    case float
    case double
    case bool
    case named(String)
}
