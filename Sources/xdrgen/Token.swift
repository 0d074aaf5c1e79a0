/// One lexical token of an XDR specification (RFC 4506 §6.2).
struct Token: Equatable {
    enum Kind: Equatable {
        case identifier(String)
        case number(Int64)
        /// One of `{ } ( ) [ ] < > ; , = : *`.
        case symbol(Character)
        case endOfFile
    }

    var kind: Kind
    var location: SourceLocation
}
