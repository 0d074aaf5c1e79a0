import Glibc

/// A plugin file opened with dlopen, following swift-system's layering:
/// the C call, then a typed result.
///
/// Opened `RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE` and never closed: a Swift
/// plugin's metadata stays referenced by the runtime (DESIGN.md).
struct SharedObject {
    let path: String
    private let handle: UnsafeMutableRawPointer

    enum OpenError: Error {
        case missing
        case unreadable(String)
        case notLoadable(String)
    }

    static func open(_ path: String) -> Result<SharedObject, OpenError> {
        var info = stat()
        if stat(path, &info) != 0 {
            return .failure(errno == ENOENT ? .missing : .unreadable(String(cString: strerror(errno))))
        }
        if info.st_mode & S_IFMT == S_IFDIR { return .failure(.notLoadable("is a directory")) }
        guard access(path, R_OK) == 0 else { return .failure(.unreadable(String(cString: strerror(errno)))) }
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE) else {
            let message = dlerror().map { String(cString: $0) } ?? "dlopen failed"
            return .failure(.notLoadable(Self.shorten(message, path: path)))
        }
        return .success(SharedObject(path: path, handle: handle))
    }

    /// dlerror repeats the path; keep the reason.
    static func shorten(_ message: String, path: String) -> String {
        let prefix = path + ": "
        return message.hasPrefix(prefix) ? String(message.dropFirst(prefix.count)) : message
    }

    func symbol(_ name: String) -> UnsafeMutableRawPointer? {
        _ = dlerror()
        return dlsym(handle, name)
    }
}
