/// A parsed `.x` file: its definitions in source order, hoisted inline types right after their parent.
struct Specification: Equatable {
    var definitions: [Definition]
}
