import Foundation
import GRDB

extension ContactStore {
    /// The result of a full check: SQLite's own, and every held chunk opening with its hour key.
    public struct IntegrityReport: Hashable, Sendable {
        /// `PRAGMA integrity_check`: "ok" when the database is sound.
        public var sqlite: String
        public var chunks: Int
        /// Chunks of retained hours that do not open (should be 0).
        public var unreadableChunks: Int
        /// Acknowledged records found lost at an open in the last 14 days (nil: none).
        public var loss: DurabilityLoss?

        /// The database is whole and every held record opens.
        public var isSound: Bool { sqlite == "ok" && unreadableChunks == 0 }
        /// Nothing acknowledged is known to be lost either.
        public var isComplete: Bool { isSound && loss == nil }
    }

    /// Checks the database, opens every chunk still held and reports a recorded loss (for `bleagent store check` and the tests).
    public func verifyIntegrity(now: Int64) async throws(StoreError) -> IntegrityReport {
        let keys = state.withLock { $0.keys }
        guard let retained = Self.retainedEpochs(now: now) else {
            return IntegrityReport(sqlite: "ok", chunks: 0, unreadableChunks: 0, loss: nil)
        }
        return try await read { db in
            let sqlite = try String.fetchAll(db, sql: "PRAGMA integrity_check").joined(separator: "; ")
            let chunks = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sighting_chunk WHERE epoch BETWEEN ? AND ?",
                                          arguments: [retained.lowerBound, retained.upperBound]) ?? 0
            let unreadable = try Self.forEachSighting(db, epochs: retained, keys: keys) { _ in }
            return IntegrityReport(sqlite: sqlite, chunks: chunks, unreadableChunks: unreadable,
                                   loss: try Self.recordedLoss(db, now: now))
        }
    }
}
