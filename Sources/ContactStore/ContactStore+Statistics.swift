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
    /// the clear per-hour counts. Works while the daemon holds the store.
    public static func statistics(of directory: StoreDirectory, now: Int64) throws(StoreError) -> StoreStatistics {
        guard FileManager.default.fileExists(atPath: directory.database) else {
            return StoreStatistics(days: [], sizeOnDisk: directory.sizeOnDisk(), oldestRecordAge: nil, epochsHeld: 0, chunks: 0)
        }
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
        var days: [ExposureDay: StoreStatistics.Day] = [:]
        var oldest: Int64?
        var epochs = 0
        for row in try Row.fetchAll(db, sql: "SELECT epoch, sightings, new_rpis, dropped, first_time FROM epoch_stats") {
            let epoch = Epoch(rawValue: row[0])
            guard !epoch.isExpired(at: now) else { continue }
            epochs += 1
            var day = days[epoch.day] ?? StoreStatistics.Day(day: epoch.day, sightings: 0, rpis: 0, dropped: 0)
            day.sightings += row[1] as Int
            day.rpis += row[2] as Int
            day.dropped += row[3] as Int
            days[epoch.day] = day
            if (row[1] as Int) > 0 {
                let first: Int64 = row[4]
                oldest = min(oldest ?? first, first)
            }
        }
        let chunks = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sighting_chunk") ?? 0
        return StoreStatistics(days: days.values.sorted { $0.day < $1.day }, sizeOnDisk: 0,
                               oldestRecordAge: oldest.map { now - $0 }, epochsHeld: epochs, chunks: chunks,
                               durabilityLoss: try recordedLoss(db, now: now))
    }
}
