/// A bucket owner's credential is per owner and per signing key (the key
/// is its principal).
struct S3OwnerKey: Hashable, Sendable {
    var uid: UInt32
    var gid: UInt32
    var key: String
}
