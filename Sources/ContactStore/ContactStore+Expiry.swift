import Crypto
import ExposureNotification
import Foundation
import GRDB

extension ContactStore {
    /// What an expiry pass forgot.
    public struct ExpiryResult: Hashable, Sendable {
        /// Hour keys destroyed.
        public var destroyedKeys = 0
        /// Sealed sighting chunks deleted.
        public var deletedChunks = 0
    }

    /// Processed-file digests are kept a day longer than records: key servers publish files for 14 days.
    static let processedFileRetentionSeconds: Int64 = Epoch.retentionSeconds + 86_400

    /// Forgets everything older than 14 days (or stamped more than a day ahead of `now`): first the
    /// hour keys (so even an interrupted pass leaves nothing readable), then the rows, then the WAL
    /// is checkpointed and truncated. Runs at open and should run periodically (the daemon: every
    /// 10 minutes); the age bound is 14 days + 1 hour + that period.
    public func expire(now: Int64) async throws(StoreError) -> ExpiryResult {
        try await write { db in
            var result = ExpiryResult()
            let retained = Self.retainedEpochs(now: now)
            try self.state.withLock { state in
                let expired = state.keys.keys.filter { $0.isExpired(at: now) }
                guard !expired.isEmpty, let master = state.master else { return }
                var contents = state.keyFile
                for epoch in expired { contents.keys[epoch] = nil }
                try self.saveKeyFile(&contents, master: master, db: db)
                state.keyFile = contents
                state.keys = contents.keys
                result.destroyedKeys = expired.count
                if let oldest = retained.map({ Epoch(rawValue: $0.lowerBound).day }) {
                    state.rpisByDay = state.rpisByDay.filter { $0.key >= oldest }
                } else {
                    state.rpisByDay = [:]
                }
            }
            let low = retained?.lowerBound ?? UInt32.max, high = retained?.upperBound ?? 0
            try db.inTransaction {
                result.deletedChunks = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sighting_chunk WHERE epoch < ? OR epoch > ?",
                                                        arguments: [low, high]) ?? 0
                for table in ["sighting_chunk", "own_key", "contact_day", "exposure_day"] {
                    try db.execute(sql: "DELETE FROM \(table) WHERE epoch < ? OR epoch > ?", arguments: [low, high])
                }
                // A day's counts go once none of its hours is kept.
                let days = Self.retainedDays(now: now)
                try db.execute(sql: "DELETE FROM day_stats WHERE day < ? OR day > ?",
                               arguments: [days?.lowerBound.rawValue ?? Int32.max, days?.upperBound.rawValue ?? Int32.min])
                try db.execute(sql: "DELETE FROM processed_file WHERE processed_at < ?",
                               arguments: [now - Self.processedFileRetentionSeconds])
                return .commit
            }
            if result.destroyedKeys > 0 || result.deletedChunks > 0 {
                // Move the WAL into the database (secure_delete zeroes freed pages) and truncate it.
                try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
            }
            return result
        }
    }

    /// The days with at least one hour kept at `now`.
    static func retainedDays(now: Int64) -> ClosedRange<ExposureDay>? {
        retainedEpochs(now: now).map { Epoch(rawValue: $0.lowerBound).day...Epoch(rawValue: $0.upperBound).day }
    }

    /// The epochs a store keeps at `now`; nil if none (a clock before 1970 + 14 days).
    static func retainedEpochs(now: Int64) -> ClosedRange<UInt32>? {
        let oldest = max(0, (now - Epoch.retentionSeconds) / Epoch.seconds)
        var low = UInt32(clamping: oldest)
        if Epoch(rawValue: low).isExpired(at: now) { low += 1 }
        let high = UInt32(clamping: max(0, (now + Epoch.futureToleranceSeconds) / Epoch.seconds))
        return low <= high ? low...high : nil
    }
}
