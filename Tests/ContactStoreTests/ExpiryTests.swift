@testable import ContactStore
import Crypto
import ExposureNotification
import Foundation
import GRDB
import TestSupport
import Testing

/// Forgetting that cannot be undone: after expiry (and after wipe) the raw files hold neither the
/// recorded RPIs/TEKs nor any key that opens what the old records were sealed with.
struct ExpiryTests {
    /// Sealed chunks and hour keys as they are on disk, read with the master key the way an attacker
    /// holding a copy of every file (key file included) would.
    struct DiskView {
        var chunks: [(epoch: UInt32, count: Int, sealed: Data)]
        var keys: [Epoch: SymmetricKey]
    }

    func diskView(_ directory: StoreDirectory) throws -> DiskView {
        let queue = try DatabaseQueue(path: directory.database)
        let chunks = try queue.read { db in
            try Row.fetchAll(db, sql: "SELECT epoch, count, sealed FROM sighting_chunk").map { ($0[0] as UInt32, $0[1] as Int, $0[2] as Data) }
        }
        var keys: [Epoch: SymmetricKey] = [:]
        if let master = try? MasterKey.load(.keyFile, directory: directory, create: false) {
            let sealing = master.derived("epoch-keys-v1")
            // Both slots, decoded independently of the store's own choice.
            for slot in 0..<2 {
                guard let bytes = try StoreDirectory.read(directory.epochKeySlot(slot)), bytes.count == EpochKeyFile.fileBytes,
                      let box = try? AES.GCM.SealedBox(combined: bytes[16...]),
                      let plain = try? AES.GCM.open(box, using: sealing, authenticating: Array("bleagent-epoch-keys-v1".utf8) + [UInt8(slot)])
                else { continue }
                let count = plain.withUnsafeBytes { Int($0.loadUnaligned(fromByteOffset: 8, as: UInt32.self)) }
                for index in 0..<count {
                    let offset = 16 + index * 36
                    let epoch = plain.withUnsafeBytes { Epoch(rawValue: $0.loadUnaligned(fromByteOffset: offset, as: UInt32.self)) }
                    keys[epoch] = SymmetricKey(data: plain[(offset + 4)..<(offset + 36)])
                }
            }
        }
        return DiskView(chunks: chunks, keys: keys)
    }

    @Test func expiredRecordsLeaveNothingReadable() async throws {
        let temp = TemporaryDirectory()
        let day0 = Sample.noon
        let store = try await ContactStore.open(temp.store, configuration: Sample.configuration(), now: day0)
        let old = Sample.sightings(0..<200, time: day0)
        let tek = TemporaryExposureKey(keyData: Block16(lo: 0xDEAD_BEEF_0123_4567, hi: 0x0F1E_2D3C_4B5A_6978),
                                       rollingStartIntervalNumber: try #require(ENIntervalNumber(unixSeconds: day0)).dayStart)
        _ = try await store.record(old, now: day0)
        try await store.saveOwnKey(tek, now: day0)
        // A week later, fresh records; then expiry 14 days + 2 hours after the old ones.
        let later = day0 + 7 * 86_400
        let recent = Sample.sightings(1000..<1100, time: later)
        _ = try await store.record(recent, now: later)
        let before = try diskView(temp.store)
        let oldEpoch = try #require(Epoch(unixSeconds: day0))
        let oldChunks = before.chunks.filter { $0.epoch == oldEpoch.rawValue }
        let oldKey = try #require(before.keys[oldEpoch])
        #expect(!oldChunks.isEmpty)
        #expect(oldChunks.allSatisfy { Sealing.open($0.sealed, key: oldKey, context: Sealing.sightingContext(oldEpoch, count: $0.count)) != nil })

        let expiryTime = day0 + Epoch.retentionSeconds + 7200
        let result = try await store.expire(now: expiryTime)
        #expect(result.destroyedKeys >= 1 && result.deletedChunks >= 1)
        let table = try await store.sightingTable(now: expiryTime)
        #expect(Set(table.sightings) == Set(recent))
        #expect(try await store.ownKeys(now: expiryTime).isEmpty)

        // The raw files: no plaintext RPI or TEK, no copy of the old hour key, and no key on disk
        // (master key included) opens the old chunks any more.
        for sighting in old.prefix(20) { #expect(RawFiles.filesContaining(sighting.rpi.bytes, in: temp.store.path).isEmpty) }
        #expect(RawFiles.filesContaining(tek.keyData.bytes, in: temp.store.path).isEmpty)
        #expect(RawFiles.filesContaining(oldKey.withUnsafeBytes { Array($0) }, in: temp.store.path).isEmpty)
        let after = try diskView(temp.store)
        #expect(after.keys[oldEpoch] == nil)
        for chunk in oldChunks {
            for (epoch, key) in after.keys {
                #expect(Sealing.open(chunk.sealed, key: key, context: Sealing.sightingContext(Epoch(rawValue: chunk.epoch), count: chunk.count)) == nil,
                        "\(epoch) opens an expired chunk")
            }
        }
        // The age bound: nothing older than 14 days + 1 hour remains.
        let stats = try await store.statistics(now: expiryTime)
        #expect(try #require(stats.oldestRecordAge) <= Epoch.retentionSeconds + Epoch.seconds)
    }

    @Test func expiryRunsAtOpenWhateverTheDowntime() async throws {
        let temp = TemporaryDirectory()
        try await temp.recordAndClose(0..<10)
        // Down for 30 days.
        let store = try await ContactStore.open(temp.store, configuration: Sample.configuration(), now: Sample.noon + 30 * 86_400)
        #expect(try await store.sightingTable(now: Sample.noon + 30 * 86_400).isEmpty)
        #expect(try await store.statistics(now: Sample.noon + 30 * 86_400).days.isEmpty)
        #expect(try diskView(temp.store).keys.isEmpty)
        #expect(try diskView(temp.store).chunks.isEmpty)
    }

    @Test func wipeRemovesEverythingAndKeepsNothingInMemory() async throws {
        let temp = TemporaryDirectory()
        let store = try await ContactStore.open(temp.store, configuration: Sample.configuration(), now: Sample.noon)
        let sightings = Sample.sightings(0..<100, time: Sample.noon)
        _ = try await store.record(sightings, now: Sample.noon)
        try await store.saveConsent(ConsentRecord(accepted: true, decidedAt: Sample.noon, termsVersion: "1"))
        #expect(!store.holdsNoKeys)
        try await store.wipe()
        #expect(store.holdsNoKeys)
        let left = (try? FileManager.default.contentsOfDirectory(atPath: temp.store.path)) ?? []
        #expect(left.isEmpty, "files left after wipe: \(left)")
        await #expect(throws: StoreError.wiped) { _ = try await store.record(sightings, now: Sample.noon) }
        await #expect(throws: StoreError.wiped) { _ = try await store.sightingTable(now: Sample.noon) }
        // A new store in the same place starts empty, with new keys.
        let fresh = try await ContactStore.open(temp.store, configuration: Sample.configuration(), now: Sample.noon)
        #expect(try await fresh.sightingTable(now: Sample.noon).isEmpty)
        #expect(try await fresh.consent() == nil)
    }

    @Test func wipeWithoutTheDaemonNeedsNoKey() async throws {
        let temp = TemporaryDirectory()
        try await temp.recordAndClose(0..<100)
        // Without the key the data is unreadable; wiping still works.
        try FileManager.default.removeItem(atPath: temp.store.keyFile)
        try ContactStore.wipe(temp.store)
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: temp.store.path)) ?? []).isEmpty)
    }
}
