/// What the command line asked for.
struct GeneratorOptions {
    /// The input path as given, printed in the generated header.
    var input: String
    var output: String?
    /// `public`, `package` or `internal`.
    var access = "public"
    /// Modules imported besides XDR.
    var imports: [String] = []
    var naming = SwiftNaming(prefix: "", stripSuffix: nil, stripTypeWords: [], stripMemberWords: [])
}
