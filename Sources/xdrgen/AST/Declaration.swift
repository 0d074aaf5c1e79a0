/// A named declaration: a struct field, a union arm, a typedef (RFC 4506 §6.3 `declaration`).
struct Declaration: Equatable {
    enum Kind: Equatable {
        /// `void`
        case void
        /// `T name`
        case plain(TypeSpecifier)
        /// `T name[n]`
        case fixedArray(TypeSpecifier, Value)
        /// `T name<n>` or `T name<>`
        case variableArray(TypeSpecifier, Value?)
        /// `opaque name[n]`
        case fixedOpaque(Value)
        /// `opaque name<n>` or `opaque name<>`
        case variableOpaque(Value?)
        /// `string name<n>` or `string name<>`
        case string(Value?)
        /// `T *name`
        case optional(TypeSpecifier)
    }

    /// The declared name; empty for `void`.
    var name: String
    var kind: Kind
    var location: SourceLocation
}
