#if canImport(Glibc)
import Glibc
#endif

/// Why a durable write did not happen, with the path and the system's reason. The caller's file is
/// unchanged when this is thrown (the temporary is removed).
public enum DurableFileError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Step: String, Sendable {
        case create, write, sync, rename, remove
    }

    /// `step` failed on `path` with `errno`.
    case failed(Step, path: String, errno: Int32)

    public var path: String {
        switch self { case .failed(_, let path, _): path }
    }

    /// The disk (or the user's quota) is full: the write can succeed once space returns.
    public var isDiskFull: Bool {
        switch self { case .failed(_, _, let code): code == ENOSPC || code == EDQUOT }
    }

    /// This user may not write there.
    public var isPermissionDenied: Bool {
        switch self { case .failed(_, _, let code): code == EACCES || code == EPERM || code == EROFS }
    }

    public var description: String {
        switch self {
        case .failed(let step, let path, let code):
            let verb = switch step {
            case .create: "cannot create"
            case .write: "cannot write"
            case .sync: "cannot flush to disk"
            case .rename: "cannot replace"
            case .remove: "cannot remove"
            }
            return "\(verb) \(path): \(String(cString: strerror(code)))"
        }
    }
}
