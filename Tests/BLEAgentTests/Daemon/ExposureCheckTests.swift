@testable import BLEAgent
import ContactStore
import ExposureNotification
import Foundation
import Testing
import TestSupport

/// The exposure check over a fake store: a key met for 20 minutes at about 50 dB (a contact day
/// under COCOA's model) is matched, judged and notified once; judging again notifies nothing; a
/// cancelled check writes nothing.
struct ExposureCheckTests {
    /// 2026-03-01 12:00 UTC.
    static let noon: Int64 = 1_772_366_400

    actor Notices {
        var days: [String] = []
        func add(_ day: ContactDayRecord) { days.append(day.day.iso8601) }
    }

    /// A key and what a scanner heard of it: a scan every 4 minutes for 20 minutes at RSSI −60 dBm
    /// with the metadata's TX power −10 dBm (attenuation 50 dB).
    static func meeting() throws -> (file: Data, sightings: [Sighting]) {
        var random = SeededGenerator(seed: 9)
        let start = try #require(ENIntervalNumber(unixSeconds: noon - 3 * 3600))
        let key = TemporaryExposureKey.generate(for: start, using: &random)
        let deriver = IdentifierDeriver()
        let derived = deriver.keys(for: key.keyData)
        var sightings: [Sighting] = []
        for scan in 1...6 {
            let time = noon - 3 * 3600 + Int64(scan * 240)
            let interval = try #require(ENIntervalNumber(unixSeconds: time))
            let rpi = deriver.identifier(rpik: derived.rpik, at: interval)
            let aem = deriver.associatedEncryptedMetadata(.version1_0(txPower: -10), aemk: derived.aemk, rpi: rpi)
            sightings.append(Sighting(rpi: rpi, aem: aem, time: time, rssiMax: -60, rssiMean: -60, secondsSinceLastScan: 240))
        }
        var published = key
        published.reportType = .confirmedTest
        published.daysSinceOnsetOfSymptoms = 0
        let bin = try ExportWriter.exportBin(header: ExportFile.Header(region: "440"), keys: [published], signatureInfos: [])
        return (try ExportWriter.zip(entries: [("export.bin", bin)]), sightings)
    }

    func check(_ store: FakeStore, _ notices: Notices) -> ExposureCheck {
        ExposureCheck(store: store, keyring: VerificationKeyring(), policy: .allowUnverified, risk: .cocoa,
                      notify: { day in await notices.add(day) })
    }

    @Test func aMatchedContactDayIsJudgedFromWhatWasSavedAndNotifiedOnce() async throws {
        let (file, sightings) = try Self.meeting()
        let store = FakeStore(sightings: sightings)
        let notices = Notices()
        let outcome = try await check(store, notices).run([ExportSource(name: "1.zip") { .zip(file) }], now: Self.noon)
        #expect(outcome.matchedKeys == 1)
        #expect(outcome.files == [.matched])
        let today = ExposureDay(unixSeconds: Self.noon).iso8601
        #expect(outcome.newContactDays.map(\.day.iso8601) == [today])
        #expect(await notices.days == [today])
        // Judged from what the save returned: the windows were not read back (and decrypted) again.
        #expect(await store.windowReads == 0)
        #expect(await store.days[ExposureDay(unixSeconds: Self.noon)]?.notifiedAt == Self.noon)

        // The same file again (already processed) and a round without files: nothing new.
        let again = try await check(store, notices).run([ExportSource(name: "1.zip") { .zip(file) }], now: Self.noon + 60)
        #expect(again.files == [.alreadyProcessed] && again.newContactDays.isEmpty)
        let empty = try await check(store, notices).run([], now: Self.noon + 120)
        #expect(empty.newContactDays.isEmpty && empty.files.isEmpty)
        #expect(await store.windowReads == 1)
        #expect(await notices.days == [today])
    }

    @Test func aCancelledCheckWritesNothing() async throws {
        let (file, sightings) = try Self.meeting()
        let store = FakeStore(sightings: sightings)
        let notices = Notices()
        let check = check(store, notices)
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await check.run([ExportSource(name: "1.zip") { .zip(file) }], now: Self.noon)
        }
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(await store.writes == 0)
        #expect(await notices.days.isEmpty)
    }
}
