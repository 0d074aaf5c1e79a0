import NFS3
import XDR

/// The WRITE / COMMIT verifier (RFC 1813 §3.3.7): eight random bytes chosen when the plugin starts. A client
/// that sees it change knows the server restarted and may have lost UNSTABLE writes, and sends them again.
enum WriteVerifier {
    static func make() -> NFS3Writeverf {
        var generator = SystemRandomNumberGenerator()
        return NFS3Writeverf(bigEndian: generator.next())
    }
}
