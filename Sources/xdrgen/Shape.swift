/// What a declaration is on the wire once typedefs are resolved: what the emitter generates code from.
indirect enum Shape: Equatable {
    case void
    case int32
    case uint32
    case int64
    case uint64
    case bool
    case float
    case double
    /// An `enum` definition, by spec name.
    case enumeration(String)
    /// A `struct` definition, by spec name.
    case structure(String)
    /// A `union` definition, by spec name.
    case union(String)
    /// A bool-switched union with one void arm (`post_op_attr`), generated as an `Optional` of its arm.
    case optionalUnion(String, Shape)
    case fixedOpaque(Int)
    case variableOpaque(UInt32?)
    case fixedArray(Shape, Int)
    case variableArray(Shape, UInt32?)
    /// `T *name` that is not a list link.
    case optional(Shape)
    /// `T *name` where `T` is a list node (a struct whose last field links to the next one): an array.
    case list(String)
}
