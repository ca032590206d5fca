import Durability

/// Why the contact store refused an operation. Messages say what to do; none carries key material,
/// RPIs or anything else recorded.
public enum StoreError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The disk holding the store is full: nothing of this write was stored; what was stored before is intact.
    case diskFull(directory: String)
    /// Another process (normally the running daemon) has the store open.
    case locked(directory: String)
    /// The store's key is not available: a systemd credential the CLI cannot read, or a missing key file.
    case keyUnavailable(String)
    /// The store's files are damaged beyond what SQLite recovers (or were written by a newer version).
    case corrupt(String)
    /// There is no contact store in this directory (nothing was created: the caller only reads).
    case noStore(directory: String)
    /// This user may not read (or change) the store's directory or files: what, and how.
    case permissionDenied(String)
    /// The state directory cannot be used (not a directory, cannot be created, …).
    case directory(String)
    /// The store was wiped; open it again to start afresh.
    case wiped
    /// Any other I/O or SQLite failure.
    case io(String)

    public var description: String {
        switch self {
        case .diskFull(let directory):
            "the disk holding \(directory) is full: the new records were not stored (everything stored before is intact); free some space"
        case .locked(let directory):
            "the contact store in \(directory) is in use by another process (is the bleagent daemon running?)"
        case .keyUnavailable(let detail): "the contact store's key is not available: \(detail)"
        case .corrupt(let detail): "the contact store is damaged: \(detail)"
        case .noStore(let directory):
            "no contact store in \(directory): the agent has not run here (check --state-dir / [agent] state_directory)"
        case .permissionDenied(let what): "\(what): permission denied (run as root or a member of the bleagent group)"
        case .directory(let detail): "the state directory cannot be used: \(detail)"
        case .wiped: "the contact store was wiped"
        case .io(let detail): "contact store I/O failed: \(detail)"
        }
    }
}


extension StoreError {
    /// A durable file write that failed, said as the store's error of the same kind.
    init(_ error: DurableFileError) {
        if error.isDiskFull {
            self = .diskFull(directory: error.path)
        } else if error.isPermissionDenied {
            self = .permissionDenied(error.description)
        } else {
            self = .io(error.description)
        }
    }
}
