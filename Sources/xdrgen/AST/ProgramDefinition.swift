/// `program NAME { versions } = number;` (RFC 5531 §12.2).
struct ProgramDefinition: Equatable {
    var name: String
    var versions: [VersionDefinition]
    var number: Value
    var location: SourceLocation
}
