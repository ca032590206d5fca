import Durability
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The files of a contact store in its state directory (systemd's `StateDirectory=`, normally
/// /var/lib/bleagent), and the file operations the store needs to be crash-safe: exclusive lock,
/// durable writes, in-place overwrite before deletion.
public struct StoreDirectory: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    /// `$STATE_DIRECTORY` (set by systemd) or /var/lib/bleagent.
    public static func standard(environment: [String: String] = ProcessInfo.processInfo.environment) -> StoreDirectory {
        if let state = environment["STATE_DIRECTORY"]?.split(separator: ":").first { return StoreDirectory(path: String(state)) }
        return StoreDirectory(path: "/var/lib/bleagent")
    }

    var database: String { path + "/contacts.sqlite" }
    var keyFile: String { path + "/store.key" }
    var keySourceMarker: String { path + "/key-source" }
    var lockFile: String { path + "/lock" }
    func epochKeySlot(_ slot: Int) -> String { path + "/epoch-keys.\(slot == 0 ? "a" : "b")" }

    /// Every file the store may have written (the lock file last: wiping removes it after the rest).
    var allFiles: [String] {
        let keyFiles = [epochKeySlot(0), epochKeySlot(1), keyFile, keySourceMarker]
        // Temporaries of a write cut short: `.new` (earlier versions), `.NAME.*.tmp` (DurableFile).
        let leftovers = keyFiles.map { $0 + ".new" } + keyFiles.flatMap(DurableFile.leftoverTemporaries(of:))
        return [database, database + "-wal", database + "-shm"] + keyFiles + leftovers + [lockFile]
    }

    /// Bytes the store's files take on disk.
    public func sizeOnDisk() -> Int {
        allFiles.reduce(0) { total, file in
            var info = stat()
            return stat(file, &info) == 0 ? total + Int(info.st_blocks) * 512 : total
        }
    }

    /// Whether any store file exists here.
    public var exists: Bool { allFiles.dropLast().contains { FileManager.default.fileExists(atPath: $0) } }

    /// Creates the directory (0700) if needed and checks it is one.
    func prepare() throws(StoreError) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw .directory("\(path) is not a directory") }
        } else if mkdir(path, 0o700) != 0 && errno != EEXIST {
            throw .directory("cannot create \(path): \(String(cString: strerror(errno)))")
        }
        guard access(path, W_OK | X_OK) == 0 else {
            throw .directory("\(path) is not writable by this user (run as the bleagent user or root)")
        }
    }

    /// Checks, creating nothing, that a store is here and that this user may read it (and, with
    /// `writing`, change it): a missing folder or database is `.noStore`, a refused one
    /// `.permissionDenied`. What read-only verbs call before they open anything.
    public func checkStore(writing: Bool) throws(StoreError) {
        var info = stat()
        guard stat(path, &info) == 0 else {
            let code = errno
            if code == ENOENT || code == ENOTDIR { throw .noStore(directory: path) }
            if code == EACCES || code == EPERM { throw .permissionDenied("cannot read \(path)") }
            throw .io("\(path): \(String(cString: strerror(code)))")
        }
        guard (info.st_mode & S_IFMT) == S_IFDIR else { throw .directory("\(path) is not a directory") }
        guard access(path, R_OK | X_OK) == 0 else { throw .permissionDenied("cannot read \(path)") }
        guard FileManager.default.fileExists(atPath: database) else { throw .noStore(directory: path) }
        guard access(database, R_OK) == 0 else { throw .permissionDenied("cannot read \(database)") }
        if writing, access(path, W_OK) != 0 || access(database, W_OK) != 0 {
            throw .permissionDenied("cannot change \(path)")
        }
    }

    /// An exclusive lock on the store, held while the returned descriptor is open.
    ///
    /// A lock just released can still be held for a moment by a child another thread of this
    /// process is forking: the child shares the descriptor until it execs (O_CLOEXEC acts only
    /// then). So a busy lock is tried again for up to a second before the store is called in use.
    func lock() throws(StoreError) -> Int32 {
        let descriptor = open(lockFile, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .directory("cannot open \(lockFile): \(String(cString: strerror(errno)))") }
        for attempt in 0...50 {
            if flock(descriptor, LOCK_EX | LOCK_NB) == 0 { return descriptor }
            guard errno == EWOULDBLOCK, attempt < 50 else { break }
            usleep(20_000)
        }
        close(descriptor)
        throw .locked(directory: path)
    }

    /// Writes `bytes` to `file` at offset 0 in place (no truncation, no rename: the same blocks are
    /// overwritten, so old contents do not linger in a freed copy) and makes it durable.
    static func overwrite(_ file: String, with bytes: [UInt8], create: Bool) throws(StoreError) {
        let descriptor = open(file, O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0), 0o600)
        guard descriptor >= 0 else { throw errnoError("open \(file)") }
        defer { close(descriptor) }
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { raw in
                pwrite(descriptor, raw.baseAddress! + written, raw.count - written, off_t(written))
            }
            guard result > 0 else { throw errnoError("write \(file)") }
            written += result
        }
        guard fsync(descriptor) == 0 else { throw errnoError("sync \(file)") }
    }

    /// Creates `file` whole or not at all (temporary file, fsync, rename, fsync of the folder): a
    /// power cut leaves either no file or the complete one (a half-written first key file would make
    /// the store unopenable).
    static func createAtomically(_ file: String, with bytes: [UInt8]) throws(StoreError) {
        do {
            try DurableFile.write(bytes, to: file, mode: 0o600)
        } catch {
            throw StoreError(error)
        }
    }

    /// Writes `file` in place if it exists, else creates it atomically.
    static func write(_ file: String, with bytes: [UInt8]) throws(StoreError) {
        if FileManager.default.fileExists(atPath: file) {
            try overwrite(file, with: bytes, create: false)
        } else {
            try createAtomically(file, with: bytes)
        }
    }

    /// Makes a directory entry change (create, rename, unlink) durable.
    static func syncDirectory(_ path: String) throws(StoreError) {
        do {
            try DurableFile.syncFolder(path)
        } catch {
            throw StoreError(error)
        }
    }

    static func read(_ file: String) throws(StoreError) -> [UInt8]? {
        guard let handle = FileHandle(forReadingAtPath: file) else {
            if errno == ENOENT || !FileManager.default.fileExists(atPath: file) { return nil }
            throw errnoError("open \(file)")
        }
        defer { try? handle.close() }
        do {
            return [UInt8](try handle.readToEnd() ?? Data())
        } catch {
            throw .io("read \(file): \(error.localizedDescription)")
        }
    }

    static func errnoError(_ what: String) -> StoreError {
        let code = errno
        if code == ENOSPC || code == EDQUOT { return .diskFull(directory: what) }
        if code == EACCES || code == EPERM { return .permissionDenied("cannot \(what)") }
        return .io("\(what): \(String(cString: strerror(code)))")
    }
}
