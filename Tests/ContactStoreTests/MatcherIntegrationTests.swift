import ContactStore
import Crypto
import ExposureNotification
import Foundation
import TestSupport
import Testing

/// The store feeds the matcher: sightings recorded into the store, a positive key published in a
/// signed file, and the matcher run on the table the store hands out finds exactly that contact.
struct MatcherIntegrationTests {
    @Test func storeTableFeedsTheMatcher() async throws {
        let temp = TemporaryDirectory()
        let day = ExposureDay(unixSeconds: Sample.noon)
        let start = try #require(day.firstInterval)
        var rng = SystemRandomNumberGenerator()
        let positive = TemporaryExposureKey.generate(for: start, using: &rng)
        let deriver = IdentifierDeriver()
        let keys = deriver.keys(for: positive.keyData)
        var sightings = Sample.sightings(0..<2_000, time: Sample.noon - 3600)
        for scan in 0..<10 {
            let time = Sample.noon + Int64(scan) * 120
            let rpi = deriver.identifier(rpik: keys.rpik, at: try #require(ENIntervalNumber(unixSeconds: time)))
            let aem = deriver.associatedEncryptedMetadata(.version1_0(txPower: 8), aemk: keys.aemk, rpi: rpi)
            sightings.append(Sighting(rpi: rpi, aem: aem, time: time, rssiMax: -42, rssiMean: -42, secondsSinceLastScan: 120))
        }
        let store = try await ContactStore.open(temp.store, configuration: Sample.configuration(), now: Sample.noon + 1800)
        _ = try await store.record(sightings, now: Sample.noon + 1800)

        let signing = P256.Signing.PrivateKey()
        let others = (0..<200).map { _ in TemporaryExposureKey.generate(for: start, using: &rng) }
        let zip = try ExportWriter.archive(header: .init(region: "440", batchNumber: 1, batchSize: 1), keys: others + [positive],
                                           signer: .init(privateKey: signing, keyID: "440", keyVersion: "v1"))
        let table = try await store.sightingTable(now: Sample.noon + 1800)
        let matcher = Matcher(index: SightingIndex(table: table),
                              keyring: VerificationKeyring([.init(id: "440", version: "v1", publicKey: signing.publicKey)]),
                              policy: .requireValid)
        let report = matcher.match([ExportSource(name: "today.zip") { .zip(zip) }], alreadyProcessed: try await store.processedFiles())
        #expect(report.matches.map(\.key.keyData) == [positive.keyData])
        try await store.recordProcessed(report.newlyProcessed, now: Sample.noon + 1800)
        let windows = ExposureWindowBuilder.windows(from: report.matches, table: table, configuration: .cocoa)
        let days = ContactJudgement.dailyRisks(windows: windows, configuration: .cocoa, today: day)
        #expect(days.map(\.isContactDay) == [true])
        // Matched again after a restart: the processed-file cache says no.
        let again = matcher.match([ExportSource(name: "today.zip") { .zip(zip) }], alreadyProcessed: try await store.processedFiles())
        #expect(again.files.first?.status == .alreadyProcessed)
    }
}
