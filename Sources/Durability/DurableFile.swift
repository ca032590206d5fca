import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Files that must survive a power cut once a write returns: the agent's state files, the store's
/// key files, the server's secrets, exports and uploaded logs.
///
/// A write goes to a temporary file in the same folder, is fsynced, renamed over the target, and the
/// folder is fsynced: after a cut, readers see the old content or the new, never a part, and once
/// `write` has returned the new content is on the disk. Folders it creates are made durable too
/// (each new folder's parent is fsynced), so a file is never lost with a folder entry the disk
/// never saw.
public enum DurableFile {
    /// Writes `bytes` to `path` whole (see the type's comment). Missing folders are created with
    /// `folderMode` if `createFolders`, else the write fails (a mistyped state folder is not made).
    public static func write(_ bytes: some DataProtocol, to path: String, mode: mode_t = 0o600,
                             createFolders create: Bool = true, folderMode: mode_t = 0o700) throws(DurableFileError) {
        let folder = parentFolder(of: path)
        if create { try createFolders(folder, mode: folderMode) }
        // Per process and per call: two writers of the same file never share a temporary.
        let temporary = "\(folder)/.\(lastComponent(of: path)).\(getpid()).\(UInt32.random(in: 0 ... .max)).tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw .failed(.create, path: temporary, errno: errno) }
        do throws(DurableFileError) {
            try writeAll(bytes, to: descriptor, path: temporary)
            // The mode asked for, whatever the umask left of it.
            guard fchmod(descriptor, mode) == 0 else { throw .failed(.write, path: temporary, errno: errno) }
            guard fsync(descriptor) == 0 else { throw .failed(.sync, path: temporary, errno: errno) }
        } catch {
            close(descriptor)
            unlink(temporary)
            throw error
        }
        close(descriptor)
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw .failed(.rename, path: path, errno: code)
        }
        try syncFolder(folder)
    }

    /// Removes `path` (if it exists) durably: the folder is fsynced after the unlink.
    public static func remove(_ path: String) throws(DurableFileError) {
        guard unlink(path) == 0 else {
            if errno == ENOENT { return }
            throw .failed(.remove, path: path, errno: errno)
        }
        try syncFolder(parentFolder(of: path))
    }

    /// Makes a change of `folder`'s entries (create, rename, unlink) durable.
    public static func syncFolder(_ folder: String) throws(DurableFileError) {
        let descriptor = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .failed(.sync, path: folder, errno: errno) }
        defer { close(descriptor) }
        // EINVAL: a file system that cannot sync folders (some FUSE and 9p mounts); nothing to do there.
        guard fsync(descriptor) == 0 || errno == EINVAL else { throw .failed(.sync, path: folder, errno: errno) }
    }

    /// Creates `folder` and its missing parents with `mode`, each made durable in its parent.
    public static func createFolders(_ folder: String, mode: mode_t = 0o700) throws(DurableFileError) {
        var missing: [String] = []
        var current = folder
        while !current.isEmpty, current != "/", !exists(current) {
            missing.append(current)
            current = parentFolder(of: current)
        }
        for path in missing.reversed() {
            if mkdir(path, mode) == 0 {
                // The mode asked for, whatever the umask left of it.
                guard chmod(path, mode) == 0 else { throw .failed(.create, path: path, errno: errno) }
            } else if errno != EEXIST {
                throw .failed(.create, path: path, errno: errno)
            }
            try syncFolder(parentFolder(of: path))
        }
    }

    /// Temporary files a write of `path` cut short (a crash between create and rename) left behind.
    /// They may hold what `path` was to hold: whoever wipes `path` wipes these too.
    public static func leftoverTemporaries(of path: String) -> [String] {
        let folder = parentFolder(of: path)
        let prefix = ".\(lastComponent(of: path))."
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return [] }
        return names.filter { $0.hasPrefix(prefix) && $0.hasSuffix(".tmp") }.sorted().map { "\(folder)/\($0)" }
    }

    static func writeAll(_ bytes: some DataProtocol, to descriptor: Int32, path: String) throws(DurableFileError) {
        for region in bytes.regions {
            var failure: Int32?
            region.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count, let base = raw.baseAddress {
                    let written = Glibc.write(descriptor, base + offset, raw.count - offset)
                    if written < 0 {
                        if errno == EINTR { continue }
                        failure = errno
                        return
                    }
                    offset += written
                }
            }
            if let failure { throw .failed(.write, path: path, errno: failure) }
        }
    }

    static func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }

    static func parentFolder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    static func lastComponent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }
}
