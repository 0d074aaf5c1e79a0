/// `union name switch (discriminant) { case ...: arm; default: arm; };` (RFC 4506 §4.15).
struct UnionDefinition: Equatable {
    /// The case labels that share one arm (`case UNCHECKED: case GUARDED: sattr3 obj_attributes;`).
    struct Arm: Equatable {
        var labels: [Value]
        var declaration: Declaration
    }

    var name: String
    var discriminant: Declaration
    var arms: [Arm]
    var defaultArm: Declaration?
    var location: SourceLocation
}
