import Foundation
import GRDB

/// How the store notices that it came back older than what it had acknowledged — a disk that lied
/// about flushing (common with SD cards), a database restored from a backup, files lost in a crash.
///
/// The hour-key file carries a sequence number that grows with every save. Before each save the
/// database commits that number (`store_mark.key_file_sequence`), durably. So a database that kept
/// every acknowledged commit always holds a mark at least the key file's sequence; one whose mark is
/// lower lost commits acknowledged before the key file's last save (hour keys are saved every hour
/// a record is made, and at every expiry). A database that is missing while the key file has been
/// saved since the store was made has lost everything. Either is recorded in the database when it is
/// found, reported by `store check`, `status` and the daemon's journal, and kept for 14 days (after
/// which what was lost would have been forgotten anyway).
extension ContactStore {
    /// A loss of acknowledged records, as found when the store was opened.
    public struct DurabilityLoss: Hashable, Sendable, CustomStringConvertible {
        /// When it was found (unix seconds).
        public var detectedAt: Int64
        /// The hour-key file's sequence then, and the mark the database held (0: no database).
        public var keyFileSequence: Int64
        public var databaseMark: Int64

        public var description: String {
            let found = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: TimeInterval(detectedAt)))
            return databaseMark == 0
                ? "the contact database was missing or empty when the store opened (\(found)) although records had been made: "
                    + "records acknowledged before then are lost (a power cut on a disk that does not keep what it acknowledges?)"
                : "the contact database came back older than what it had acknowledged (found \(found); mark \(databaseMark) "
                    + "< \(keyFileSequence)): some records acknowledged before then are lost (a power cut on a disk that does "
                    + "not keep what it acknowledges, or a restored backup?)"
        }
    }

    /// The loss found at an open in the last 14 days, if any (`statistics` and `verifyIntegrity` carry it).
    static func recordedLoss(_ db: Database, now: Int64) throws -> DurabilityLoss? {
        guard try db.tableExists("store_mark"),
              let row = try Row.fetchOne(db, sql: """
                  SELECT regressed_at, regressed_key_file_sequence, regressed_database_mark FROM store_mark
                  WHERE id = 1 AND regressed_at IS NOT NULL
                  """),
              let at: Int64 = row[0], now - at < Epoch.retentionSeconds
        else { return nil }
        return DurabilityLoss(detectedAt: at, keyFileSequence: row[1] ?? 0, databaseMark: row[2] ?? 0)
    }

    /// Compares the database's mark with the key file loaded at open; records a loss if the database
    /// is behind. `keyFileSequence` is the loaded file's (1 for a store just made: saved once, empty).
    static func checkMark(_ pool: DatabasePool, directory: StoreDirectory, keyFileSequence: UInt64, now: Int64) throws(StoreError) -> DurabilityLoss? {
        let sequence = Int64(clamping: keyFileSequence)
        do {
            return try pool.writeWithoutTransaction { db -> DurabilityLoss? in
                let mark = try Int64.fetchOne(db, sql: "SELECT key_file_sequence FROM store_mark WHERE id = 1") ?? 0
                guard sequence > 1, mark < sequence else { return nil }
                let loss = DurabilityLoss(detectedAt: now, keyFileSequence: sequence, databaseMark: mark)
                try db.inTransaction {
                    try db.execute(sql: """
                        UPDATE store_mark SET key_file_sequence = ?, regressed_at = ?, regressed_key_file_sequence = ?,
                            regressed_database_mark = ? WHERE id = 1
                        """, arguments: [sequence, now, sequence, mark])
                    return .commit
                }
                return loss
            }
        } catch {
            throw mapError(error, directory: directory)
        }
    }

    /// Saves the hour keys as the key file's next sequence, after the database has durably committed
    /// that sequence as its mark. Runs on the writer queue, outside any transaction.
    func saveKeyFile(_ contents: inout EpochKeyFile.Contents, master: MasterKey, db: Database) throws(StoreError) {
        do {
            try db.inTransaction {
                try db.execute(sql: "UPDATE store_mark SET key_file_sequence = ? WHERE id = 1",
                               arguments: [Int64(clamping: contents.sequence + 1)])
                return .commit
            }
        } catch {
            throw Self.mapError(error, directory: directory)
        }
        try epochKeyFile(master).save(&contents)
    }
}
