/// `struct name { declarations };`
struct StructDefinition: Equatable {
    var name: String
    var fields: [Declaration]
    var location: SourceLocation
}
