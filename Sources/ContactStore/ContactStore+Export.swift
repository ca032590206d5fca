import ExposureNotification
import Foundation
import GRDB

extension ContactStore {
    /// Every sighting the store in `directory` holds at `now` (expired hours left out), for `bleagent
    /// store export`. Read-only and lock-free, so it works while the daemon holds the store: opens
    /// the database read-only, never creates a key or a file, never heals a key slot (the daemon may
    /// be rewriting it). Records of an hour whose key appeared after the key file was read are
    /// skipped and counted. Needs the store's key (root, or the daemon's credential).
    public static func heldSightings(of directory: StoreDirectory, configuration: Configuration = Configuration(),
                                     now: Int64) throws(StoreError) -> (table: SightingTable, unreadableChunks: Int) {
        guard FileManager.default.fileExists(atPath: directory.database) else {
            throw .directory("there is no contact store in \(directory.path)")
        }
        let master = try MasterKey.load(configuration.keySource, directory: directory, create: false)
        let keyFile = EpochKeyFile(directory: directory, sealingKey: master.derived("epoch-keys-v1"))
        let keys = (try keyFile.load(heal: false)?.keys ?? [:]).filter { !$0.key.isExpired(at: now) }
        guard let epochs = retainedEpochs(now: now) else { return (SightingTable(), 0) }
        let pool = try openDatabase(directory, readOnly: true)
        defer { try? pool.close() }
        do {
            return try pool.read { db in
                var table = SightingTable()
                let unreadable = try forEachSighting(db, epochs: epochs, keys: keys) { table.append($0) }
                return (table, unreadable)
            }
        } catch {
            throw mapError(error, directory: directory)
        }
    }
}
