import Crypto
import Durability
import ExposureNotification
import Foundation
import GRDB
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The agent's encrypted, crash-safe memory, which forgets after 14 days.
///
/// - Everything recorded is sealed with AES-GCM under the key of its hour (`Epoch`); hour keys live
///   in a separate file sealed under the master key (a 0600 key file or a systemd credential), never
///   in the database. When an hour is 14 days old its key is destroyed, so stale database pages,
///   WAL frames or a backup of the database reveal nothing of it.
/// - A write returns only after SQLite has committed it with `synchronous = FULL` (and any new hour
///   key is on disk first): an acknowledged write survives power loss.
/// - Distinct RPIs per day are capped, so a flood of random beacons cannot fill the disk.
///
/// Threading: every write runs on GRDB's single writer queue, which is what serialises the mutable
/// state (hour keys, per-day RPI sets) kept in `state`; reads take a snapshot of the keys. No call
/// blocks Swift's cooperative pool: the async GRDB APIs run on GRDB's own queues.
public final class ContactStore: Sendable {
    public struct Configuration: Sendable {
        /// Distinct RPIs accepted per UTC day; sightings of further new RPIs are dropped and counted.
        public var rpiCapPerDay: Int
        public var keySource: StoreKeySource

        public init(rpiCapPerDay: Int = 100_000, keySource: StoreKeySource = .detect()) {
            self.rpiCapPerDay = rpiCapPerDay
            self.keySource = keySource
        }
    }

    public let directory: StoreDirectory
    public let configuration: Configuration
    let pool: DatabasePool
    let state: Mutex<State>
    /// Acknowledged records found lost when this instance opened the store (see `DurabilityLoss`).
    public let lossAtOpen: DurabilityLoss?
    /// The lock file's descriptor (the lock is held while it is open); -1 once closed.
    private let lockDescriptor: Mutex<Int32>

    /// Mutable state; touched on GRDB's writer queue (reads copy out what they need under the lock).
    struct State: ~Copyable {
        var wiped = false
        var keys: [Epoch: SymmetricKey]
        var keyFile: EpochKeyFile.Contents
        var master: MasterKey?
        var stateKey: SymmetricKey?
        /// Distinct RPIs of recent days, for the cap; rebuilt from the store on demand.
        var rpisByDay: [ExposureDay: Set<Block16>] = [:]
    }

    /// Opens (creating if needed) the store in `directory`, then forgets whatever has expired by `now`
    /// (unix seconds), however long the agent was down — unless `expiring` is false: `now` comes from
    /// a clock not trusted yet, and expiry destroys. With `creating` false nothing is created: no
    /// folder, key or database (a missing store is `.noStore`, one this user may not use
    /// `.permissionDenied`), for verbs that only read.
    public static func open(_ directory: StoreDirectory, configuration: Configuration = Configuration(),
                            now: Int64, expiring: Bool = true, creating: Bool = true) async throws(StoreError) -> ContactStore {
        if creating { try directory.prepare() } else { try directory.checkStore(writing: true) }
        let lock = try directory.lock()
        do {
            let master = try MasterKey.load(configuration.keySource, directory: directory, create: creating)
            let keyFile = EpochKeyFile(directory: directory, sealingKey: master.derived("epoch-keys-v1"))
            var contents = try keyFile.load() ?? EpochKeyFile.Contents(sequence: 0, keys: [:])
            if contents.sequence == 0 { try keyFile.save(&contents) }
            let pool = try openDatabase(directory, keyFileSequence: contents.sequence)
            let loss = try checkMark(pool, directory: directory, keyFileSequence: contents.sequence, now: now)
            let store = ContactStore(directory: directory, configuration: configuration, pool: pool, lock: lock,
                                     state: State(keys: contents.keys, keyFile: contents, master: master,
                                                  stateKey: master.derived("state-v1")),
                                     lossAtOpen: loss)
            if expiring { _ = try await store.expire(now: now) }
            return store
        } catch {
            Glibc.close(lock)
            throw error
        }
    }

    private init(directory: StoreDirectory, configuration: Configuration, pool: DatabasePool, lock: Int32, state: consuming State,
                 lossAtOpen: DurabilityLoss?) {
        self.lossAtOpen = lossAtOpen
        self.directory = directory
        self.configuration = configuration
        self.pool = pool
        self.lockDescriptor = Mutex(lock)
        self.state = Mutex(state)
    }

    deinit { close() }

    /// Closes the database and releases the store's lock, so another process (or a new instance)
    /// can open it at once — without waiting for this instance's last reference to go, which a
    /// closure finishing on GRDB's queue may hold a moment longer. The instance is unusable after.
    public func close() {
        try? pool.close()
        let descriptor = lockDescriptor.withLock { descriptor in
            defer { descriptor = -1 }
            return descriptor
        }
        if descriptor >= 0 { Glibc.close(descriptor) }
    }

    /// Opens the database, its writer committing with `synchronous = FULL` (checked), and brings the
    /// schema up to date. `keyFileSequence` seeds the durability mark of a database made before it.
    static func openDatabase(_ directory: StoreDirectory, readOnly: Bool = false,
                             keyFileSequence: UInt64 = 0) throws(StoreError) -> DatabasePool {
        var configuration = GRDB.Configuration.storeDatabase
        configuration.readonly = readOnly
        do {
            let pool = try DurableDatabase.openPool(path: directory.database, configuration: configuration)
            if !readOnly {
                let existing = try pool.read { db in try db.tableExists("sighting_chunk") }
                try StoreSchema.migrator(keyFileMark: existing ? Int64(clamping: keyFileSequence) : 0).migrate(pool)
                // A new database file's own entry in the folder (SQLite syncs the folder for its WAL only).
                if !existing { try StoreDirectory.syncDirectory(directory.path) }
            }
            return pool
        } catch {
            throw mapError(error, directory: directory)
        }
    }

    /// The key file's writer, for saving the hour keys.
    func epochKeyFile(_ master: MasterKey) -> EpochKeyFile {
        EpochKeyFile(directory: directory, sealingKey: master.derived("epoch-keys-v1"))
    }

    /// Runs `body` on GRDB's writer queue, outside any transaction, mapping errors.
    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(StoreError) -> T {
        do {
            return try await pool.writeWithoutTransaction { db in
                try self.state.withLock { state in if state.wiped { throw StoreError.wiped } }
                return try body(db)
            }
        } catch {
            throw Self.mapError(error, directory: directory)
        }
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(StoreError) -> T {
        do {
            try state.withLock { state in if state.wiped { throw StoreError.wiped } }
            return try await pool.read(body)
        } catch {
            throw Self.mapError(error, directory: directory)
        }
    }

    static func mapError(_ error: any Error, directory: StoreDirectory) -> StoreError {
        if let error = error as? StoreError { return error }
        if let error = error as? DatabaseError {
            switch error.resultCode {
            case .SQLITE_FULL: return .diskFull(directory: directory.path)
            case .SQLITE_CORRUPT, .SQLITE_NOTADB: return .corrupt("\(directory.database): \(error.message ?? "damaged")")
            case .SQLITE_BUSY, .SQLITE_LOCKED: return .locked(directory: directory.path)
            case .SQLITE_READONLY, .SQLITE_CANTOPEN, .SQLITE_PERM, .SQLITE_AUTH:
                return .directory("\(directory.database): \(error.message ?? "cannot open")")
            case .SQLITE_IOERR:
                // SQLite reports a full disk during WAL writes or syncs as an I/O error; say which it was.
                if let available = freeBytes(directory.path), available < 1 << 20 { return .diskFull(directory: directory.path) }
                return .io("\(directory.database): \(error.message ?? "I/O error")")
            default: return .io("\(directory.database): \(error.message ?? "\(error.resultCode)")")
            }
        }
        return .io("\(error)")
    }

    static func freeBytes(_ path: String) -> Int? {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return nil }
        return Int(info.f_bavail) * Int(info.f_frsize)
    }
}

extension GRDB.Configuration {
    /// `secure_delete` (freed pages are zeroed). WAL and `synchronous = FULL` come from
    /// `DurableDatabase.openPool`: set here, GRDB's WAL set-up would turn synchronous back to NORMAL.
    static var storeDatabase: GRDB.Configuration {
        var configuration = GRDB.Configuration()
        configuration.label = "bleagent.contacts"
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA secure_delete = ON")
        }
        return configuration
    }
}
