/// `version NAME { procedures } = number;`
struct VersionDefinition: Equatable {
    var name: String
    var procedures: [ProcedureDefinition]
    var number: Value
    var location: SourceLocation
}
