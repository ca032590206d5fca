import ExposureNotification
import Foundation
import Testing

/// One scan is one scan instance for a key, however many of its RPIs the scan heard.
struct ExposureWindowBuilderTests {
    let day = ExposureDay(rawValue: 20_400)

    @Test func aScanThatHeardTwoRPIsOfAKeyIsCountedOnce() throws {
        let key = TestKeys.randomKeys(count: 1, day: day, seed: 31)[0]
        var scenario = Scenario()
        // 14 minutes, a scan every 2 minutes: 840 s, under COCOA's 900.
        scenario.meet(key, from: day.unixSeconds + 12 * 3_600, minutes: 14, every: 120, rssi: -42)
        let once = scenario.judge([try zip(key)], today: day)
        #expect(once.first?.seconds == 840 && once.first?.isContactDay == false)
        // The peer rotated while our scans ran: each scan also heard its RPI of the next interval,
        // 5 dB stronger. Counted as two scans this was 1,680 s, a contact day.
        let deriver = IdentifierDeriver(), keys = deriver.keys(for: key.keyData)
        for sighting in scenario.sightings {
            guard let next = sighting.interval?.advanced(by: 1) else { continue }
            let rpi = deriver.identifier(rpik: keys.rpik, at: next)
            scenario.sightings.append(Sighting(rpi: rpi, aem: deriver.associatedEncryptedMetadata(.version1_0(txPower: 8), aemk: keys.aemk, rpi: rpi),
                                               time: sighting.time, rssiMax: -37, rssiMean: -37, secondsSinceLastScan: 120))
        }
        let (report, index) = scenario.match([try zip(key)])
        let windows = ExposureWindowBuilder.windows(from: report.matches, table: index.table, configuration: .cocoa)
        #expect(windows.count == 1 && windows[0].scanInstances.count == 7)
        #expect(windows[0].scanInstances.allSatisfy { $0.typicalAttenuation == 45 && $0.secondsSinceLastScan == 120 })
        let twice = ContactJudgement.dailyRisks(windows: windows, configuration: .cocoa, today: day)
        #expect(twice.first?.seconds == 840 && twice.first?.isContactDay == false)
    }

    func zip(_ key: TemporaryExposureKey) throws -> ExportContainer {
        .zip(try ExportWriter.archive(header: ExportFile.Header(region: "440", batchNumber: 1, batchSize: 1),
                                      keys: [key], revisedKeys: [], signer: TestKeys.signer))
    }
}
