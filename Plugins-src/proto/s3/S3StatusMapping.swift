import ChimeraPluginKit
import S3

/// The one table from VFS status to S3 error (STYLE.md rule 3). `missing`
/// is what NOENT means where it happened (NoSuchKey, NoSuchBucket,
/// NoSuchUpload).
enum S3StatusMapping {
    static let insufficientStorage = S3ErrorCode(
        code: "InsufficientStorage",
        httpStatus: 507,
        defaultMessage: "There is not enough space left to store the object."
    )
    /// A key whose path runs into an object of the other kind (`a` is a file and `a/b` is asked for, or the
    /// reverse): file system paths cannot hold both.
    static let keyConflict = S3ErrorCode(
        code: "KeyConflict",
        httpStatus: 409,
        defaultMessage: "The key conflicts with an existing object or directory along its path."
    )

    static func error(_ status: VFSStatus, missing: S3ErrorCode = .noSuchKey, resource: String? = nil) -> S3Error {
        let code: S3ErrorCode
        switch status {
        case .noEntry, .stale: code = missing
        case .access, .permission, .readOnly: code = .accessDenied
        case .noSpace, .quota: code = insufficientStorage
        case .fileTooBig: code = .entityTooLarge
        case .nameTooLong: code = .keyTooLong
        case .exists, .notDirectory, .isDirectory, .notEmpty: code = keyConflict
        case .delay, .again, .timedOut: code = .slowDown
        case .invalid: code = .invalidArgument
        default: code = .internalError
        }
        var error = S3Error(code)
        if code == .internalError { error.message = "The storage answered \(status)." }
        error.resource = resource
        return error
    }
}
