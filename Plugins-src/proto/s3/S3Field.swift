/// A header-like name and value.
struct S3Field: Equatable {
    var name: String
    var value: String
}
