@testable import ContactStore
import ExposureNotification
import Foundation
import GRDB
import TestSupport
import Testing

/// What the store keeps in the clear for `store stats` (readable without its key) is per day: no
/// hour of the day at which anyone was met, no time of a sighting.
struct StatisticsTests {
    @Test func theClearFiguresArePerDayAndSayNoTimeOfDay() async throws {
        let folder = TemporaryDirectory("stats")
        let directory = folder.store
        let noon = Sample.noon
        let store = try await ContactStore.open(directory, configuration: Sample.configuration(), now: noon)
        // Sightings at 08:10, 12:20 and 19:40 of one day, and one the day before.
        for (range, time) in [(0..<5, noon - 14_400 + 600), (5..<8, noon + 1_200), (8..<10, noon + 27_600), (10..<11, noon - 86_400)] {
            _ = try await store.record(Sample.sightings(UInt64(range.lowerBound)..<UInt64(range.upperBound), time: Int64(time)), now: noon + 28_000)
        }
        let figures = try ContactStore.statistics(of: directory, now: noon + 28_000)
        #expect(figures.days.map { $0.sightings } == [1, 10])
        store.close()
        #expect(figures.epochsHeld == 4)
        let queue = try DatabaseQueue(path: directory.database)
        let (tables, columns) = try await queue.read { db in
            (try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'"),
             try Row.fetchAll(db, sql: "PRAGMA table_info(day_stats)").map { $0["name"] as String })
        }
        #expect(!tables.contains("epoch_stats"))
        #expect(columns == ["day", "sightings", "new_rpis", "dropped"])
    }

    @Test func anOlderStoresHourlyFiguresBecomeDailyOnes() throws {
        let queue = try DatabaseQueue()
        let migrator = StoreSchema.migrator(keyFileMark: 0)
        try migrator.migrate(queue, upTo: "v4-durability-mark")
        let hour = UInt32(Sample.noon / 3_600)
        try queue.write { db in
            for (epoch, sightings) in [(hour - 4, 5), (hour, 3), (hour + 7, 2), (hour - 24, 1)] {
                try db.execute(sql: "INSERT INTO epoch_stats (epoch, sightings, new_rpis, dropped, first_time, last_time) VALUES (?, ?, ?, 0, ?, ?)",
                               arguments: [epoch, sightings, sightings, Int64(epoch) * 3_600 + 60, Int64(epoch) * 3_600 + 120])
            }
        }
        try migrator.migrate(queue)
        let rows = try queue.read { db in try Row.fetchAll(db, sql: "SELECT day, sightings, new_rpis FROM day_stats ORDER BY day").map { [$0[0], $0[1], $0[2]] as [Int] } }
        let day = Int(hour / 24)
        #expect(rows == [[day - 1, 1, 1], [day, 10, 10]])
    }
}
