import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The directory a download round streams key files into before matching them.
enum DownloadDirectory {
    /// Where rounds put their files without systemd's `CacheDirectory=`: beside the store.
    static func inStateDirectory(_ state: String) -> String { state + "/downloads" }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Creates `path` (0700) if needed and removes what an earlier round left in it.
    static func prepare(_ path: String) throws(Failure) {
        if mkdir(path, 0o700) != 0 && errno != EEXIST {
            throw Failure(description: "cannot create the download directory \(path): \(String(cString: strerror(errno)))")
        }
        var info = stat()
        guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
            throw Failure(description: "the download directory \(path) is not a directory")
        }
        empty(path)
    }

    /// Removes the round's files (only the `N.zip` it writes).
    static func empty(_ path: String) {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        where name.hasSuffix(".zip") && name.dropLast(4).allSatisfy(\.isNumber) {
            unlink("\(path)/\(name)")
        }
    }
}
