@testable import ContactStore
import ExposureNotification
import Foundation
import TestSupport
import Testing

/// `ContactStore.heldSightings(of:)`: what `bleagent store export` writes, read beside the owner.
struct ExportTests {
    @Test func readsWhatTheOwnerHoldsWithoutChangingAByte() async throws {
        let temp = TemporaryDirectory()
        let store = try await ContactStore.open(temp.store, configuration: Sample.configuration(), now: Sample.noon)
        defer { store.close() }
        let sightings = Sample.sightings(0..<300, time: Sample.noon - 3600) + Sample.sightings(300..<400, time: Sample.noon)
        _ = try await store.record(sightings, now: Sample.noon)
        // (SQLite's shared-memory index, -shm, records readers by design: not compared.)
        let before = RawFiles.contents(of: temp.store.path).filter { !$0.0.hasSuffix("-shm") }.sorted { $0.0 < $1.0 }.map { "\($0.0):\($0.1.hashValue)" }
        // The owner holds the lock: the reader needs none.
        let held = try ContactStore.heldSightings(of: temp.store, configuration: Sample.configuration(), now: Sample.noon)
        #expect(held.unreadableChunks == 0)
        #expect(Set(held.table.sightings) == Set(sightings))
        let after = RawFiles.contents(of: temp.store.path).filter { !$0.0.hasSuffix("-shm") }.sorted { $0.0 < $1.0 }.map { "\($0.0):\($0.1.hashValue)" }
        #expect(before == after)
        // Expired hours are not exported, even while their key is still on disk.
        let later = try ContactStore.heldSightings(of: temp.store, configuration: Sample.configuration(), now: Sample.noon + 15 * 86_400)
        #expect(later.table.isEmpty)
    }

    @Test func noStoreIsSaidAndNothingIsCreated() throws {
        let temp = TemporaryDirectory()
        #expect(throws: StoreError.self) { try ContactStore.heldSightings(of: temp.store, configuration: Sample.configuration(), now: Sample.noon) }
        #expect(!FileManager.default.fileExists(atPath: temp.store.path))
    }
}
