import Foundation
import GRDB
#if canImport(Glibc)
import Glibc
#endif

extension ContactStore {
    /// Forgets everything, unrecoverably: keys leave memory first, then the key files are overwritten
    /// in place and every file of the store is removed. The instance refuses all calls afterwards.
    /// `bleagent forget` and withdrawing consent both end here (or in `wipe(_:)` when no daemon runs).
    public func wipe() async throws(StoreError) {
        state.withLock { state in
            state.wiped = true
            state.keys = [:]
            state.keyFile = EpochKeyFile.Contents(sequence: 0, keys: [:])
            state.master = nil
            state.stateKey = nil
            state.rpisByDay = [:]
        }
        do {
            try pool.close()
        } catch {
            // A read still in flight keeps a connection: the files go regardless; the keys already did.
        }
        try Self.destroyFiles(of: directory)
    }

    /// Wipes the store in `directory` when no process has it open (no key needed).
    public static func wipe(_ directory: StoreDirectory) throws(StoreError) {
        guard FileManager.default.fileExists(atPath: directory.path) else { return }
        let lock = try directory.lock()
        defer { Glibc.close(lock) }
        try destroyFiles(of: directory)
    }

    /// The one wipe path: overwrite key material in place, then unlink every store file.
    static func destroyFiles(of directory: StoreDirectory) throws(StoreError) {
        EpochKeyFile.destroy(directory)
        if FileManager.default.fileExists(atPath: directory.keyFile) {
            try? StoreDirectory.overwrite(directory.keyFile, with: [UInt8](repeating: 0, count: 32), create: false)
        }
        var failures: [String] = []
        for file in directory.allFiles where unlink(file) != 0 && errno != ENOENT {
            failures.append("\(file): \(String(cString: strerror(errno)))")
        }
        do throws(StoreError) {
            try StoreDirectory.syncDirectory(directory.path)
        } catch {
            failures.append("\(directory.path): \(error)")
        }
        guard failures.isEmpty else { throw .io("could not remove \(failures.joined(separator: "; "))") }
    }

    /// True once the instance holds no key material (after `wipe()`).
    public var holdsNoKeys: Bool {
        state.withLock { $0.keys.isEmpty && $0.master == nil && $0.stateKey == nil && $0.rpisByDay.isEmpty && $0.wiped }
    }
}
