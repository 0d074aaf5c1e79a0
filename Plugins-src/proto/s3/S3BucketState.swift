import CChimera
import ChimeraPluginKit
import S3

/// A bucket as one loop knows it: its directory's handle once resolved, and
/// the staging directories under `<bucket>/.chimera-s3/` (same mount as every
/// key, so publishing is a RENAME that never crosses mounts).
final class S3BucketState {
    enum Staging: String {
        /// Uploads in progress, renamed onto their key when complete.
        case tmp
        /// One directory per multipart upload.
        case uploads
        /// Metadata sidecars, for modules without xattrs.
        case meta
    }

    static let stagingName = S3ObjectKey.reservedDirectory

    let name: String
    let path: String
    let anonymousRead: Bool
    /// Made by CreateBucket under bucket_root (may be deleted).
    let isDynamic: Bool
    var handle: S3Handle
    var attrs: chimera_attrs
    /// Keep metadata in a sidecar rather than xattrs.
    let usesSidecar: Bool
    private var stagingRoot: S3Handle?
    private var staging: [Staging: S3Handle] = [:]

    init(
        name: String,
        path: String,
        anonymousRead: Bool,
        isDynamic: Bool,
        handle: S3Handle,
        attrs: chimera_attrs,
        usesSidecar: Bool
    ) {
        self.name = name
        self.path = path
        self.anonymousRead = anonymousRead
        self.isDynamic = isDynamic
        self.handle = handle
        self.attrs = attrs
        self.usesSidecar = usesSidecar
    }

    /// The staging directory `kind`, made on first use.
    func stagingDirectory(
        _ kind: Staging,
        client: S3VFSClient,
        done: @escaping (Result<S3Handle, S3Error>) -> Void
    ) {
        if let known = staging[kind] {
            done(.success(known))
            return
        }
        let finish: (S3Handle) -> Void = { [self] root in
            stagingRoot = root
            // Every key stages here: world-writable and sticky (as /tmp), made
            // by the server so no one key owns it.
            S3BucketState.directory(kind.rawValue, in: root, mode: 0o1777, client: client.asServer) {
                [self] result in
                if case .success(let handle) = result { staging[kind] = handle }
                done(result)
            }
        }
        if let stagingRoot {
            finish(stagingRoot)
            return
        }
        S3BucketState.directory(S3BucketState.stagingName, in: handle, mode: 0o755, client: client.asServer) {
            result in
            switch result {
            case .success(let root): finish(root)
            case .failure(let error): done(.failure(error))
            }
        }
    }

    /// Forget a staging directory that went away (removed underneath).
    func forgetStaging() {
        stagingRoot = nil
        staging = [:]
    }

    /// Look up (or make) a hidden directory.
    static func directory(
        _ name: String,
        in parent: S3Handle,
        mode: UInt32 = 0o755,
        client: S3VFSClient,
        done: @escaping (Result<S3Handle, S3Error>) -> Void
    ) {
        client.lookup(name, in: parent, hidden: true) { found in
            if found.ok {
                done(
                    found.isDirectory
                        ? .success(found.handle) : .failure(S3Error(.internalError, "\(name) is not a directory"))
                )
                return
            }
            guard found.status == .noEntry else {
                done(.failure(S3StatusMapping.error(found.status)))
                return
            }
            client.mkdir(name, in: parent, hidden: true, mode: mode) { made in
                if made.ok {
                    done(.success(made.handle))
                } else if made.status == .exists {
                    client.lookup(name, in: parent, hidden: true) { again in
                        done(again.ok ? .success(again.handle) : .failure(S3StatusMapping.error(again.status)))
                    }
                } else {
                    done(.failure(S3StatusMapping.error(made.status)))
                }
            }
        }
    }
}
