@testable import ContactStore
import Crypto
import ExposureNotification
import Foundation
import GRDB
import TestSupport
import Testing

struct ContactStoreTests {
    @Test func recordsAndReadsBackTheMatcherTable() async throws {
        let temp = TemporaryDirectory()
        let store = try await ContactStore.open(temp.store, configuration: Sample.configuration(), now: Sample.noon)
        let first = Sample.sightings(0..<500, time: Sample.noon - 7200)
        let second = Sample.sightings(500..<800, time: Sample.noon)
        #expect(try await store.record(first, now: Sample.noon).stored == 500)
        #expect(try await store.record(second, now: Sample.noon).stored == 300)
        let table = try await store.sightingTable(now: Sample.noon)
        #expect(table.count == 800)
        #expect(Set(table.sightings) == Set(first + second))
        let stats = try await store.statistics(now: Sample.noon)
        #expect(stats.totalSightings == 800)
        #expect(stats.days.map(\.rpis) == [800])
        #expect(stats.oldestRecordAge == 7200)
        #expect(stats.sizeOnDisk > 0)
    }

    @Test func nothingRecordedIsInTheClear() async throws {
        let temp = TemporaryDirectory()
        let store = try await ContactStore.open(temp.store, configuration: Sample.configuration(), now: Sample.noon)
        let sightings = Sample.sightings(0..<50, time: Sample.noon)
        _ = try await store.record(sightings, now: Sample.noon)
        let tek = TemporaryExposureKey(keyData: Block16(lo: 0x1122_3344_5566_7788, hi: 0x99AA_BBCC_DDEE_FF00),
                                       rollingStartIntervalNumber: try #require(ENIntervalNumber(unixSeconds: Sample.noon)).dayStart)
        try await store.saveOwnKey(tek, now: Sample.noon)
        for sighting in sightings.prefix(10) {
            #expect(RawFiles.filesContaining(sighting.rpi.bytes, in: temp.store.path).isEmpty)
        }
        #expect(RawFiles.filesContaining(tek.keyData.bytes, in: temp.store.path).isEmpty)
        #expect(try await store.ownKeys(now: Sample.noon) == [tek])
    }

    @Test func aFirstOpenCutShortLeavesAStoreThatOpens() async throws {
        // A power cut while the first key files were written leaves only their temporary copies
        // (they are created whole or not at all): the next open starts a new store, and wipe finds it.
        let temp = TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: temp.store.path, withIntermediateDirectories: true)
        for half in [temp.store.keyFile + ".new", temp.store.epochKeySlot(1) + ".new"] {
            #expect(FileManager.default.createFile(atPath: half, contents: Data([1, 2, 3])))
        }
        #expect(temp.store.exists)
        let store = try await ContactStore.open(temp.store, configuration: Sample.configuration(), now: Sample.noon)
        #expect(try await store.record(Sample.sightings(0..<10, time: Sample.noon), now: Sample.noon).stored == 10)
        try await store.wipe()
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: temp.store.path)) ?? ["?"]).isEmpty)
    }

    @Test func judgedDaysAndWindowsHaveARowForEveryDaySoTheRowsSayNothing() async throws {
        let temp = TemporaryDirectory()
        let store = try await ContactStore.open(temp.store, configuration: Sample.configuration(), now: Sample.noon)
        let matched = ExposureDay(unixSeconds: Sample.noon).adding(days: -3)
        let window = ExposureWindow(keyData: Block16(lo: 5, hi: 6), day: matched, reportType: .confirmedTest, infectiousness: .high,
                                    calibrationConfidence: 0,
                                    scanInstances: [ScanInstance(typicalAttenuation: 50, minAttenuation: 48, secondsSinceLastScan: 240)])
        try await store.saveExposureWindows([window], now: Sample.noon)
        try await store.saveContactDays([ContactDayRecord(day: matched, isContactDay: true, score: 3000, seconds: 1200, windows: 1)], now: Sample.noon)
        #expect(try await store.exposureWindows(now: Sample.noon) == [window])
        #expect(try await store.contactDays(now: Sample.noon).map(\.day) == [matched])
        // Without the key: a row for each of the days kept, all of one size.
        let queue = try DatabaseQueue(path: temp.store.database)
        for table in ["exposure_day", "contact_day"] {
            let rows = try queue.read { db in try Row.fetchAll(db, sql: "SELECT day, length(sealed) FROM \(table) ORDER BY day") }
            #expect(rows.count >= 14, "\(table): \(rows.count) rows")
            #expect(Set(rows.map { $0[1] as Int }).count == 1, "\(table): sizes differ")
        }
        // A window replaced for the same key and day: still one.
        try await store.saveExposureWindows([window], now: Sample.noon + 60)
        #expect(try await store.exposureWindows(now: Sample.noon + 60).count == 1)
    }

    @Test func keysOnAirLeaveOutTomorrowsKey() async throws {
        let temp = TemporaryDirectory()
        let store = try await ContactStore.open(temp.store, configuration: Sample.configuration(), now: Sample.noon)
        let today = try #require(ENIntervalNumber(unixSeconds: Sample.noon)).dayStart
        let yesterday = TemporaryExposureKey(keyData: Block16(lo: 1, hi: 1), rollingStartIntervalNumber: ENIntervalNumber(rawValue: today.rawValue - 144))
        let current = TemporaryExposureKey(keyData: Block16(lo: 2, hi: 2), rollingStartIntervalNumber: today)
        let tomorrow = TemporaryExposureKey(keyData: Block16(lo: 3, hi: 3), rollingStartIntervalNumber: ENIntervalNumber(rawValue: today.rawValue + 144))
        for key in [tomorrow, current, yesterday] { try await store.saveOwnKey(key, now: Sample.noon) }
        #expect(try await store.ownKeysOnAir(now: Sample.noon) == [yesterday, current])
        #expect(try await store.ownKeys(now: Sample.noon) == [yesterday, current, tomorrow])
    }

    @Test func reopensWithWhatWasStored() async throws {
        let temp = TemporaryDirectory()
        do {
            let store = try await ContactStore.open(temp.store, configuration: Sample.configuration(), now: Sample.noon)
            defer { store.close() }
            _ = try await store.record(Sample.sightings(0..<100, time: Sample.noon), now: Sample.noon)
            try await store.saveConsent(ConsentRecord(accepted: true, decidedAt: Sample.noon, termsVersion: "1"))
            try await store.recordProcessed([try #require(FileDigest(hex: String(repeating: "ab", count: 32)))], now: Sample.noon)
            try await store.saveDownloadState(DownloadState(lastCreated: 42), source: "cocoa")
            try await store.saveContactDays([ContactDayRecord(day: ExposureDay(unixSeconds: Sample.noon), isContactDay: true,
                                                              score: 3000, seconds: 1200, windows: 1, notifiedAt: Sample.noon)], now: Sample.noon)
        }
        let store = try await ContactStore.open(temp.store, configuration: Sample.configuration(), now: Sample.noon + 60)
        #expect(try await store.sightingTable(now: Sample.noon + 60).count == 100)
        #expect(try await store.consent()?.accepted == true)
        #expect(try await store.processedFiles().count == 1)
        #expect(try await store.downloadState(source: "cocoa")?.lastCreated == 42)
        #expect(try await store.downloadState(source: "other") == nil)
        #expect(try await store.contactDays(now: Sample.noon).first?.notifiedAt == Sample.noon)
    }

    @Test func onlyOneProcessHoldsTheStore() async throws {
        let temp = TemporaryDirectory()
        let store = try await ContactStore.open(temp.store, configuration: Sample.configuration(), now: Sample.noon)
        _ = try await store.record(Sample.sightings(0..<10, time: Sample.noon), now: Sample.noon)
        await #expect(throws: StoreError.locked(directory: temp.store.path)) {
            _ = try await ContactStore.open(temp.store, configuration: Sample.configuration(), now: Sample.noon)
        }
        #expect(throws: StoreError.locked(directory: temp.store.path)) { try ContactStore.wipe(temp.store) }
        // Statistics need neither the lock nor the key.
        #expect(try ContactStore.statistics(of: temp.store, now: Sample.noon).totalSightings == 10)
    }

    @Test func clockJumpsAreRejectedNotStored() async throws {
        let temp = TemporaryDirectory()
        let store = try await ContactStore.open(temp.store, configuration: Sample.configuration(), now: Sample.noon)
        let old = Sample.sightings(0..<3, time: Sample.noon - 15 * 86_400)
        let future = Sample.sightings(3..<5, time: Sample.noon + 2 * 86_400)
        let result = try await store.record(old + future + Sample.sightings(5..<6, time: Sample.noon), now: Sample.noon)
        #expect(result.stored == 1 && result.rejectedTime == 5)
        // Records stamped by a clock 30 hours fast are forgotten once the clock is set right (more than a day back).
        let fast = Sample.noon + 30 * 3600
        _ = try await store.record(Sample.sightings(10..<12, time: fast), now: fast)
        #expect(try await store.sightingTable(now: fast).count == 3)
        _ = try await store.expire(now: Sample.noon + 3600)
        #expect(try await store.sightingTable(now: Sample.noon + 3600).count == 1)
    }

    @Test func credentialKeySourceWritesNoKeyFileAndTheCLISaysWhy() async throws {
        let temp = TemporaryDirectory()
        let credential = temp.path + "/store-key"
        try Data((0..<32).map { UInt8($0) }).write(to: URL(fileURLWithPath: credential))
        let source = StoreKeySource.detect(environment: ["CREDENTIALS_DIRECTORY": temp.path])
        #expect(source == .credential(path: credential))
        do {
            let store = try await ContactStore.open(temp.store, configuration: .init(keySource: source), now: Sample.noon)
            defer { store.close() }
            _ = try await store.record(Sample.sightings(0..<5, time: Sample.noon), now: Sample.noon)
        }
        #expect(!FileManager.default.fileExists(atPath: temp.store.keyFile))
        do {
            _ = try await ContactStore.open(temp.store, configuration: .init(keySource: .keyFile), now: Sample.noon)
            Issue.record("opened without the credential")
        } catch {
            #expect(error.description.contains("systemd credential"))
        }
        let again = try await ContactStore.open(temp.store, configuration: .init(keySource: source), now: Sample.noon)
        #expect(try await again.sightingTable(now: Sample.noon).count == 5)
    }

    @Test func keyFileIsPrivate() async throws {
        let temp = TemporaryDirectory()
        _ = try await ContactStore.open(temp.store, configuration: Sample.configuration(), now: Sample.noon)
        for file in [temp.store.keyFile, temp.store.epochKeySlot(0), temp.store.epochKeySlot(1)] {
            let permissions = try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int
            #expect(permissions == 0o600, "\(file)")
        }
        let directoryPermissions = try FileManager.default.attributesOfItem(atPath: temp.store.path)[.posixPermissions] as? Int
        #expect(directoryPermissions == 0o700)
    }

    @Test func aDamagedKeySlotHealsFromTheOther() async throws {
        let temp = TemporaryDirectory()
        try await temp.recordAndClose(0..<5)
        try Data(repeating: 0xFF, count: 100).write(to: URL(fileURLWithPath: temp.store.epochKeySlot(0)))
        let store = try await ContactStore.open(temp.store, configuration: Sample.configuration(), now: Sample.noon)
        #expect(try await store.sightingTable(now: Sample.noon).count == 5)
        #expect(try FileManager.default.attributesOfItem(atPath: temp.store.epochKeySlot(0))[.size] as? Int == EpochKeyFile.fileBytes)
    }

    @Test func bothKeySlotsDamagedIsAClearError() async throws {
        let temp = TemporaryDirectory()
        do { _ = try await ContactStore.open(temp.store, configuration: Sample.configuration(), now: Sample.noon) }
        for slot in 0..<2 { try Data(repeating: 0, count: 10).write(to: URL(fileURLWithPath: temp.store.epochKeySlot(slot))) }
        do {
            _ = try await ContactStore.open(temp.store, configuration: Sample.configuration(), now: Sample.noon)
            Issue.record("opened")
        } catch {
            guard case .corrupt(let why) = error else { Issue.record("\(error)"); return }
            #expect(why.contains("epoch-key"))
        }
    }
}
