import ContactStore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Forgetting with the daemon down: everything the agent keeps in its state directory — the contact
/// store, a pending registration (its processing number), a download round's key files. The
/// daemon's `Forget()` deletes the same (`AgentDaemon.withdrawConsent`).
enum LocalForget {
    /// What is in `directory`, as far as this user can tell.
    enum Presence {
        case nothing
        case store
        /// The directory is there but this user may not change it (or even look).
        case notPermitted
    }

    static func presence(of directory: StoreDirectory) -> Presence {
        var info = stat()
        if stat(directory.path, &info) != 0 { return errno == EACCES ? .notPermitted : .nothing }
        guard access(directory.path, R_OK | W_OK | X_OK) == 0 else { return .notPermitted }
        let pending = FileManager.default.fileExists(atPath: PendingRegistration.path(in: directory.path))
        return directory.exists || pending ? .store : .nothing
    }

    static func wipe(_ directory: StoreDirectory) throws(StoreError) {
        try ContactStore.wipe(directory)
        PendingRegistration.clear(directory: directory.path)
        DownloadDirectory.empty(DownloadDirectory.inStateDirectory(directory.path))
    }
}
