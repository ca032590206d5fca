import ExposureNotification
import Foundation
import GRDB

extension ContactStore {
    /// Figures for `bleagent store stats`.
    public func statistics(now: Int64) async throws(StoreError) -> StoreStatistics {
        var figures = try await read { db in try Self.statistics(db, now: now) }
        figures.sizeOnDisk = directory.sizeOnDisk()
        figures.rpiCapPerDay = configuration.rpiCapPerDay
        return figures
    }

    /// The same figures without opening the store for writing and without its key: they come from
    /// the clear per-day counts. Works while the daemon holds the store.
    /// A missing store is `.noStore` and an unreadable one `.permissionDenied`; nothing is created.
    public static func statistics(of directory: StoreDirectory, now: Int64) throws(StoreError) -> StoreStatistics {
        try directory.checkStore(writing: false)
        let pool = try openDatabase(directory, readOnly: true)
        defer { try? pool.close() }
        do {
            var figures = try pool.read { db in try Self.statistics(db, now: now) }
            figures.sizeOnDisk = directory.sizeOnDisk()
            return figures
        } catch {
            throw mapError(error, directory: directory)
        }
    }

    static func statistics(_ db: Database, now: Int64) throws -> StoreStatistics {
        guard let epochs = retainedEpochs(now: now), let days = retainedDays(now: now) else {
            return StoreStatistics(days: [], sizeOnDisk: 0, oldestRecordAge: nil, epochsHeld: 0, chunks: 0, durabilityLoss: try recordedLoss(db, now: now))
        }
        var figures: [StoreStatistics.Day] = []
        for row in try Row.fetchAll(db, sql: "SELECT day, sightings, new_rpis, dropped FROM day_stats WHERE day BETWEEN ? AND ? ORDER BY day",
                                    arguments: [days.lowerBound.rawValue, days.upperBound.rawValue]) {
            figures.append(StoreStatistics.Day(day: ExposureDay(rawValue: row[0]), sightings: row[1], rpis: row[2], dropped: row[3]))
        }
        // Hours held and the oldest: from the sealed chunks' (clear) epochs.
        let held = try Row.fetchOne(db, sql: "SELECT COUNT(DISTINCT epoch), MIN(epoch) FROM sighting_chunk WHERE epoch BETWEEN ? AND ?",
                                    arguments: [epochs.lowerBound, epochs.upperBound])
        let oldest: Int64? = (held?[1] as Int64?).map { Epoch(rawValue: UInt32(clamping: $0)).start }
        let chunks = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sighting_chunk") ?? 0
        return StoreStatistics(days: figures, sizeOnDisk: 0, oldestRecordAge: oldest.map { max(0, now - $0) },
                               epochsHeld: (held?[0] as Int?) ?? 0, chunks: chunks, durabilityLoss: try recordedLoss(db, now: now))
    }
}
