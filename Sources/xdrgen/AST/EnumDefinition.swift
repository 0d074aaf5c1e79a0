/// `enum name { A = 1, B = 2 };`
struct EnumDefinition: Equatable {
    struct Member: Equatable {
        var name: String
        var value: Value
        var location: SourceLocation
    }

    var name: String
    var members: [Member]
    var location: SourceLocation
}
