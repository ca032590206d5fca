@testable import ContactStore
import Durability
import ExposureNotification
import Foundation
import GRDB
import TestSupport
import Testing

/// The store's promise to survive a power cut rests on two things tested here: the writer really
/// commits with `synchronous = FULL`, and a store that comes back older than it acknowledged says so.
/// (The power cuts themselves are in Harness/powercut, run by the test command.)
struct DurabilityMarkTests {
    /// Opens the store at the first of `hours` after noon, records ten sightings in each (each hour
    /// a new hour key, so a key-file save) and closes it. Returns what that open reported.
    @discardableResult
    func recordHours(_ hours: Range<Int>, in directory: StoreDirectory) async throws -> ContactStore.DurabilityLoss? {
        let store = try await ContactStore.open(directory, configuration: Sample.configuration(),
                                                now: Sample.noon + Int64(hours.lowerBound) * 3600)
        defer { store.close() }
        for hour in hours {
            let now = Sample.noon + Int64(hour) * 3600
            _ = try await store.record(Sample.sightings(UInt64(hour * 10)..<UInt64(hour * 10 + 10), time: now), now: now)
        }
        return store.lossAtOpen
    }

    @Test func theWriterCommitsWithSynchronousFull() async throws {
        let temp = TemporaryDirectory()
        let store = try await ContactStore.open(temp.store, configuration: Sample.configuration(), now: Sample.noon)
        // GRDB's WAL set-up turns a synchronous = FULL set in prepareDatabase back to NORMAL (1).
        #expect(try DurableDatabase.writerSynchronousLevel(store.pool) == DurableDatabase.synchronousFull)
        _ = try await store.record(Sample.sightings(0..<10, time: Sample.noon), now: Sample.noon)
        #expect(try DurableDatabase.writerSynchronousLevel(store.pool) == DurableDatabase.synchronousFull)
        // The other pragma set at connection time is not undone by the WAL set-up.
        #expect(try await store.pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA secure_delete") } == 1)
    }

    @Test func aFreshStoreAndAnOrdinaryReopenReportNoLoss() async throws {
        let temp = TemporaryDirectory()
        #expect(try await recordHours(0..<5, in: temp.store) == nil)
        let reopened = try await ContactStore.open(temp.store, configuration: Sample.configuration(), now: Sample.noon + 5 * 3600)
        #expect(reopened.lossAtOpen == nil)
        let report = try await reopened.verifyIntegrity(now: Sample.noon + 5 * 3600)
        #expect(report.isComplete, "\(report)")
    }

    @Test func aDatabaseLostWhileTheKeysRemainIsReported() async throws {
        let temp = TemporaryDirectory()
        try await recordHours(0..<3, in: temp.store)
        // What the reported power cut left: the key files, and no database (or one without its commits).
        for suffix in ["", "-wal", "-shm"] { unlink(temp.store.database + suffix) }
        let now = Sample.noon + 3 * 3600
        let reopened = try await ContactStore.open(temp.store, configuration: Sample.configuration(), now: now)
        let loss = try #require(reopened.lossAtOpen)
        #expect(loss.databaseMark == 0 && loss.keyFileSequence > 1, "\(loss)")
        let report = try await reopened.verifyIntegrity(now: now)
        #expect(report.isSound && !report.isComplete && report.loss == loss, "\(report)")
        // Shown without the key too (`status` with the daemon down reads it so).
        #expect(try ContactStore.statistics(of: temp.store, now: now).durabilityLoss == loss)
    }

    @Test func aDatabaseOlderThanTheKeyFileIsReportedAndTheReportLasts14Days() async throws {
        let temp = TemporaryDirectory()
        try await recordHours(0..<1, in: temp.store)
        // A copy of the database as it was after the first hour (like a restored backup).
        let copy = TemporaryDirectory("copy")
        for suffix in ["", "-wal"] where FileManager.default.fileExists(atPath: temp.store.database + suffix) {
            try FileManager.default.copyItem(atPath: temp.store.database + suffix, toPath: copy.path + "/db" + suffix)
        }
        try await recordHours(1..<4, in: temp.store)
        for suffix in ["", "-wal", "-shm"] { unlink(temp.store.database + suffix) }
        for suffix in ["", "-wal"] where FileManager.default.fileExists(atPath: copy.path + "/db" + suffix) {
            try FileManager.default.copyItem(atPath: copy.path + "/db" + suffix, toPath: temp.store.database + suffix)
        }
        let found = Sample.noon + 4 * 3600
        var store: ContactStore? = try await ContactStore.open(temp.store, configuration: Sample.configuration(), now: found)
        let loss = try #require(store?.lossAtOpen)
        #expect(loss.databaseMark > 0 && loss.databaseMark < loss.keyFileSequence && loss.detectedAt == found, "\(loss)")
        store?.close()
        store = nil
        // Reported again by later opens (not found again: recorded), and without the key.
        let later = found + 13 * 86_400
        store = try await ContactStore.open(temp.store, configuration: Sample.configuration(), now: later)
        #expect(store?.lossAtOpen == nil)
        #expect(try await store?.statistics(now: later).durabilityLoss == loss)
        store?.close()
        store = nil
        #expect(try ContactStore.statistics(of: temp.store, now: later).durabilityLoss == loss)
        // After 14 days what was lost would have been forgotten anyway.
        #expect(try ContactStore.statistics(of: temp.store, now: found + 14 * 86_400).durabilityLoss == nil)
    }

    @Test func aStoreMadeBeforeTheMarkIsNotCalledIncomplete() async throws {
        let temp = TemporaryDirectory()
        try await recordHours(0..<3, in: temp.store)
        // As an earlier version left it: no mark table, its migration not applied.
        let queue = try DatabaseQueue(path: temp.store.database)
        try await queue.write { db in
            try db.execute(sql: "DROP TABLE store_mark")
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = 'v4-durability-mark'")
        }
        try queue.close()
        let reopened = try await ContactStore.open(temp.store, configuration: Sample.configuration(), now: Sample.noon + 3 * 3600)
        #expect(reopened.lossAtOpen == nil)
        #expect(try await reopened.verifyIntegrity(now: Sample.noon + 3 * 3600).isComplete)
    }
}
